"""TL502 witness: does a shuffling DistributedSampler hand out one order every epoch?

What it observes: the script runs in one process with torchrun's environment for a
world of one (``RANK=0``, ``WORLD_SIZE=1``, a free ``MASTER_PORT``) so that
``init_process_group("gloo")`` works; scripts that pass ``num_replicas``/``rank``
explicitly need no process group at all. ``DistributedSampler.__init__`` is wrapped
to note where the sampler was built (the script's own line that built it) and over
what (dataset length, replicas, rank); ``DistributedSampler.__iter__`` is wrapped
so that every pass over a sampler (one epoch) records the indices it yields, in
order, with its ``shuffle`` flag and ``epoch``.

Passes are grouped by the sampler's *role* - the same construction line over a
dataset of the same length for the same rank - not by sampler object, so that a
sampler rebuilt every epoch (same seed, epoch 0 each time) is one role seen for
several epochs. The hazard: a role whose sampler shuffles, iterated for two or more
epochs, produced exactly the same order every time. With ``set_epoch(epoch)``, or a
seed that changes per epoch, the orders differ; with ``shuffle=False`` the order is
meant to be fixed and does not count.

Why not coincidence: the verdict compares the index sequences the sampler itself
yielded in the run; two shuffles of even 16 indices agree by chance with probability
1/16!, and the record names the line and epochs that repeated.
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from torchlint.witness import Evidence, _probes, free_port, run_script


def instrument(record) -> None:
    from torch.utils.data.distributed import DistributedSampler

    record["samplers"] = []  # one entry per role
    roles = {}
    here = os.path.abspath(__file__)
    init, iterate = DistributedSampler.__init__, DistributedSampler.__iter__

    def built_at() -> str:
        frame = sys._getframe(2)
        while frame is not None:
            path = frame.f_code.co_filename
            if _probes.in_script(path, record) and os.path.abspath(path) != here:
                return f"{os.path.basename(path)}:{frame.f_lineno}"
            frame = frame.f_back
        return "(built outside the script)"

    @functools.wraps(init)
    def recorded_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.__dict__.setdefault("_torchlint_site", built_at())

    @functools.wraps(iterate)
    def recorded_iter(self):
        key = (self.__dict__.get("_torchlint_site", "?"), len(self.dataset),
               int(self.num_replicas), int(self.rank))
        entry = roles.get(key)
        if entry is None:
            entry = roles[key] = {"number": len(record["samplers"]), "site": key[0],
                                  "type": type(self).__name__, "epochs": [], "objects": 0}
            record["samplers"].append(entry)
        if not self.__dict__.get("_torchlint_seen"):
            self.__dict__["_torchlint_seen"] = True
            entry["objects"] += 1
        order = [int(i) for i in iterate(self)]
        entry["epochs"].append({"epoch": int(self.epoch), "shuffle": bool(self.shuffle),
                                "seed": int(self.seed), "order": order})
        return iter(order)

    DistributedSampler.__init__ = recorded_init
    DistributedSampler.__iter__ = recorded_iter


def observe(script: Path, **kwargs) -> Evidence:
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "RANK": "0",
           "LOCAL_RANK": "0", "WORLD_SIZE": "1", "LOCAL_WORLD_SIZE": "1", "GROUP_RANK": "0"}
    env.update(kwargs.pop("env", None) or {})
    run = run_script(script, "tl502", env=env, **kwargs)
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    roles = [s for s in run.record["samplers"] if len(s["epochs"]) >= 2]
    if not roles:
        raise RuntimeError(f"{script.name}: no DistributedSampler was iterated for two epochs")
    repeated = [s for s in roles if all(e["shuffle"] for e in s["epochs"])
                and all(e["order"] == s["epochs"][0]["order"] for e in s["epochs"][1:])]
    if repeated:
        s = repeated[0]
        rebuilt = (f", rebuilt {s['objects']} times" if s["objects"] > 1 else "")
        detail = (f"the DistributedSampler built at {s['site']} (shuffle=True{rebuilt}) yielded "
                  f"the same order in all {len(s['epochs'])} epochs (epoch attribute "
                  f"{sorted({e['epoch'] for e in s['epochs']})}, seed "
                  f"{sorted({e['seed'] for e in s['epochs']})}): {s['epochs'][0]['order'][:8]}...")
    else:
        detail = "; ".join(
            f"DistributedSampler built at {s['site']}: "
            + (f"{len({tuple(e['order']) for e in s['epochs']})} distinct orders in "
               f"{len(s['epochs'])} epochs" if all(e["shuffle"] for e in s["epochs"])
               else "shuffle=False, fixed order")
            for s in roles)
    return Evidence(bool(repeated), detail, {"samplers": run.record["samplers"]})
