"""TL501 witness: do the DDP ranks train on the same samples?

What it observes: the script runs as two ranks, each its own process with the gloo
backend on CPU and torchrun's environment (``MASTER_ADDR``/``MASTER_PORT``,
``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``), so
``init_process_group()`` and Lightning's torchelastic detection work as under
``torchrun --nproc_per_node 2``. A script that launches its own workers with
``torch.multiprocessing.spawn`` is run the same way: in each rank process,
``spawn`` runs the worker function in place for that rank (what its spawned child
would run), instead of starting children that the instrumentation cannot reach.

Inside each rank every ``DataLoader`` is numbered when first iterated (same order
on every rank), and every pass over it (one ``iter(loader)``) records a
*fingerprint of every sample it handed out*: for map-style datasets, the hash of
``dataset[index]`` for each index its sampler produced, fetched again with every
random generator (torch, ``random``, NumPy) set to one fixed state and restored
afterwards, so that per-rank random augmentation does not disguise the same
sample; for iterable datasets (and datasets that cannot be read a second time), the
hash of each row of each yielded batch. A pass
counts as *training* when optimizer steps happened while it was iterated. The
verdict compares the ranks pass by pass: the hazard is that the ranks consumed the
same samples (overlap of at least half); with a DistributedSampler they are
disjoint.

Why not coincidence: sampler *indices* are not compared - per-rank ``Subset``
shards count from 0 on every rank though they hold different samples, and a
dataset repeated and cut into per-rank blocks gives different indices for the same
samples. The fingerprints are of the samples' contents (every tensor, array and
value in them), so equal fingerprints mean the same sample.
"""
from __future__ import annotations

import functools
import hashlib
from collections import Counter
import os
from pathlib import Path

from torchlint.witness import Evidence, Launch, free_port, run_together

WORLD_SIZE = 2
TIMEOUT = 90


def instrument(record) -> None:
    import torch
    import torch.multiprocessing
    from torch.optim.optimizer import register_optimizer_step_pre_hook
    from torch.utils.data import IterableDataset
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
                                "steps_before": state["steps"], "steps": 0,
                                "map_style": not isinstance(loader.dataset, IterableDataset)}
        record["passes"].append(self._torchlint_pass)

    dl._BaseDataLoaderIter.__init__ = new_pass

    next_index = dl._BaseDataLoaderIter._next_index

    @functools.wraps(next_index)
    def recorded_index(self):
        index = next_index(self)
        current = getattr(self, "_torchlint_pass", None)
        if current is not None and current["map_style"]:
            batch = index if isinstance(index, (list, tuple)) else [index]
            try:
                fingerprints = [_sample_fingerprint(self._dataset, i) for i in batch if i is not None]
            except Exception as exc:  # a dataset that cannot be read twice: hash the batches
                current.update(map_style=False, samples=[], refetch_error=repr(exc)[:200])
            else:
                current["indices"].extend(_plain(i) for i in batch if i is not None)
                current["samples"].extend(fingerprints)
        return index

    dl._BaseDataLoaderIter._next_index = recorded_index

    next_batch = dl._BaseDataLoaderIter.__next__

    @functools.wraps(next_batch)
    def recorded_next(self):
        current = getattr(self, "_torchlint_pass", None)
        if current is not None:  # steps made on the previous batch (also at StopIteration)
            current["steps"] = state["steps"] - current["steps_before"]
        batch = next_batch(self)
        if current is not None and not current["map_style"]:
            current["samples"].extend(_row_fingerprints(torch, batch))
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


def _plain(index):
    return int(index) if isinstance(index, int) or hasattr(index, "__index__") else repr(index)


def _digest(value, h) -> None:
    """Feed the contents of a sample (nested tensors, arrays, numbers, strings) to ``h``."""
    import numpy
    import torch
    from torch.utils._pytree import tree_flatten

    for leaf in tree_flatten(value)[0]:
        if isinstance(leaf, torch.Tensor):
            leaf = leaf.detach().cpu().contiguous()
            h.update(f"{leaf.dtype}{tuple(leaf.shape)}".encode())
            h.update(leaf.reshape(-1).view(torch.uint8).numpy().tobytes())
        elif isinstance(leaf, numpy.ndarray):
            h.update(f"{leaf.dtype}{leaf.shape}".encode() + numpy.ascontiguousarray(leaf).tobytes())
        else:
            h.update(repr(leaf).encode())


def _sample_fingerprint(dataset, index) -> str:
    """``dataset[index]``'s contents, fetched with every random generator in one fixed
    state (restored afterwards): the same sample gives the same fingerprint on every rank."""
    import random

    import numpy
    import torch

    h = hashlib.sha1()
    python_state, numpy_state = random.getstate(), numpy.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        random.seed(0)
        numpy.random.seed(0)
        try:
            _digest(dataset[index], h)
        finally:
            random.setstate(python_state)
            numpy.random.set_state(numpy_state)
    return h.hexdigest()[:16]


def _row_fingerprints(torch, batch):
    """One hash per sample of a collated batch: row ``i`` of every tensor in it."""
    from torch.utils._pytree import tree_flatten

    tensors = [t for t in tree_flatten(batch)[0] if isinstance(t, torch.Tensor) and t.dim() > 0]
    if not tensors:
        return []
    rows = tensors[0].shape[0]
    tensors = [t for t in tensors if t.shape[0] == rows]
    out = []
    for i in range(rows):
        h = hashlib.sha1()
        _digest([t[i] for t in tensors], h)
        out.append(h.hexdigest()[:16])
    return out


def rank_env(rank: int, port: int) -> dict:
    return {
        "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
        "LOCAL_RANK": str(rank), "WORLD_SIZE": str(WORLD_SIZE),
        "LOCAL_WORLD_SIZE": str(WORLD_SIZE), "GROUP_RANK": "0", "OMP_NUM_THREADS": "1",
    }


def observe(script: Path, **kwargs) -> Evidence:
    port = free_port()
    extra = kwargs.pop("env", None) or {}
    launches = [Launch(script.resolve(), "tl501", tuple(kwargs.pop("args", ())),
                       tuple({**extra, **rank_env(rank, port)}.items()),
                       kwargs.pop("timeout", TIMEOUT), **kwargs)
                for rank in range(WORLD_SIZE)]
    runs = run_together(launches)
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
        a, b = Counter(by_rank[0][key]["samples"]), Counter(by_rank[1][key]["samples"])
        overlap = sum((a & b).values())  # samples both ranks consumed (with multiplicity)
        n0, n1 = sum(a.values()), sum(b.values())
        compared.append({"loader": key[0], "pass": key[1], "rank0": n0, "rank1": n1,
                         "overlap": overlap, "fraction": overlap / max(1, min(n0, n1))})
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
