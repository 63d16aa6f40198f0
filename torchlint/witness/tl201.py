"""TL201 witness: do the script's tensors and modules end up on different devices?

What it observes - calls made from the script's own files (the entry script and the
modules beside it, e.g. a project's ``engine.py``):

* every ``Module.to(...)`` / ``Module.cuda()`` that puts a model on a device
  (``moves``), and every request for CUDA - ``Tensor.cuda()``,
  ``Module.cuda()``, ``.to("cuda")`` - with whether it raised (``cuda_requests``);
* a forward hook on each moved model: an output that is not on the device of the
  model's parameters is a silent wrong-device computation (``wrong_device``);
* in mode ``cpu`` only: forward calls of each moved model are replayed on a copy of
  the model with the model *and its inputs* on a second device, PyTorch's ``meta``
  device (``shadows``). A forward that makes its own tensors on a fixed device (a
  factory without ``device=``) mixes ``cpu`` and ``meta`` there exactly as it mixes
  ``cpu`` and ``cuda`` on a GPU. Every distinct kind of call is replayed - training
  or eval mode, grad on or off, the inputs' ranks and dtypes (at most
  ``MAX_REPLAYS`` per model) - so a model evaluated once before training is replayed
  in training mode too, where its forward may take another path.

Modes, chosen by the ``TORCHLINT_TL201_MODE`` environment variable:

* ``as-is`` (GPU): the script runs unchanged with CUDA visible, so it selects CUDA;
* ``steer-cpu`` (GPU): ``torch.cuda.is_available()`` answers False, so the script
  selects the CPU - as on a run with ``--device cpu`` - while CUDA still works for
  code that hard-codes it;
* ``cpu`` (no GPU): the script runs with CUDA hidden; the meta replay runs.

:func:`observe` (the GPU witness, marked ``gpu``) runs ``as-is`` and
``steer-cpu`` and reports the hazard when either run fails with PyTorch's
device-mismatch ``RuntimeError`` or computes an output on the wrong device.
:func:`observe_cpu` runs ``cpu`` and reports the CPU-observable forms: the meta
replay fails with a device mismatch (part (a)), or the script moved its model to
the CPU it selected and then asked for CUDA anyway, which raised (part (c)).

Why not coincidence: every verdict is an error PyTorch itself raised (or an output
PyTorch placed) on a device the script's model was really moved to; the replay uses
the script's own module and the inputs it really received.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict

from torchlint.witness import Evidence, Run, _probes, run_script

MODE_ENV = "TORCHLINT_TL201_MODE"
MAX_REPLAYS = 4  # distinct kinds of forward call replayed on meta, per model
# PyTorch's device-mismatch errors (dispatcher, cat, conv, RNN, masked_fill, meta checks)
MISMATCH = re.compile(
    r"on the same device|same device|different from other tensors|not on the expected device"
    r"|Input type \(.*\) and weight type \(.*\) should be the same|found at least two devices",
    re.I)


def instrument(record) -> None:  # noqa: C901 - one closure per patched entry point
    import copy
    import sys

    import torch
    from torch.utils._pytree import tree_flatten, tree_map

    mode = os.environ.get(MODE_ENV, "as-is")
    record.update(mode=mode, moves=[], cuda_requests=[], shadows=[], wrong_device=[])
    state = {"busy": False, "watched": {}, "shadowed": {}}
    if mode == "steer-cpu":
        torch.cuda.is_available = lambda: False

    def from_script(depth: int = 2):
        """The line of the script's own file that made this call, else None."""
        frame = sys._getframe(depth)
        return frame.f_lineno if _probes.in_script(frame.f_code.co_filename, record) else None

    def tensors(value):
        return [t for t in tree_flatten(value)[0] if isinstance(t, torch.Tensor)]

    def after_forward(module, args, output):
        if state["busy"]:
            return
        param = next(module.parameters(), None)
        if param is None:
            return
        for t in tensors(output):
            if t.dim() > 0 and t.device != param.device:
                record["wrong_device"].append({"module": type(module).__name__,
                                               "params": str(param.device),
                                               "output": str(t.device)})
                return

    def call_kind(module, args, kwargs):
        return (module.training, torch.is_grad_enabled(),
                tuple((t.dim(), str(t.dtype)) for t in tensors((args, kwargs))))

    def replay_on_meta(module, args, kwargs):
        if state["busy"]:
            return
        kinds = state["shadowed"].setdefault(id(module), set())
        kind = call_kind(module, args, kwargs)
        if kind in kinds or len(kinds) >= MAX_REPLAYS:
            return
        kinds.add(kind)
        state["busy"] = True
        entry = {"module": type(module).__name__, "training": module.training,
                 "grad_enabled": kind[1]}
        try:
            shadow = copy.deepcopy(module).to("meta")
            meta = (lambda t: t.detach().to("meta") if isinstance(t, torch.Tensor) else t)
            with torch.no_grad():
                out = shadow(*tree_map(meta, args), **tree_map(meta, kwargs))
            entry.update(ok=True, devices=sorted({str(t.device) for t in tensors(out)}))
        except Exception as exc:  # the hazard itself is an exception
            entry.update(ok=False, error=f"{type(exc).__name__}: {str(exc)[:300]}")
        finally:
            state["busy"] = False
        record["shadows"].append(entry)

    def watch(module, line, device):
        record["moves"].append({"line": line, "module": type(module).__name__, "device": device})
        if id(module) in state["watched"]:
            return
        state["watched"][id(module)] = module
        module.register_forward_hook(after_forward)
        if mode == "cpu":
            module.register_forward_pre_hook(replay_on_meta, with_kwargs=True)

    def request(line, what, target, call):
        entry = {"line": line, "what": what, "target": target, "raised": None}
        record["cuda_requests"].append(entry)
        try:
            return call()
        except Exception as exc:
            entry["raised"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            raise

    module_to, module_cuda = torch.nn.Module.to, torch.nn.Module.cuda
    tensor_to, tensor_cuda = torch.Tensor.to, torch.Tensor.cuda

    def patched_module_to(self, *args, **kwargs):
        line = from_script()
        device = torch._C._nn._parse_to(*args, **kwargs)[0] if line else None
        if device is not None and device.type == "cuda":
            out = request(line, "Module.to", str(device), lambda: module_to(self, *args, **kwargs))
        else:
            out = module_to(self, *args, **kwargs)
        if device is not None:
            watch(self, line, str(device))
        return out

    def patched_module_cuda(self, device=None):
        line = from_script()
        if line is None:
            return module_cuda(self, device)
        out = request(line, "Module.cuda", "cuda", lambda: module_cuda(self, device))
        watch(self, line, "cuda")
        return out

    def patched_tensor_to(self, *args, **kwargs):
        line = from_script()
        if line is not None:
            device = torch._C._nn._parse_to(*args, **kwargs)[0]
            if device is not None and device.type == "cuda" and self.device.type != "cuda":
                return request(line, "Tensor.to", str(device),
                               lambda: tensor_to(self, *args, **kwargs))
        return tensor_to(self, *args, **kwargs)

    def patched_tensor_cuda(self, *args, **kwargs):
        line = from_script()
        if line is None:
            return tensor_cuda(self, *args, **kwargs)
        return request(line, "Tensor.cuda", "cuda", lambda: tensor_cuda(self, *args, **kwargs))

    torch.nn.Module.to, torch.nn.Module.cuda = patched_module_to, patched_module_cuda
    torch.Tensor.to, torch.Tensor.cuda = patched_tensor_to, patched_tensor_cuda


def _mismatch(run: Run) -> str:
    exc = run.exception
    if exc and exc["type"] == "RuntimeError" and MISMATCH.search(exc["message"]):
        return exc["message"].splitlines()[0][:200]
    return ""


def judge_gpu(script: Path, runs: Dict[str, Run]) -> Evidence:
    """The verdict on the ``as-is`` and ``steer-cpu`` runs (see the module docstring)."""
    found = []
    for mode, run in runs.items():
        mismatch = _mismatch(run)
        if mismatch:
            found.append(f"{mode}: RuntimeError: {mismatch}")
        elif run.exception:
            raise RuntimeError(f"{script.name} ({mode}) raised {run.exception}")
        for wrong in run.record.get("wrong_device", []):
            found.append(f"{mode}: {wrong['module']} has parameters on {wrong['params']} "
                         f"but computed an output on {wrong['output']}")
    moved = sorted({mv["device"] for run in runs.values() for mv in run.record.get("moves", [])})
    if found:
        return Evidence(True, "; ".join(found), {m: r.record for m, r in runs.items()})
    return Evidence(False, f"both runs kept every tensor with its model (models moved to: "
                           f"{', '.join(moved) or 'nowhere'})", {m: r.record for m, r in runs.items()})


def observe(script: Path, **kwargs) -> Evidence:
    """GPU witness: run the script with CUDA selected and with the CPU selected."""
    runs = {mode: run_script(script, "tl201", cuda=True, env={MODE_ENV: mode}, **kwargs)
            for mode in ("as-is", "steer-cpu")}
    return judge_gpu(script, runs)


def judge_cpu(script: Path, run: Run) -> Evidence:
    """The verdict on a ``cpu`` run (see the module docstring)."""
    r = run.record
    found = []
    for shadow in r["shadows"]:
        if not shadow["ok"] and MISMATCH.search(shadow["error"]):
            found.append(f"{shadow['module']}.forward replayed with model and inputs on meta "
                         f"raised {shadow['error']}")
        elif shadow["ok"] and set(shadow["devices"]) - {"meta"}:
            found.append(f"{shadow['module']}.forward replayed on meta returned tensors on "
                         f"{shadow['devices']}")
    cpu_moves = [mv for mv in r["moves"] if mv["device"].startswith("cpu")]
    for req in r["cuda_requests"]:
        if req["raised"] and cpu_moves:
            found.append(f"the script moved {cpu_moves[0]['module']} to {cpu_moves[0]['device']} "
                         f"(line {cpu_moves[0]['line']}), then {req['what']} at line "
                         f"{req['line']} asked for CUDA: {req['raised']}")
    raised = {req["raised"] for req in r["cuda_requests"] if req["raised"]}
    exc = run.exception
    if exc and not (raised and found):
        raise RuntimeError(f"{script.name} raised {exc}")
    if found:
        return Evidence(True, "; ".join(found), r)
    return Evidence(False, f"{len(r['shadows'])} meta replay(s) stayed on meta, "
                           f"{len(r['cuda_requests'])} CUDA request(s)", r)


def observe_cpu(script: Path, **kwargs) -> Evidence:
    """CPU witness for the CPU-observable forms of the hazard (parts (a) and (c))."""
    return judge_cpu(script, run_script(script, "tl201", env={MODE_ENV: "cpu"}, **kwargs))
