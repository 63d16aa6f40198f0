"""TL104 witness: do the autograd graphs kept alive grow with every iteration?

Inside the script: at every ``optimizer.step()`` (a pre-hook) and every loss call
(``torch.nn.functional`` losses, which the ``nn`` loss modules call) the witness
counts the autograd graph nodes reachable from every live tensor (``gc`` finds the tensors,
``grad_fn.next_functions`` walks their graphs). A training loop that lets go of each
iteration's loss keeps about the same number alive at every step; one that
accumulates the loss tensor keeps every earlier iteration's graph too, so the count
grows step after step (by one iteration's graph, plus the accumulating ``add``).

Why not coincidence: the counts are of autograd nodes really kept alive, taken at
every step; a loop that releases its graphs returns to the same count, while one that
keeps them grows at (nearly) every step by at least one node per step - a trend over
the whole run, not one reading.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_completed


def _graph_nodes(torch) -> int:
    import gc

    stack, seen = [], set()
    for obj in gc.get_objects():
        try:
            if isinstance(obj, torch.Tensor) and obj.grad_fn is not None:
                stack.append(obj.grad_fn)
        except Exception:  # objects that fail isinstance/attribute access are not tensors
            continue
    keep = []  # node objects stay referenced while walking, so ids stay unique
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        keep.append(fn)
        stack.extend(nxt for nxt, _ in fn.next_functions if nxt is not None)
    return len(seen)


LOSSES = ("cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
          "binary_cross_entropy", "binary_cross_entropy_with_logits")


def instrument(record) -> None:
    import torch
    import torch.nn.functional as F
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    record.update(nodes=[], loss_nodes=[])

    def before_step(optimizer, args, kwargs):
        record["nodes"].append(_graph_nodes(torch))

    register_optimizer_step_pre_hook(before_step)

    def wrap(original):
        def loss(*args, **kwargs):  # nn.*Loss modules call these too
            record["loss_nodes"].append(_graph_nodes(torch))
            return original(*args, **kwargs)
        return loss

    for name in LOSSES:
        setattr(F, name, wrap(getattr(F, name)))


def _grows(series) -> bool:
    """The count rises at (nearly) every point, by at least one node each time."""
    pairs = list(zip(series, series[1:]))
    if len(pairs) < 3:
        return False
    rising = sum(b > a for a, b in pairs)
    return rising >= 0.75 * len(pairs) and series[-1] >= series[0] + len(pairs)


def observe(script: Path, **kwargs) -> Evidence:
    r = run_completed(script, "tl104", **kwargs)
    steps, losses = r["nodes"], r["loss_nodes"]
    if len(steps) < 4 and len(losses) < 4:
        raise RuntimeError(f"{script.name}: {len(steps)} optimizer steps, {len(losses)} loss "
                           f"calls; a witness needs 4+")
    grew = [(what, series) for what, series in (("optimizer step", steps), ("loss call", losses))
            if _grows(series)]
    hazard = bool(grew)
    if hazard:
        what, series = grew[0]
        detail = (f"autograd graph nodes alive at each {what}: {series[:3]} ... {series[-2:]}: "
                  f"growing with every iteration")
    else:
        detail = (f"no growth of the autograd graph nodes alive: at optimizer steps "
                  f"{steps[:2]} ... {steps[-2:]}, at loss calls {losses[:2]} ... {losses[-2:]}")
    return Evidence(hazard, detail, r)
