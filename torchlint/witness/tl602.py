"""TL602 witness: did an evaluation pass in eval mode record autograd graphs?

Inside the script every top-level module forward is recorded (``_forwards``): the
module's training flag, ``torch.is_grad_enabled()``, whether its output requires grad
(and its ``grad_fn``), and whether a backward pass later sent a gradient through it.
The hazard: a forward made in eval mode (``module.training`` False) whose output is
attached to a graph that no backward pass ever used - memory and time spent on graphs
for nothing.

Why not coincidence: the training flag, the grad mode and the graph attachment are
read from the module and its output at the call, and "no backward used it" from a
hook on that output that never fired.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, _forwards, run_script


def instrument(record) -> None:
    _forwards.install(record)


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl602", **kwargs)
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    forwards = run.record["forwards"]
    in_eval = [f for f in forwards if not f["training"]]
    if not in_eval:
        raise RuntimeError(f"{script.name} ran no eval-mode forward; a witness needs one")
    evals = [f for f in in_eval if not f["trained"]]  # graphs a backward used were needed
    graphs = [f for f in evals if f["requires_grad"]]
    if graphs:
        detail = (f"{len(graphs)} of {len(evals)} eval-mode forwards returned outputs attached "
                  f"to an autograd graph (grad_fn={graphs[0]['grad_fn']}) that no backward used "
                  f"({_forwards.summary(graphs)})")
    else:
        detail = (f"none of {len(evals)} eval-mode forwards recorded an autograd graph that no "
                  f"backward used ({len(in_eval) - len(evals)} fed a backward pass)")
    return Evidence(bool(graphs), detail, {"eval_forwards": len(evals), "with_graph": len(graphs)})
