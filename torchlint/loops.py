"""Training-loop discovery, shared by the TL1xx, TL5xx and TL6xx rules.

A *training loop* (RULES.md) is a ``for``/``while`` whose body, at any depth and
through same-file helpers, calls both ``<tensor>.backward()`` (or
``scaler.scale(loss).backward()``, ``accelerator.backward(loss)``,
``torch.autograd.backward``) and ``<optimizer>.step()`` (or
``scaler.step(optimizer)``). Each site in a loop is classified once into an
*event*; rules read events, never raw calls.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

from torchlint import known
from torchlint.semantic import LoopInfo, SemanticModel, Site

BACKWARD = "backward"
STEP = "step"  # optimizer step
ZERO_GRAD = "zero_grad"  # any gradient clearing
SCHEDULER_STEP = "scheduler_step"
OPAQUE = "opaque"  # an optimizer handed to code torchlint cannot see (might clear)


@dataclass(frozen=True)
class Event:
    kind: str
    site: Site
    via: Tuple[Site, ...]  # helper call chain from the loop to this site
    receiver: Optional[str] = None  # source text of the receiver, for messages

    @property
    def node(self) -> ast.AST:
        return self.site.node

    @property
    def anchor(self) -> ast.AST:
        """Where a report belongs in the loop's own function: the site, or the first helper call."""
        return self.via[0].node if self.via else self.site.node


def _text(expr: ast.AST) -> str:
    try:
        return ast.unparse(expr)
    except Exception:  # pragma: no cover - unparse handles every expression
        return "optimizer"


def classify(m: SemanticModel, site: Site) -> Optional[Event]:
    """The training event a site is, or None. ``via`` is filled in by the caller."""
    node = site.node
    if site.is_grad_write:  # p.grad = None, del p.grad, p.grad += ...
        if isinstance(node, ast.Attribute) and node.attr == "grad":
            return Event(ZERO_GRAD, site, ())
        return None
    func = node.func
    if isinstance(func, ast.Attribute):
        attr = func.attr
        recv = func.value
        if attr == "backward":
            return Event(BACKWARD, site, (), _text(recv))
        if attr == "manual_backward":
            return Event(BACKWARD, site, ())
        if attr == "zero_grad":
            return Event(ZERO_GRAD, site, (), _text(recv))
        if attr in ("zero_", "detach_", "fill_", "requires_grad_") and _mentions_grad(recv):
            return Event(ZERO_GRAD, site, ())
        if attr == "step":
            kinds = m.kinds(recv, site.scope)
            if "grad_scaler" in kinds and node.args:
                return Event(STEP, site, (), _text(node.args[0]))
            if "optimizer" in kinds:
                return Event(STEP, site, (), _text(recv))
            if "scheduler" in kinds:
                return Event(SCHEDULER_STEP, site, (), _text(recv))
            return None
    qualname = m.resolve(func, site.scope)
    if qualname in known.AUTOGRAD_BACKWARD:
        return Event(BACKWARD, site, ())
    # an optimizer passed to a call torchlint cannot follow may be cleared there
    if qualname is None or not qualname.startswith(("torch.", "builtins.")):
        if m.function_for(func, site.scope) is None:
            for arg in list(node.args) + [k.value for k in node.keywords]:
                if "optimizer" in m.kinds(arg, site.scope):
                    return Event(OPAQUE, site, (), _text(arg))
    return None


def _mentions_grad(expr: ast.AST) -> bool:
    """``p.grad``, ``p.grad.data`` ..."""
    while isinstance(expr, ast.Attribute):
        if expr.attr == "grad":
            return True
        expr = expr.value
    return False


def events(m: SemanticModel, owner, follow: bool = True) -> List[Event]:
    """Events in a loop or function body, in source order (helpers inlined)."""
    cache: Dict = m.memo.setdefault("events", {})
    key = (owner.node, follow)
    if key not in cache:
        out = []
        for site, via in m.sites_in(owner, follow=follow):
            ev = classify(m, site)
            if ev is not None:
                out.append(Event(ev.kind, ev.site, via, ev.receiver))
        cache[key] = out
    return cache[key]


def is_training(evs: List[Event]) -> bool:
    kinds = {e.kind for e in evs}
    return BACKWARD in kinds and STEP in kinds


def training_loops(m: SemanticModel) -> Iterator[Tuple[LoopInfo, List[Event]]]:
    """Every loop that is a training loop, with its events."""
    for loop in m.loops:
        evs = events(m, loop)
        if is_training(evs):
            yield loop, evs
