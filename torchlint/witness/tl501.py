"""TL501 witness: do the DDP ranks train on the same samples?

The script runs as two ranks, each a fresh subprocess with the gloo backend on CPU
and torchrun's environment (``MASTER_ADDR``/``MASTER_PORT``, ``RANK``,
``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``), so
``init_process_group()`` and Lightning's torchelastic detection work as under
``torchrun --nproc_per_node 2``. A script that launches its own workers with
``torch.multiprocessing.spawn`` is run the same way: in each rank process,
``spawn`` runs the worker function in place for that rank (what its spawned child
would run), instead of starting children that the instrumentation cannot reach.

Inside each rank every ``DataLoader`` is numbered when first iterated (same order
on every rank), and every pass over it (one ``iter(loader)``) records which dataset
indices its sampler produced (``_next_index``) and, for iterable datasets that
have no indices, a fingerprint of each sample it yielded. A pass counts as
*training* when optimizer steps happened while it was iterated. The verdict
compares the ranks pass by pass: the hazard is that the ranks consumed the same
samples (overlap of at least half); with a DistributedSampler they are disjoint.
"""
from __future__ import annotations

import functools
import hashlib
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from torchlint.witness import Evidence, run_script

WORLD_SIZE = 2
TIMEOUT = 90


def instrument(record) -> None:
    import torch
    import torch.multiprocessing
    from torch.optim.optimizer import register_optimizer_step_pre_hook
    from torch.utils.data import dataloader as dl

    state = {"loaders": 0, "steps": 0}
    record.update(rank=int(os.environ.get("RANK", "0")), passes=[], steps=0, spawned=None)

    def count_step(optimizer, args, kwargs):
        state["steps"] += 1
        record["steps"] = state["steps"]

    register_optimizer_step_pre_hook(count_step)

    iter_init = dl._BaseDataLoaderIter.__init__

    @functools.wraps(iter_init)
    def new_pass(self, loader, *args, **kwargs):
        iter_init(self, loader, *args, **kwargs)
        number = loader.__dict__.get("_torchlint_number")
        if number is None:  # numbered at first use: the same order on every rank
            number = loader.__dict__["_torchlint_number"] = state["loaders"]
            state["loaders"] += 1
        done = sum(1 for p in record["passes"] if p["loader"] == number)
        self._torchlint_pass = {"loader": number, "pass": done, "indices": [], "samples": [],
                                "steps_before": state["steps"], "steps": 0}
        record["passes"].append(self._torchlint_pass)

    dl._BaseDataLoaderIter.__init__ = new_pass

    next_index = dl._BaseDataLoaderIter._next_index

    @functools.wraps(next_index)
    def recorded_index(self):
        index = next_index(self)
        current = getattr(self, "_torchlint_pass", None)
        if current is not None:
            batch = index if isinstance(index, (list, tuple)) else [index]
            current["indices"].extend(int(i) for i in batch if i is not None)
        return index

    dl._BaseDataLoaderIter._next_index = recorded_index

    next_batch = dl._BaseDataLoaderIter.__next__

    @functools.wraps(next_batch)
    def recorded_next(self):
        current = getattr(self, "_torchlint_pass", None)
        if current is not None:  # steps made on the previous batch (also at StopIteration)
            current["steps"] = state["steps"] - current["steps_before"]
        batch = next_batch(self)
        if current is not None:
            current["samples"].extend(_fingerprints(torch, batch))
        return batch

    dl._BaseDataLoaderIter.__next__ = recorded_next

    def spawn_in_place(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
        rank = int(os.environ["LOCAL_RANK"])
        record["spawned"] = {"nprocs": nprocs, "rank": rank}
        fn(rank, *args)

    def start_in_place(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
        return spawn_in_place(fn, args, nprocs)

    torch.multiprocessing.spawn = spawn_in_place
    torch.multiprocessing.start_processes = start_in_place


def _fingerprints(torch, batch):
    """One short hash per sample of a collated batch (the first tensor's rows)."""
    first = batch
    while isinstance(first, (list, tuple, dict)) and len(first):
        first = next(iter(first.values())) if isinstance(first, dict) else first[0]
    if not isinstance(first, torch.Tensor) or first.dim() == 0:
        return []
    rows = first.detach().cpu().contiguous()
    return [hashlib.sha1(row.numpy().tobytes()).hexdigest()[:16] for row in rows]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rank_env(rank: int, port: int) -> dict:
    return {
        "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
        "LOCAL_RANK": str(rank), "WORLD_SIZE": str(WORLD_SIZE),
        "LOCAL_WORLD_SIZE": str(WORLD_SIZE), "GROUP_RANK": "0", "OMP_NUM_THREADS": "1",
    }


def _consumed(p) -> set:
    return set(p["indices"]) if p["indices"] else set(p["samples"])


def observe(script: Path, **kwargs) -> Evidence:
    port = _free_port()
    extra = kwargs.pop("env", None) or {}
    kwargs.setdefault("timeout", TIMEOUT)

    def launch(rank):
        return run_script(script, "tl501", env={**extra, **rank_env(rank, port)}, **kwargs)

    with ThreadPoolExecutor(WORLD_SIZE) as pool:
        runs = list(pool.map(launch, range(WORLD_SIZE)))
    for run in runs:
        if run.exception or run.returncode:
            raise RuntimeError(f"{script.name} rank {run.record.get('rank')} failed "
                               f"(rc={run.returncode}): {run.exception}\n{run.stderr[-2000:]}")
    by_rank = [{(p["loader"], p["pass"]): p for p in run.record["passes"] if p["steps"] > 0}
               for run in runs]
    shared = sorted(set(by_rank[0]) & set(by_rank[1]))
    if not shared:
        raise RuntimeError(f"{script.name}: no DataLoader pass fed optimizer steps on both ranks")
    compared = []
    for key in shared:
        a, b = _consumed(by_rank[0][key]), _consumed(by_rank[1][key])
        overlap = len(a & b)
        compared.append({"loader": key[0], "pass": key[1], "rank0": len(a), "rank1": len(b),
                         "overlap": overlap, "fraction": overlap / max(1, min(len(a), len(b)))})
    worst = max(compared, key=lambda c: c["fraction"])
    hazard = worst["fraction"] >= 0.5
    where = f"DataLoader #{worst['loader']}, epoch {worst['pass']}"
    if hazard:
        detail = (f"rank 0 and rank 1 trained on the same samples ({where}: {worst['overlap']} of "
                  f"{worst['rank0']} / {worst['rank1']} shared)")
    else:
        detail = (f"the ranks trained on disjoint samples in all {len(compared)} training passes "
                  f"(most shared: {worst['overlap']}, {where})")
    return Evidence(hazard, detail, {"passes": compared, "ranks": [r.record for r in runs]})
