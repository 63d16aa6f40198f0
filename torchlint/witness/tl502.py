"""TL502 witness: does a shuffling DistributedSampler repeat one order every epoch?

The script runs in one process with torchrun's environment for a world of one
(``RANK=0``, ``WORLD_SIZE=1``, a free ``MASTER_PORT``) so that
``init_process_group("gloo")`` works; scripts that pass ``num_replicas``/``rank``
explicitly need no process group at all. ``DistributedSampler.__iter__`` is
wrapped: every pass over a sampler (one epoch) records the indices it yields, in
order, with the sampler's ``shuffle`` flag and its ``epoch`` at that moment.

The hazard: a sampler built with ``shuffle=True`` iterated for two or more epochs
produced exactly the same order every time. With ``set_epoch(epoch)`` each epoch
gets a different permutation; with ``shuffle=False`` the order is meant to be fixed
and does not count.
"""
from __future__ import annotations

import functools
from pathlib import Path

from torchlint.witness import Evidence, run_script
from torchlint.witness.tl501 import _free_port


def instrument(record) -> None:
    from torch.utils.data.distributed import DistributedSampler

    record["samplers"] = []
    original = DistributedSampler.__iter__

    @functools.wraps(original)
    def recorded_iter(self):
        entry = self.__dict__.get("_torchlint_entry")
        if entry is None:
            entry = self.__dict__["_torchlint_entry"] = {
                "number": len(record["samplers"]), "type": type(self).__name__, "epochs": []}
            record["samplers"].append(entry)
        entry["shuffle"] = bool(self.shuffle)
        order = list(original(self))
        entry["epochs"].append({"epoch": int(self.epoch), "order": [int(i) for i in order]})
        return iter(order)

    DistributedSampler.__iter__ = recorded_iter


def observe(script: Path, **kwargs) -> Evidence:
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "RANK": "0",
           "LOCAL_RANK": "0", "WORLD_SIZE": "1", "LOCAL_WORLD_SIZE": "1", "GROUP_RANK": "0"}
    env.update(kwargs.pop("env", None) or {})
    run = run_script(script, "tl502", env=env, **kwargs)
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    samplers = [s for s in run.record["samplers"] if len(s["epochs"]) >= 2]
    if not samplers:
        raise RuntimeError(f"{script.name}: no DistributedSampler was iterated for two epochs")
    repeated = [s for s in samplers if s["shuffle"]
                and all(e["order"] == s["epochs"][0]["order"] for e in s["epochs"][1:])]
    if repeated:
        s = repeated[0]
        detail = (f"DistributedSampler #{s['number']} (shuffle=True) yielded the same order in all "
                  f"{len(s['epochs'])} epochs (epoch attribute stayed "
                  f"{sorted({e['epoch'] for e in s['epochs']})}): {s['epochs'][0]['order'][:8]}...")
    else:
        detail = "; ".join(
            f"DistributedSampler #{s['number']}: "
            + (f"{len({tuple(e['order']) for e in s['epochs']})} distinct orders in "
               f"{len(s['epochs'])} epochs" if s["shuffle"] else "shuffle=False, fixed order")
            for s in samplers)
    return Evidence(bool(repeated), detail, {"samplers": run.record["samplers"]})
