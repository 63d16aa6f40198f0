"""TL104 witness: do the autograd graphs kept alive grow with every iteration?

Inside the script: at every ``optimizer.step()`` (a pre-hook) the witness counts the
autograd graph nodes reachable from every live tensor (``gc`` finds the tensors,
``grad_fn.next_functions`` walks their graphs). A training loop that lets go of each
iteration's loss keeps about the same number alive at every step; one that
accumulates the loss tensor keeps every earlier iteration's graph too, so the count
grows step after step (by one iteration's graph, plus the accumulating ``add``).
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_script


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


def instrument(record) -> None:
    import torch
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    record.update(nodes=[])

    def before_step(optimizer, args, kwargs):
        record["nodes"].append(_graph_nodes(torch))

    register_optimizer_step_pre_hook(before_step)


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl104", **kwargs)
    r = run.record
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    nodes = r["nodes"]
    if len(nodes) < 4:
        raise RuntimeError(f"{script.name} made {len(nodes)} optimizer steps; a witness needs 4+")
    pairs = list(zip(nodes, nodes[1:]))
    growing = sum(b > a for a, b in pairs)
    # every iteration adds its graph: the count rises at (nearly) every step
    hazard = growing >= 0.75 * len(pairs) and nodes[-1] >= nodes[0] + len(pairs)
    detail = (f"autograd graph nodes alive at each optimizer step: {nodes[:3]} ... {nodes[-2:]} "
              f"(grew at {growing} of {len(pairs)} steps)")
    return Evidence(hazard, detail, r)
