"""TL402: a training run that seeds torch but draws from an unseeded ``random`` /
NumPy generator, or seeds those but not torch (see rules/TL402/spec.md)."""
from __future__ import annotations

from typing import Iterator

from torchlint.facts import launch, seeding
from torchlint.config import SEED_FUNCTIONS, Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel

FIX = {seeding.TORCH: "torch.manual_seed", seeding.RANDOM: "random.seed",
       seeding.NUMPY: "np.random.seed"}


class PartialSeeding(Rule):
    """Training run that seeds some random number generators but not all it uses."""

    code = "TL402"
    name = "partial-seeding"
    message = "{call} seeds {seeded} but not {missing}, which the run {uses}"
    hint = "call {fix} too"
    options = (SEED_FUNCTIONS,)

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        if m.is_test_module() or not launch.may_have_training(m):  # cheap, and implied by training_entry
            return
        extra = config["seed-functions"]
        direct = seeding.direct_seeds(m)  # a subset of what the calls below seed: decides cheaply
        if direct == seeding.ALL_RNGS or (seeding.TORCH in direct
                                          and not any(seeding.global_draws(m, extra).values())):
            return  # fully seeded, whether or not the module trains: asked before training_entry
        if launch.training_entry(m) is None:
            return
        calls = seeding.seeding_calls(m, extra)
        seeded = seeding.seeded_rngs(calls)
        if not calls or seeded == seeding.ALL_RNGS:
            return  # unseeded (TL401) or fully seeded
        draws = seeding.global_draws(m, extra)
        if seeding.TORCH in seeded:
            missing = [g for g in (seeding.RANDOM, seeding.NUMPY) if draws[g] and g not in seeded]
            if not missing:
                return
            first = min((draws[g][0] for g in missing), key=lambda s: s.node.lineno)
            uses = f"draws from (line {first.node.lineno})"
        else:  # random / numpy seeded, torch not: the training itself draws from torch
            missing = [seeding.TORCH]
            uses = "trains with"
        anchor = _anchor(calls, seeded)
        yield self.violation(anchor.site.node, call=anchor.text, seeded=_words(seeded),
                             missing=_words(missing), uses=uses,
                             fix=" and ".join(FIX[g] for g in missing))


def _anchor(calls, seeded):
    """The first direct seeder call (where the missing seeds belong), else the first call."""
    direct = [c for c in calls if c.how == seeding.DIRECT]
    return (direct or calls)[0]


def _words(rngs) -> str:
    order = (seeding.TORCH, seeding.RANDOM, seeding.NUMPY)
    return "/".join(g for g in order if g in rngs)
