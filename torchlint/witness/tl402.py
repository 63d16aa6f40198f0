"""TL402 witness: does a partially seeded run still end with different weights,
because of the generators it left unseeded?

The instrumentation is TL401's (final weights hashed at exit, seeders the run
called recorded). The script runs twice in fresh processes. When the final
weights differ, the witness names the generators the run did not seed (of
torch, ``random`` and NumPy) and runs the script twice more with exactly those
seeded by the instrumentation before the script starts: identical weights then
prove the difference came from the unseeded generators. Clean fixtures end
bit-identical in the first two runs.

Why not coincidence: the cause is shown by intervention - the same script, with only
the generators it left unseeded seeded by the witness, ends bit-identical - not
inferred from which seeding calls the text contains.
"""
from __future__ import annotations

import os
from pathlib import Path

from torchlint.witness import Evidence, tl401

SEED_ENV = "TORCHLINT_WITNESS_SEED"  # comma list of generators the instrumentation seeds
RNGS = ("torch", "random", "numpy")


def instrument(record) -> None:
    tl401.instrument(record)
    wanted = [g for g in os.environ.get(SEED_ENV, "").split(",") if g]
    if wanted:
        import random

        import numpy
        import torch

        seeders = {"torch": torch.manual_seed, "random": random.seed, "numpy": numpy.random.seed}
        for g in wanted:
            seeders[g](1234)
        record["seeded"] = []  # the witness's own seeding is not the script's


def finish(record) -> None:
    tl401.finish(record)


def observe(script: Path, **kwargs) -> Evidence:
    env = kwargs.pop("env", None) or {}
    a, b = tl401.twice(script, "tl402", env=env, **kwargs)
    seeded = a.record["seeded"]
    said = ", ".join(seeded) or "nothing"
    if a.record["weights"] == b.record["weights"]:
        return Evidence(False, f"two runs (seeded: {said}) ended with bit-identical final weights",
                        {"runs": [a.record, b.record]})
    unseeded = [g for g in RNGS if g not in seeded]
    c, d = tl401.twice(script, "tl402", env={**env, SEED_ENV: ",".join(unseeded)}, **kwargs)
    cause = c.record["weights"] == d.record["weights"]
    detail = (f"two runs seeded with {said} ended with different final weights; "
              f"with {', '.join(unseeded) or 'nothing more'} also seeded they end "
              + ("bit-identical" if cause else "different too (another source of nondeterminism)"))
    return Evidence(cause, detail, {"runs": [a.record, b.record, c.record, d.record]})
