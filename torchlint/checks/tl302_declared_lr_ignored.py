"""TL302: an optimizer given a literal learning rate in a script that declares a
learning-rate setting nothing reads (see rules/TL302/spec.md)."""
from __future__ import annotations

from typing import Iterator

from torchlint.facts import hparams
from torchlint import known
from torchlint.config import LR_NAMES, Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel


class DeclaredLearningRateIgnored(Rule):
    """Declared learning-rate setting ignored by an optimizer given a literal lr."""

    code = "TL302"
    name = "declared-lr-ignored"
    message = "{optimizer}(...) uses lr={lr} and ignores the declared {setting} (line {line})"
    hint = "pass the setting as lr"
    requires = known.OPTIMIZER_WORDS
    options = (LR_NAMES,)

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        for call in hparams.hard_coded_calls(m):
            if hparams.restored_from_checkpoint(m, call):
                continue
            setting = hparams.ignored_lr_setting(m, call, config["lr-names"])
            if setting is not None:
                yield self.violation(call.lr, optimizer=call.name, lr=call.literal_lr,
                                     setting=setting.label, line=setting.node.lineno)
