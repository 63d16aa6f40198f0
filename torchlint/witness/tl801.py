"""TL801 witness: does the LightningModule's own backward/step/zero_grad interfere with
the Trainer's automatic optimization?

Inside the script, while the Trainer runs (``Strategy.training_step`` is wrapped to
know when a ``training_step`` is executing and whether the module is under automatic
optimization, read from Lightning's own ``automatic_optimization`` property):

* optimizer steps are counted with a global step pre-hook; a step that begins
  *inside* ``training_step`` under automatic optimization is an extra step (the
  Trainer steps the optimizer itself, after ``training_step`` returns);
* ``torch.autograd.backward`` is wrapped; a backward pass inside ``training_step``
  under automatic optimization is an extra pass (the Trainer calls backward on the
  returned loss);
* before every backward pass, each parameter's ``.grad`` is compared with what the
  previous backward pass left there; if it changed although no optimizer step has
  applied it (something zeroed the accumulated gradient), the gradient is *lost*;
* the exceptions Lightning and autograd raise for this misuse ("Trying to backward
  through the graph a second time", ``manual_backward`` refused under automatic
  optimization) are the hazard too.

Why not coincidence: every count is of an event inside a ``training_step`` the
Trainer really ran under automatic optimization (read from Lightning's own property),
and the exceptions are Lightning's and autograd's own.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_script

HAZARD_EXCEPTIONS = (
    "backward through the graph a second time",
    "please disable automatic optimization",
)


def instrument(record) -> None:
    import torch
    from torch.optim.optimizer import (register_optimizer_step_post_hook,
                                       register_optimizer_step_pre_hook)

    from torchlint.witness.lightning_support import alias_unified_package, strategy_class

    record["aliased_lightning"] = alias_unified_package()
    record.update(training_steps=0, automatic=None, steps=0, steps_inside=0, backwards=0,
                  backwards_inside=0, lost_gradients=0)
    state = {"inside": False, "auto": False, "params": None, "expected": {}}

    strategy = strategy_class()
    original_step = strategy.training_step

    def training_step(self, *args, **kwargs):
        module = self.lightning_module
        record["training_steps"] += 1
        state["auto"] = bool(module.automatic_optimization)
        record["automatic"] = state["auto"]
        if state["params"] is None:
            state["params"] = [p for p in module.parameters() if p.requires_grad]
        state["inside"] = True
        try:
            return original_step(self, *args, **kwargs)
        finally:
            state["inside"] = False

    strategy.training_step = training_step

    def before_step(optimizer, args, kwargs):
        record["steps"] += 1
        if state["inside"] and state["auto"]:
            record["steps_inside"] += 1

    def after_step(optimizer, args, kwargs):
        for group in optimizer.param_groups:
            for p in group["params"]:
                state["expected"].pop(id(p), None)  # applied: a later clearing loses nothing

    register_optimizer_step_pre_hook(before_step)
    register_optimizer_step_post_hook(after_step)
    original_backward = torch.autograd.backward

    def backward(*args, **kwargs):
        record["backwards"] += 1
        if state["inside"] and state["auto"]:
            record["backwards_inside"] += 1
        params = state["params"] or []
        if state["auto"]:
            for p in params:
                kept = state["expected"].get(id(p))
                if kept is not None and (p.grad is None or not torch.equal(p.grad, kept)):
                    record["lost_gradients"] += 1
                    break
        result = original_backward(*args, **kwargs)
        for p in params:
            if p.grad is not None:
                state["expected"][id(p)] = p.grad.detach().clone()
        return result

    torch.autograd.backward = backward


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl801", **kwargs)
    r = run.record
    exc = run.exception
    if exc and not any(s in exc["message"] for s in HAZARD_EXCEPTIONS):
        raise RuntimeError(f"{script.name} raised {exc}")
    if r["training_steps"] == 0:
        raise RuntimeError(f"{script.name} ran no Lightning training_step; a witness needs one")
    findings = []
    if exc:
        findings.append(f"the Trainer raised {exc['type']}: {exc['message'].splitlines()[0][:120]}")
    if r["steps_inside"]:
        findings.append(f"{r['steps_inside']} optimizer steps ran inside training_step on top of the "
                        f"Trainer's ({r['steps']} steps for {r['training_steps']} training_step calls)")
    if r["backwards_inside"]:
        findings.append(f"{r['backwards_inside']} backward passes ran inside training_step on top of "
                        f"the Trainer's")
    if r["lost_gradients"]:
        findings.append(f"{r['lost_gradients']} times an accumulated gradient was zeroed before any "
                        f"optimizer step applied it")
    if findings:
        return Evidence(True, "; ".join(findings), r)
    mode = "automatic" if r["automatic"] else "manual"
    return Evidence(False, f"{r['training_steps']} training_step calls under {mode} optimization, "
                           f"{r['steps']} optimizer steps, no extra step, backward or lost gradient", r)
