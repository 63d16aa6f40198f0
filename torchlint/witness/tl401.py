"""TL401 witness: do two runs of the script end with the same weights?

Inside the script, an optimizer step hook remembers every optimizer that
steps; when the script ends, the parameters they hold are hashed (SHA-256 of
the raw bytes). The probes also record which seeders the run called
(``torch.manual_seed``, ``random.seed``, ``numpy.random.seed``, directly or
through ``seed_everything`` / a helper). The script runs twice, in fresh
processes: an unseeded run starts from a different random state each time, so
its final weights differ; a seeded run ends bit-identical.

Why not coincidence: the two runs are separate processes that start from independent
random states (the fork server reseeds torch, ``random`` and NumPy from OS entropy,
as an interpreter start does); bit-identical SHA-256 digests of the trained weights
then mean the script fixed its randomness, and different digests that it did not.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from torchlint.witness import Evidence, Launch, run_together

_finish = None


def instrument(record) -> None:
    global _finish
    from torchlint.witness import _probes

    _finish = _probes.final_weights(record)
    seeders(record)


def finish(record) -> None:
    if _finish is not None:
        _finish(record)


def seeders(record) -> None:
    """``record["seeded"]``: the generators the run seeded (torch / random / numpy)."""
    import random

    import torch

    record["seeded"] = []

    def wrap(owner, name, rng):
        original = getattr(owner, name)

        def seeded(*args, **kwargs):
            if rng not in record["seeded"]:
                record["seeded"].append(rng)
            return original(*args, **kwargs)

        setattr(owner, name, seeded)

    wrap(torch, "manual_seed", "torch")
    wrap(torch.random, "manual_seed", "torch")
    wrap(random, "seed", "random")
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy ships with torch's test extras
        return
    wrap(numpy.random, "seed", "numpy")


def twice(script: Path, rule: str, env: Optional[dict] = None, **kwargs):
    """Two independent runs, side by side (two processes)."""
    launch = Launch(script.resolve(), rule, tuple(kwargs.pop("args", ())),
                    tuple((env or {}).items()), **kwargs)
    runs = run_together([launch, launch])
    for run in runs:
        if run.exception:
            raise RuntimeError(f"{script.name} raised {run.exception}")
        if not run.record["steps"]:
            raise RuntimeError(f"{script.name} never stepped an optimizer")
    return runs


def observe(script: Path, **kwargs) -> Evidence:
    a, b = twice(script, "tl401", **kwargs)
    differ = a.record["weights"] != b.record["weights"]
    seeded = ", ".join(a.record["seeded"]) or "nothing"
    detail = (f"two runs ({a.record['steps']} optimizer steps each; seeded: {seeded}) ended with "
              + ("different final weights" if differ else "bit-identical final weights"))
    return Evidence(differ, detail, {"runs": [a.record, b.record]})
