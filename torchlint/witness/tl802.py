"""TL802 witness: does the LightningModule break when the Trainer's device is not the
one the module assumed?

The script runs on CPU (``CUDA_VISIBLE_DEVICES=""``) with ``Trainer(accelerator="cpu")``.

* Hard-coded CUDA: ``torch.cuda._lazy_init`` (which every ``.cuda()``,
  ``.to("cuda")`` and ``device="cuda"`` goes through) is wrapped to record the
  LightningModule method that asked for CUDA. When the run then fails because
  CUDA is unavailable, the module is not portable: that is the hazard (on a GPU
  machine with ``accelerator="cpu"``, or on DDP rank 1, the same line mixes devices).
* Tensors created without ``device=``: on CPU they happen to land on the Trainer's
  device, so the run succeeds. After it, the witness moves the trained module to a
  second device, ``meta`` (shape-only tensors, present in every PyTorch build, with
  CUDA's device rules: CPU tensors other than 0-dim scalars may not be mixed in),
  moves the first batch the Trainer fed to ``training_step`` / ``validation_step``
  there too, and calls those steps again. A step that builds a CPU tensor and
  combines it with the batch or the weights raises "Tensor on device cpu is not on
  the expected device meta" - what CUDA raises as "Expected all tensors to be on the
  same device". A portable module runs the probe without error.

Why not coincidence: the CUDA request is caught in ``torch.cuda._lazy_init`` with the
LightningModule method on the stack, and the probe's verdict is PyTorch's own device
check failing on the module's own step with the batch the Trainer fed it.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_script

CUDA_UNAVAILABLE = ("Torch not compiled with CUDA enabled", "No CUDA GPUs are available",
                    "Found no NVIDIA driver", "CUDA driver initialization failed")
DEVICE_MISMATCH = ("is not on the expected device", "Expected all tensors to be on the same device",
                   "found at least two devices")
_STATE = {}


def instrument(record) -> None:
    import sys

    import torch

    from torchlint.witness.lightning_support import (alias_unified_package,
                                                     lightning_module_class, strategy_class)

    record["aliased_lightning"] = alias_unified_package()
    record.update(cuda_requested_by=[], steps={}, probe=None)
    lightning_module = lightning_module_class()
    original_lazy_init = torch.cuda._lazy_init

    def lazy_init(*args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None:
            owner = frame.f_locals.get("self")
            if isinstance(owner, lightning_module):
                where = f"{type(owner).__name__}.{frame.f_code.co_name} (line {frame.f_lineno})"
                if where not in record["cuda_requested_by"]:
                    record["cuda_requested_by"].append(where)
                break
            frame = frame.f_back
        return original_lazy_init(*args, **kwargs)

    torch.cuda._lazy_init = lazy_init
    strategy = strategy_class()
    for hook in ("training_step", "validation_step"):
        original = getattr(strategy, hook)

        def wrapped(self, *args, _hook=hook, _original=original, **kwargs):
            record["steps"][_hook] = record["steps"].get(_hook, 0) + 1
            if _hook not in _STATE.get("batches", {}):
                _STATE.setdefault("batches", {})[_hook] = _copy(args, kwargs)
                _STATE["module"] = self.lightning_module
            return _original(self, *args, **kwargs)

        setattr(strategy, hook, wrapped)


def _copy(args, kwargs):
    import torch
    from lightning_utilities.core.apply_func import apply_to_collection

    return apply_to_collection((args, kwargs), torch.Tensor, lambda t: t.detach().clone())


def finish(record) -> None:
    """After the script: the meta-device probe (only when the run itself succeeded)."""
    module = _STATE.get("module")
    if module is None or record.get("exception"):
        return
    import torch
    from lightning_utilities.core.apply_func import apply_to_collection

    module.trainer = None  # self.log() then warns and returns instead of needing a loop
    module.to("meta")
    results = {}
    for hook, (args, kwargs) in _STATE["batches"].items():
        args, kwargs = apply_to_collection((args, kwargs), torch.Tensor, lambda t: t.to("meta"))
        try:
            getattr(module, hook)(*args, **kwargs)
            results[hook] = None
        except Exception as exc:  # the hazard is an exception here
            results[hook] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    record["probe"] = results


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl802", **kwargs)
    r = run.record
    exc = run.exception
    if exc:
        if any(s in exc["message"] for s in CUDA_UNAVAILABLE) and r["cuda_requested_by"]:
            return Evidence(True, f"{', '.join(r['cuda_requested_by'])} asked for CUDA while the "
                                  f"Trainer ran on CPU: {exc['type']}: {exc['message'][:120]}", r)
        raise RuntimeError(f"{script.name} raised {exc}")
    if not r["steps"] or r["probe"] is None:
        raise RuntimeError(f"{script.name} ran no Lightning training_step; a witness needs one")
    failed = {h: e for h, e in r["probe"].items() if e is not None}
    other = {h: e for h, e in failed.items() if not any(s in e for s in DEVICE_MISMATCH)}
    if other:
        raise RuntimeError(f"{script.name}: the meta-device probe failed for another reason: {other}")
    if failed:
        return Evidence(True, "moved to another device (meta), the module's " + "; ".join(
            f"{h} raised {e}" for h, e in failed.items()), r)
    return Evidence(False, f"ran on CPU and, moved to another device (meta), its "
                           f"{' and '.join(sorted(r['probe']))} ran without a device mismatch", r)
