"""TL603: model.eval() in the epoch loop never undone before training resumes
(see rules/TL603/spec.md)."""
from __future__ import annotations

from typing import Iterator

from torchlint.facts import modes
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel


class EvalModeNotRestored(Rule):
    """model.eval() in the training loop with no model.train() before the next training step."""

    code = "TL603"
    name = "eval-mode-not-restored"
    message = "{call} leaves {module} in eval mode for the next training step"
    hint = "call {module}.train() before training"
    requires = ("eval", ".train(")

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        for found in modes.evals_left_on(m):
            call = found.call
            # reported where the loop calls it: model.eval() itself, or the helper call
            yield self.violation(call.anchor, call=modes.text(call.anchor),
                                 module=modes.text(found.module))
