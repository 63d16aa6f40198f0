"""TL601: an evaluation loop that runs a module in training mode (see rules/TL601/spec.md)."""
from __future__ import annotations

from typing import Iterator

from torchlint.facts import loops, modes
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel


class EvaluationInTrainingMode(Rule):
    """Evaluation loop that runs a dropout/batch-norm module without model.eval()."""

    code = "TL601"
    name = "evaluation-in-training-mode"
    message = "evaluation loop runs {module} in training mode"
    hint = "call {module}.eval() before the loop"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        for found in loops.inference_loops(m):
            if not found.is_evaluation:
                continue
            for fw in found.forwards:
                # the mode changes the module's output (asked first: cheaper, and mostly
                # false), and it is surely in training mode here
                if (modes.mode_dependent(m, fw.module, fw.site.scope)
                        and modes.mode_at(m, fw.site, fw.via, fw.module) == modes.TRAIN):
                    yield self.violation(found.loop.node, module=modes.text(fw.module))
                    break
