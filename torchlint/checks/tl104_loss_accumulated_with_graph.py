"""TL104: a loss tensor accumulated across iterations with its graph (see rules/TL104/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator

from torchlint.facts import autograd, loops, values
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel
from torchlint.syntax import unparse


class LossAccumulatedWithGraph(Rule):
    """Loss tensor accumulated across iterations without .item() or .detach()."""

    code = "TL104"
    name = "loss-accumulated-with-graph"
    fix = "safe"  # torchlint/fix/tl104.py
    message = "{acc} keeps every iteration's autograd graph alive"
    hint = "accumulate {value}.item() or .detach()"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        reported = set()
        for loop in m.loops:
            found = values.accumulations(m, loop)
            if not found:
                continue
            if not loops.is_training_loop(m, loop) and not _computes_model_loss(m, loop):
                continue
            scope = loop.scope
            for acc in found:
                if id(acc.node) in reported:
                    continue
                name = acc.name
                # the accumulator is itself backward()ed: gradient accumulation, by design
                if name in values.graph_names(m, scope):
                    continue
                if autograd.grad_mode(m, acc.node, scope) is not True:
                    continue  # under no_grad (or unknown): nothing is recorded
                carrier = (values.carries_graph(m, acc.value, scope, exclude=name)
                           or values.carries_model_loss(m, acc.value, scope, exclude=name))
                if carrier is None or not values.carried_across(m, acc, scope):
                    continue
                reported.add(id(acc.node))
                yield self.violation(acc.node, acc=_text(acc, carrier), value=carrier)


def _computes_model_loss(m: SemanticModel, loop) -> bool:
    """A loop (not a training loop) that computes a loss of a module's output."""
    return any(site.is_call and len(site.node.args) + len(site.node.keywords) >= 2
               and values.model_loss(m, site.node, site.scope)
               for site, _via in m.sites_in(loop, follow=False))


def _text(acc: values.Accumulation, carrier: str) -> str:
    """``running_loss += loss``, ``total = total + ...``, ``losses.append(loss)``."""
    name = unparse(acc.target)
    value = unparse(acc.value)
    if isinstance(acc.node, ast.AugAssign):
        return f"{name} += {value if len(value) <= 24 else carrier}"
    if isinstance(acc.node, ast.Assign):
        return f"{name} = {value}" if len(value) <= 24 else f"{name} = {name} + ..."
    return f"{name}.append({value if len(value) <= 24 else carrier})"
