"""TL401: a module that runs training and never seeds a random number generator
(see rules/TL401/spec.md)."""
from __future__ import annotations

from typing import Iterator

from torchlint.facts import launch, seeding
from torchlint.config import SEED_FUNCTIONS, Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel


class UnseededTrainingRun(Rule):
    """Training run that never seeds the random number generators."""

    code = "TL401"
    name = "unseeded-training-run"
    fix = "unsafe"  # torchlint/fix/tl401.py
    message = "training run never seeds the random number generators"
    hint = "call torch.manual_seed(seed) (or seed_everything) before training"
    options = (SEED_FUNCTIONS,)

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        # any seeding at all is enough here (seeding only some generators is TL402); the
        # tests are independent facts, asked cheapest first: may it train at all, a direct
        # seeder, where training starts, every call that may seed
        if m.is_test_module() or not launch.may_have_training(m) or seeding.direct_seeds(m):
            return
        entry = launch.training_entry(m)
        if entry is None or seeding.seeding_calls(m, config["seed-functions"]):
            return
        yield self.violation(entry)
