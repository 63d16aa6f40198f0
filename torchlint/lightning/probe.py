"""The process side of ``--verify`` (imports torch; never imported on the lint path).

``python -m torchlint.lightning.probe`` imports torch (and Lightning, when installed)
once, then reads jobs from stdin, one JSON list of jobs a line. It forks one child per
job, all of a line at once, waits for them and answers ``done``. Each child is a
fresh process for its script: it seeds ``random``, NumPy and torch with the job's
seed, instruments torch, and runs the script as ``__main__`` with the job's argv,
``sys.path`` and working directory, its output going to files. Forking after the
imports spares each run the seconds torch and Lightning take to import; original and
converted script start from the same parent, so from the same state.

What the instrumentation records (the record, JSON, written when the run ends):

* ``losses``: the value of every tensor ``backward()`` is called on (``Tensor.backward``
  and ``torch.autograd.backward``; Lightning and Fabric call these too), in order;
* ``lrs``: after each optimizer step (a global step post-hook), the learning rate of
  each parameter group of the optimizer that stepped;
* ``steps``: optimizer steps taken. At ``steps`` = the job's limit the child writes
  its record and leaves (``os._exit``) - no epoch is finished, no file closed;
* ``optimizers``: ``torch.optim`` optimizers built. A script that builds none (it
  updates its weights by hand, ``p.data.add_(p.grad, alpha=-lr)``) never steps one:
  its run is limited by ``backward()`` calls instead, and ``limited_by`` says which;
* ``lightning``: how many ``Fabric`` and ``Trainer`` objects the run built (the
  converted script must really run under Lightning).
"""
from __future__ import annotations

import json
import os
import random
import runpy
import signal
import socket
import sys
import traceback


def main() -> int:
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    import torch

    torch.set_num_threads(1)
    for name in ("lightning_fabric", "pytorch_lightning", "lightning"):
        try:
            __import__(name)
        except Exception:  # not installed, or broken: the script will say so itself
            pass
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        jobs = json.loads(line)
        pids = [_fork(job) for job in jobs]
        for pid in pids:
            os.waitpid(pid, 0)
        sys.stdout.write("done\n")
        sys.stdout.flush()
    return 0


def _fork(job) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:
        _child(job)
    finally:
        os._exit(0)


def _child(job) -> None:
    out = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    signal.alarm(int(job.get("timeout", 300)))  # a script that hangs is killed, unrecorded
    record = {"losses": [], "lrs": [], "steps": 0, "optimizers": 0, "limited_by": None,
              "exception": None, "finished": False}
    path = job["record"]

    def finish():
        with open(path, "w") as fh:
            json.dump(record, fh)
        sys.stdout.flush()
        sys.stderr.flush()

    os.chdir(job["cwd"])
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(_free_port())
    sys.argv = [job["script"], *job["args"]]
    sys.path[:0] = job["path"]
    _seed(job["seed"])
    _instrument(record, job["steps"], finish)
    try:
        runpy.run_path(job["script"], run_name="__main__")
        record["finished"] = True
    except SystemExit as exc:
        record["finished"] = exc.code in (None, 0)
        if not record["finished"]:
            record["exception"] = f"SystemExit({exc.code!r})"
    except BaseException as exc:
        record["exception"] = f"{type(exc).__name__}: {str(exc)[:500]}"
        traceback.print_exc()
    finish()


def _seed(seed: int) -> None:
    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy

        numpy.random.seed(seed)
    except ImportError:
        pass


def _instrument(record, limit: int, finish) -> None:
    import torch
    from torch.optim.optimizer import register_optimizer_step_post_hook

    depth = [0]

    def value(t) -> float:
        t = t.detach()
        return float(t.float().sum()) if t.numel() != 1 else float(t.item())

    def stop(by: str) -> None:
        record["finished"] = True
        record["limited_by"] = by
        finish()
        os._exit(0)

    def recording(original, first):
        def wrapper(*args, **kwargs):
            outer = depth[0] == 0
            if outer:
                tensor = first(args, kwargs)
                if isinstance(tensor, torch.Tensor):
                    record["losses"].append(value(tensor))
            depth[0] += 1
            try:
                result = original(*args, **kwargs)
            finally:
                depth[0] -= 1
            if outer and record["optimizers"] == 0 and len(record["losses"]) >= limit:
                stop("backward")  # no optimizer built: no step will ever end the run
            return result
        return wrapper

    def first_tensor(args, kwargs):
        t = args[0] if args else kwargs.get("tensors")
        return t[0] if isinstance(t, (list, tuple)) and t else t

    torch.Tensor.backward = recording(torch.Tensor.backward, lambda a, k: a[0])
    torch.autograd.backward = recording(torch.autograd.backward, first_tensor)

    def after_step(optimizer, args, kwargs):
        record["steps"] += 1
        record["lrs"].append([float(g["lr"]) for g in optimizer.param_groups])
        if record["steps"] >= limit:
            stop("steps")

    register_optimizer_step_post_hook(after_step)
    torch.optim.Optimizer.__init__ = _counting(torch.optim.Optimizer.__init__, record, "optimizers")
    record["lightning"] = {"Fabric": 0, "Trainer": 0}
    for module, name in (("lightning_fabric", "Fabric"), ("pytorch_lightning", "Trainer"),
                         ("lightning.fabric", "Fabric"), ("lightning.pytorch", "Trainer")):
        cls = getattr(sys.modules.get(module), name, None)
        if cls is not None:
            cls.__init__ = _counting(cls.__init__, record["lightning"], name)


def _counting(init, counts, name):
    def wrapper(*args, **kwargs):
        counts[name] += 1
        return init(*args, **kwargs)
    return wrapper


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
