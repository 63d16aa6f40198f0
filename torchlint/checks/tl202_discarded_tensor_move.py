"""TL202: a tensor's .to()/.cuda()/.cpu() whose result is discarded (see rules/TL202/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator

from torchlint.facts import devices
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel
from torchlint.syntax import unparse

METHODS = ("to", "cuda", "cpu")


class DiscardedTensorMove(Rule):
    """Tensor .to()/.cuda()/.cpu() as a statement: the moved or converted copy is thrown away."""

    code = "TL202"
    name = "discarded-tensor-move"
    fix = "mixed"  # torchlint/fix/tl202.py
    message = "{call} result discarded: tensor .{method}() is not in-place"
    hint = "assign it to {target}"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        moves = {c for c in m.statement_calls if type(c.func) is ast.Attribute and c.func.attr in METHODS}
        if not moves:
            return  # no statement .to()/.cuda()/.cpu(): the cheap gate before every site
        for site in m.sites:  # in source order
            call = site.node
            if call not in moves:
                continue
            func = call.func
            # modules move in place (model.to(device) is right); only a known tensor is flagged
            if not devices.is_tensor(m, func.value, site.scope):
                continue
            text = _short(call, unparse(func) + "(...)")
            yield self.violation(call, call=text, method=func.attr, target=_short(func.value))


def _short(node: ast.AST, fallback: str = "it") -> str:
    text = unparse(node)
    return text if len(text) <= 40 else fallback
