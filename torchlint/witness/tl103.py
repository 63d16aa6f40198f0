"""TL103 witness: did a scheduler step before its optimizer, skipping the first learning rate?

Inside the script: every ``LRScheduler`` records, when it is built, the learning
rates its schedule starts with; an optimizer step pre-hook records the learning rate
each optimizer actually uses at its first step; warnings are captured. The hazard is
PyTorch's own "Detected call of `lr_scheduler.step()` before `optimizer.step()`"
warning together with a first step that ran at a learning rate other than the
schedule's first one (that value was skipped).

Why not coincidence: both halves come from the run - the warning is PyTorch's own,
emitted when a scheduler steps before its optimizer has, and the skipped value is the
learning rate the optimizer actually used at its first step, compared with the one
its schedule started from.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_completed

WARNING = "lr_scheduler.step()` before `optimizer.step()`"


def instrument(record) -> None:
    import warnings

    from torch.optim import lr_scheduler
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    record.update(order_warnings=0, scheduled_first={}, used_first={}, steps=0)
    state = {"optimizers": {}}

    def lrs(optimizer):
        return [float(g["lr"]) for g in optimizer.param_groups]

    def wrap(cls):
        original = cls.__init__

        def init(self, optimizer, *args, **kwargs):
            original(self, optimizer, *args, **kwargs)
            key = str(id(optimizer))
            state["optimizers"][key] = optimizer  # keeps the id valid
            record["scheduled_first"].setdefault(key, lrs(optimizer))

        cls.__init__ = init

    wrap(lr_scheduler.LRScheduler)
    if "__init__" in vars(lr_scheduler.ReduceLROnPlateau):  # it does not call the base __init__
        wrap(lr_scheduler.ReduceLROnPlateau)

    def before_step(optimizer, args, kwargs):
        record["steps"] += 1
        record["used_first"].setdefault(str(id(optimizer)), lrs(optimizer))

    register_optimizer_step_pre_hook(before_step)
    shown = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if WARNING in str(message):
            record["order_warnings"] += 1
        return shown(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning
    warnings.filterwarnings("always", message=".*lr_scheduler.step.*before.*optimizer.step")


def observe(script: Path, **kwargs) -> Evidence:
    r = run_completed(script, "tl103", **kwargs)
    if r["steps"] < 2:
        raise RuntimeError(f"{script.name} made {r['steps']} optimizer steps; a witness needs 2+")
    skipped = {k: (v, r["used_first"].get(k)) for k, v in r["scheduled_first"].items()
               if r["used_first"].get(k) not in (None, v)}
    hazard = r["order_warnings"] > 0 and bool(skipped)
    if hazard:
        first, used = next(iter(skipped.values()))
        detail = (f"PyTorch warned lr_scheduler.step() ran before optimizer.step() "
                  f"({r['order_warnings']}x); the schedule starts at lr {first} but the first "
                  f"step used {used}")
    elif not r["scheduled_first"]:
        detail = f"no torch.optim.lr_scheduler scheduler was built; {r['order_warnings']} order warnings"
    else:
        detail = (f"{r['order_warnings']} order warnings; every optimizer's first step used its "
                  f"schedule's first learning rate" if not skipped else
                  f"first learning rates differ ({skipped}) without PyTorch's order warning")
    return Evidence(hazard, detail, r)
