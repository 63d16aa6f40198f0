"""TL601 witness: did an evaluation pass run a module in training mode, so that its
result depends on dropout masks or updates batch-norm statistics?

Inside the script every top-level module forward is recorded (``_forwards``): its
training flag and grad mode, and whether a backward pass later sent a gradient
through its output. *Evaluation forwards* are those no gradient ever reached (under
``no_grad`` or not). Each forward made in training mode is run a second time on the
same batch (under ``no_grad``, buffers restored, hooks silenced): if the two outputs
differ, dropout was active; if the forward changed the module's buffers, batch norm
updated its running statistics. The hazard: an evaluation forward in training mode
that shows either.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, _forwards, run_script


def instrument(record) -> None:
    _forwards.install(record, rerun=True)


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl601", **kwargs)
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    forwards = run.record["forwards"]
    evals = [f for f in forwards if not f["trained"]]
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
