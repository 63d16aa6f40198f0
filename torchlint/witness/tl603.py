"""TL603 witness: did training steps run with dropout / batch norm switched to eval
mode after an evaluation?

Inside the script every top-level module forward is recorded (``_forwards``) with the
training flag of every dropout and batch-norm layer that ran inside it (seen by the
layer's own forward pre-hook), and whether a backward pass sent a gradient through
its output (a *training forward*). The hazard: for one module, a training forward in
which those layers ran in training mode, followed later by training forwards in which
they ran in eval mode - the model kept training with dropout off / frozen batch-norm
statistics.

Why not coincidence: the flags are those of the dropout and batch-norm layers
themselves, read by their own forward pre-hooks during forwards that a backward pass
really went through; the order (training mode first, eval mode later) is the run's.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, _forwards, run_script


def instrument(record) -> None:
    _forwards.install(record)


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl603", **kwargs)
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    r = run.record
    trained = [f for f in r["forwards"] if f["trained"] and f["layers"]]
    if len(trained) < 2 or r["steps"] < 2:
        raise RuntimeError(f"{script.name} made {len(trained)} training forwards through dropout/"
                           f"batch norm and {r['steps']} optimizer steps; a witness needs 2+")
    bad, first_on = [], {}
    for f in trained:
        on = all(training for _name, training in f["layers"])
        if on:
            first_on.setdefault(f["id"], f)
        elif f["id"] in first_on:
            bad.append(f)
    if bad:
        layers = sorted({name for f in bad for name, training in f["layers"] if not training})
        detail = (f"{len(bad)} of {len(trained)} training forwards ran {', '.join(layers)} in eval "
                  f"mode (model.training={bad[0]['training']}) after training began in training "
                  f"mode; first at optimizer step {bad[0]['step'] + 1} of {r['steps']}")
    else:
        detail = f"all {len(trained)} training forwards ran dropout/batch norm in training mode"
    return Evidence(bool(bad), detail, {"training_forwards": len(trained), "bad": len(bad)})
