"""TL701: cross_entropy / nll_loss applied to softmax output (see rules/TL701/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator

from torchlint.facts import values
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel
from torchlint.syntax import short_text

_FIX = {
    "cross_entropy": "pass the logits: cross-entropy applies log_softmax itself",
    "nll_loss": "pass log_softmax output: NLL loss expects log-probabilities",
}


class LossOnSoftmaxOutput(Rule):
    """CrossEntropyLoss / cross_entropy / NLLLoss applied to softmax probabilities."""

    code = "TL701"
    name = "loss-on-softmax-output"
    fix = "mixed"  # torchlint/fix/tl701.py
    message = "{loss} applied to softmax output{arg}"
    hint = "{fix}"
    requires = ("cross_entropy", "CrossEntropyLoss", "nll_loss", "NLLLoss")

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        if not values.may_hold_softmax(m):
            return  # no loss input can be softmax output here
        for site in m.sites:
            if not site.is_call:
                continue
            call = site.node
            if len(call.args) + len(call.keywords) < 2:
                continue  # a loss call takes an input and a target
            found = values.loss_called(m, call, site.scope)
            if found is None:
                continue
            arg = values.loss_input(call)
            if arg is None or not values.is_softmax(m, arg, site.scope):
                continue
            kind, _functional = found
            loss = f"{short_text(call.func)}()"
            name = f" ({short_text(arg)})" if isinstance(arg, (ast.Name, ast.Attribute)) else ""
            yield self.violation(call, loss=loss, arg=name if len(name) <= 24 else "", fix=_FIX[kind])
