"""TL601 witness: did an evaluation pass run a module in training mode, so that its
result depends on dropout masks or updates batch-norm statistics?

What it observes, inside the script: every top-level module forward is recorded
(``_forwards``): its training flag and grad mode, whether a backward pass later sent
a gradient through its output, and whether anything computed from its output was
ever differentiated (the data flow is followed operation by operation). *Evaluation
forwards* are those whose output fed no training at all: no gradient reached it and
no backward pass read anything made from it. A GAN's generator sampling under
``no_grad`` for the discriminator's step, or a teacher producing soft targets, feeds
training and is not evaluation. Each forward made in training mode is run a second
time on the same batch (under ``no_grad``, on a copy of the module, hooks silenced):
if the two outputs differ, dropout was active; if the forward changed the module's
buffers, batch norm updated its running statistics. The hazard: an evaluation
forward in training mode that shows either.

Why not coincidence: the training flag is the module's own at the call, the
misbehaviour is shown by the second pass or the buffers themselves, and "evaluation"
is decided by where the output went in the run, not by the grad mode it was made in.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, _forwards, run_script


def instrument(record) -> None:
    _forwards.install(record, rerun=True, follow=True)


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl601", **kwargs)
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    forwards = run.record["forwards"]
    evals = [f for f in forwards if not f["trained"] and not f["feeds_backward"]]
    if not evals:
        raise RuntimeError(f"{script.name} ran no evaluation forward; a witness needs one")
    in_training = [f for f in evals if f["training"]]
    bad = [f for f in in_training if f["rerun_differs"] or f["bn_changed"]]
    if bad:
        dropout = sum(1 for f in bad if f["rerun_differs"])
        stats = sum(1 for f in bad if f["bn_changed"])
        detail = (f"{len(bad)} of {len(evals)} evaluation forwards ran in training mode and "
                  f"misbehaved: {dropout} gave a different output on a second pass over the "
                  f"same batch, {stats} changed batch-norm running statistics "
                  f"({_forwards.summary(bad)})")
    else:
        detail = (f"{len(evals)} evaluation forwards, {len(evals) - len(in_training)} in eval "
                  f"mode; none gave batch-dependent or random output or changed running "
                  f"statistics")
    return Evidence(bool(bad), detail, {"evaluation_forwards": len(evals), "bad": len(bad),
                                        "in_training_mode": len(in_training)})
