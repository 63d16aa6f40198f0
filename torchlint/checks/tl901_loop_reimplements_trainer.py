"""TL901: a hand-written training loop that re-implements what Lightning provides
(see rules/TL901/spec.md). Off by default: ``--extend-select TL9``. The message
names the way ``torchlint lightning`` would take the loop: a LightningModule (a
plain loop) or Fabric (anything else, facts/adoption.fabric_reasons)."""
from __future__ import annotations

from typing import Iterator

from torchlint.config import Config, Option
from torchlint.facts import adoption
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel

DEFAULT_THRESHOLD = 4
_NO_FILE = ("-", "stdin", "(none)", "<unknown>", "<string>")


class LoopReimplementsTrainer(Rule):
    """Hand-written training loop that re-implements several concerns of Lightning's Trainer."""

    code = "TL901"
    name = "loop-reimplements-trainer"
    message = "loop does {count} of Lightning's jobs by hand ({concerns})"
    hint = "try: torchlint lightning {file} ({path})"
    default_enabled = False
    options = (
        Option("lightning-threshold", DEFAULT_THRESHOLD,
               "TL901 reports a training loop that implements at least this many of the "
               "Trainer's concerns (zero_grad/backward/step, device moves, AMP, DDP, "
               "checkpointing, logging, gradient clipping, gradient accumulation)",
               type="int", rules=("TL901",)),
    )

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        threshold = config["lightning-threshold"]
        target = m.filename if m.filename not in _NO_FILE else "FILE"
        if m.is_test_module():  # tests of training code are not the place to adopt a Trainer
            return
        for loop, evs in adoption.primary_training_loops(m):
            if m.is_test_function(loop.function):
                continue
            found = adoption.concerns(m, loop, evs)
            if len(found) >= threshold:
                path = "Fabric" if adoption.fabric_reasons(m, loop, evs) else "LightningModule"
                yield self.violation(loop.node, count=len(found), concerns=adoption.describe_short(found),
                                     file=target, path=path)
