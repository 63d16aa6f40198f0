"""TL102: zero_grad() between backward() and step() in one iteration (see rules/TL102/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator, List

from torchlint.facts import loops, values
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel
from torchlint.syntax import short_text, unparse


class ZeroGradBeforeStep(Rule):
    """zero_grad() after backward() and before the optimizer step of the same iteration."""

    code = "TL102"
    name = "zero-grad-between-backward-and-step"
    fix = "safe"  # torchlint/fix/tl102.py
    message = "{zero} between backward() and step() wipes the gradients"
    hint = "call it before backward() or after step()"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        reported = set()
        for _loop, evs in loops.training_loops(m):
            for i, zero in enumerate(evs):
                if zero.kind != loops.ZERO_GRAD or not _is_zero_grad_call(zero) or id(zero.node) in reported:
                    continue  # (the kind asked first: most events are no clearing)
                if _next_step(m, evs, i) is None:
                    continue
                if any(e.kind == loops.BACKWARD and loops.runs_before(m, e, zero) for e in evs[:i]):
                    reported.add(id(zero.node))
                    yield self.violation(zero.node, zero=short_text(zero.node.func) + "()")


def _is_zero_grad_call(ev: loops.Event) -> bool:
    """``X.zero_grad(...)`` written here (not a partial ``p.grad = None`` / ``grad.zero_()``
    on chosen parameters: masking gradients between backward and step is deliberate)."""
    node = ev.node
    return (ev.kind == loops.ZERO_GRAD and ev.origin is None and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == "zero_grad")


def _next_step(m: SemanticModel, evs: List[loops.Event], i: int):
    """The step of the optimizer ``evs[i]`` clears, run next in the same iteration with
    nothing in between that could put gradients back; None otherwise."""
    zero = evs[i]
    for j, ev in enumerate(evs[i + 1:], i + 1):
        if ev.origin is not None or ev.kind in (loops.BACKWARD, loops.OPAQUE, loops.ZERO_GRAD):
            return None  # gradients recomputed, written by hand, or code we cannot see
        if ev.kind != loops.STEP or not _clears(m, zero, ev):
            continue  # another optimizer's step does not read these gradients
        if not _without_closure(ev) or not loops.runs_before(m, zero, ev) \
                or any(loops.is_opaque(m, e) for e in evs[i + 1:j]):
            return None  # the unseen calls in between asked last: the costlier question
        return ev
    return None


def _without_closure(ev: loops.Event) -> bool:
    """``opt.step()`` / ``scaler.step(opt)``: ``opt.step(closure)`` recomputes gradients."""
    call = ev.node
    via_scaler = unparse(call.func.value) != ev.receiver
    return len(call.args) + len(call.keywords) == (1 if via_scaler else 0)


def _clears(m: SemanticModel, zero: loops.Event, step: loops.Event) -> bool:
    """The zero_grad() clears what the step updates: the same optimizer, or a module
    whose ``parameters()`` the optimizer was built from."""
    if zero.receiver == step.receiver:
        return True
    optimizer = values.stepped_optimizer(m, step.node, step.site.scope)
    owners = values.optimizer_param_owners(m, optimizer, step.site.scope) if optimizer else set()
    return zero.receiver in owners
