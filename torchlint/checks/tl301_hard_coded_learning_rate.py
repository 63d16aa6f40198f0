"""TL301: a learning rate written as a numeric literal in an optimizer constructor
(see rules/TL301/spec.md)."""
from __future__ import annotations

from typing import Iterator

from torchlint.facts import hparams
from torchlint import known
from torchlint.config import LR_NAMES, Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel


class HardCodedLearningRate(Rule):
    """Learning rate hard-coded as a literal in an optimizer constructor."""

    code = "TL301"
    name = "hard-coded-learning-rate"
    message = "learning rate {lr} hard-coded in {optimizer}(...)"
    hint = "take it from an argument, config or hparams setting"
    requires = known.OPTIMIZER_WORDS
    options = (LR_NAMES,)

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        names = config["lr-names"]
        for call in hparams.hard_coded_calls(m):
            if hparams.lr_replaced(m, call):
                continue
            # a declared setting the call ignores is TL302's report on the same line
            if hparams.ignored_lr_setting(m, call, names) is not None:
                continue
            yield self.violation(call.lr, lr=call.literal_lr, optimizer=call.name)
