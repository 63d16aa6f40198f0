"""TL101: a training loop that never clears gradients (see rules/TL101/spec.md)."""
from __future__ import annotations

from typing import Iterator

from torchlint.facts import clearing, loops
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel
from torchlint.syntax import short_text


class GradientsNeverCleared(Rule):
    """Optimizer step in a training loop that never clears gradients."""

    code = "TL101"
    name = "gradients-never-cleared"
    fix = "safe"  # torchlint/fix/tl101.py
    message = "{step} in a loop that never clears gradients"
    hint = "call {optimizer}.zero_grad() each iteration"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        reported = set()
        for _loop, evs in loops.training_loops(m):
            # clearing anywhere in the body (conditional too) that may reach the stepped
            # optimizer's parameters, or an optimizer handed to code we cannot see, means
            # "cleared" (precision first)
            for ev in clearing.uncleared_steps(m, evs):
                if id(ev.node) in reported:
                    continue
                if ev.origin is not None and ev.origin.in_loop:
                    continue  # a loop inside an imported helper: linting that module reports it
                reported.add(id(ev.node))
                yield self.violation(ev.node, step=short_text(ev.node), optimizer=ev.receiver)
