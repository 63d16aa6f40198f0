"""TL102 witness: did an optimizer step run on gradients that were wiped after backward()?

Inside the script: ``torch.autograd.backward`` is wrapped to count backward passes,
and an optimizer step pre-hook looks, at every ``optimizer.step()`` that follows a
backward pass, at the gradients the optimizer is about to use. A step at which every
parameter's ``.grad`` is None or all zeros applies no gradient at all: the update of
that backward pass was lost. A post-hook also records whether the parameters moved.

Why not coincidence: the gradients are read at the step itself, for every parameter
the optimizer holds; a real backward pass leaves every one of them None or exactly
zero only when the loss depends on none of them (the record also shows whether the
step then left the parameters unchanged).
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_completed


def instrument(record) -> None:
    import torch
    from torch.optim.optimizer import (register_optimizer_step_post_hook,
                                       register_optimizer_step_pre_hook)

    state = {"backwards": 0, "before": {}}
    record.update(steps=0, steps_after_backward=0, empty_steps=0, unchanged_steps=0,
                  first_empty_step=None, backwards=0)

    def before_step(optimizer, args, kwargs):
        record["steps"] += 1
        params = [p for g in optimizer.param_groups for p in g["params"]]
        state["before"][id(optimizer)] = [p.detach().clone() for p in params]
        if state["backwards"] == 0:
            return  # no backward since the last step: nothing to lose
        state["backwards"] = 0
        record["steps_after_backward"] += 1
        if all(p.grad is None or not bool(p.grad.detach().abs().sum() > 0) for p in params):
            record["empty_steps"] += 1
            if record["first_empty_step"] is None:
                record["first_empty_step"] = record["steps"]

    def after_step(optimizer, args, kwargs):
        params = [p for g in optimizer.param_groups for p in g["params"]]
        before = state["before"].pop(id(optimizer), None)
        if before is not None and all(torch.equal(a, p.detach()) for a, p in zip(before, params)):
            record["unchanged_steps"] += 1

    register_optimizer_step_pre_hook(before_step)
    register_optimizer_step_post_hook(after_step)
    original = torch.autograd.backward

    def backward(*args, **kwargs):
        record["backwards"] += 1
        state["backwards"] += 1
        return original(*args, **kwargs)

    torch.autograd.backward = backward


def observe(script: Path, **kwargs) -> Evidence:
    r = run_completed(script, "tl102", **kwargs)
    if r["steps_after_backward"] < 2:
        raise RuntimeError(f"{script.name} made {r['steps_after_backward']} optimizer steps after "
                           f"backward(); a witness needs 2+")
    hazard = r["empty_steps"] > 0
    detail = (
        f"{r['empty_steps']} of {r['steps_after_backward']} optimizer steps after backward() found "
        f"every gradient None or zero (first: step {r['first_empty_step']}); "
        f"{r['unchanged_steps']} left the parameters unchanged"
        if hazard else
        f"all {r['steps_after_backward']} optimizer steps after backward() had non-zero gradients"
    )
    return Evidence(hazard, detail, r)
