"""TL101 witness: did an optimizer step use gradient left over from an earlier step?

Inside the script: after every ``optimizer.step()`` the gradient each parameter
was updated with is remembered. Before every ``backward()`` each such
parameter's ``.grad`` is compared with it: if it is still exactly that
(non-zero) gradient, nothing cleared it, the new backward adds to it, and the
next step is counted as *stale* - it applies the sum of this step's and the
previous steps' gradients.

Why not coincidence: each parameter's ``.grad`` is compared, at the moment a new
backward pass is about to add to it, with the very gradient it held at the previous
optimizer step. A cleared gradient is None or zero at that moment whatever the data;
only a gradient nobody cleared is still exactly the previous (non-zero) one.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_completed


def instrument(record) -> None:
    import torch
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    state = {"last": {}, "stale": set(), "params": {}}
    record.update(steps=0, stale_steps=0, backwards=0, first_stale_step=None)

    def before_step(optimizer, args, kwargs):
        record["steps"] += 1
        stale = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if id(p) in state["stale"]:
                    stale = True
                state["last"][id(p)] = p.grad.detach().clone()
                state["params"][id(p)] = p  # keeps the id valid
        state["stale"].clear()
        if stale:
            record["stale_steps"] += 1
            if record["first_stale_step"] is None:
                record["first_stale_step"] = record["steps"]

    register_optimizer_step_pre_hook(before_step)
    original = torch.autograd.backward

    def backward(*args, **kwargs):
        record["backwards"] += 1
        for p in state["params"].values():
            last = state["last"].get(id(p))
            if (p.grad is not None and last is not None and bool(last.abs().sum() > 0)
                    and p.grad.shape == last.shape and torch.equal(p.grad, last)):
                state["stale"].add(id(p))
        return original(*args, **kwargs)

    torch.autograd.backward = backward


def observe(script: Path, **kwargs) -> Evidence:
    r = run_completed(script, "tl101", **kwargs)
    if r["steps"] < 2:
        raise RuntimeError(f"{script.name} made {r['steps']} optimizer steps; a witness needs 2+")
    hazard = r["stale_steps"] > 0
    detail = (
        f"{r['stale_steps']} of {r['steps']} optimizer steps used gradient left over from an "
        f"earlier step (first: step {r['first_stale_step']})"
        if hazard else f"all {r['steps']} optimizer steps used fresh gradients"
    )
    return Evidence(hazard, detail, r)
