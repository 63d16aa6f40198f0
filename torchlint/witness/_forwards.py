"""Shared instrumentation of the TL6xx witnesses: a record of every top-level module
forward the script runs (runs inside the fixture's subprocess; imports torch).

Each top-level forward (a module called from outside any other module's forward;
parameter-less modules such as losses are left out) is recorded as a dict:

* ``module``/``id``: its class name and identity; ``training``: its training flag;
  ``grad_enabled``: ``torch.is_grad_enabled()`` during the call; ``step``: optimizer
  steps made before it;
* ``layers``: ``[class, training]`` of every dropout / batch-norm layer that ran
  inside it (their own flag, seen by their own forward pre-hook);
* ``requires_grad`` / ``grad_fn``: whether its output is attached to an autograd graph;
* ``trained``: becomes True when a backward pass sends a gradient through its output
  (a tensor hook on the output): the forward was a training forward;
* with ``follow=True``, ``feeds_backward``: becomes True when a tensor computed from
  its output - by any chain of torch operations, under ``no_grad`` or not - is
  differentiated (``backward()`` / ``autograd.grad``): the output fed training (a
  GAN's generator sampling under ``no_grad`` for the discriminator's step, a
  teacher's soft targets). A ``TorchFunctionMode`` carries each tensor's set of
  source forwards to the outputs of every operation that reads it;
* with ``rerun=True``, forwards made in training mode are run a second time on the
  same inputs by a copy of the module (the original's buffers stay untouched), under
  ``no_grad``, hooks silenced: ``rerun_differs`` says whether the two outputs differed (dropout
  active); ``bn_changed`` whether the forward changed the module's buffers (batch-norm
  running statistics).
"""
from __future__ import annotations

import copy
from typing import Optional


def install(record, rerun: bool = False, follow: bool = False) -> None:
    import torch
    from torch.nn.modules import module as nn_module
    from torch.nn.modules.batchnorm import _BatchNorm
    from torch.nn.modules.dropout import _DropoutNd
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    forwards = record.setdefault("forwards", [])
    record.setdefault("steps", 0)
    state = {"depth": 0, "busy": False, "entry": None, "buffers": None}

    def count_step(optimizer, args, kwargs):
        record["steps"] += 1

    register_optimizer_step_pre_hook(count_step)

    def pre(module, args):
        if state["busy"]:
            return None
        state["depth"] += 1
        if state["depth"] == 1:
            state["entry"] = {
                "i": len(forwards), "module": type(module).__name__, "id": id(module),
                "training": module.training, "grad_enabled": torch.is_grad_enabled(),
                "step": record["steps"], "layers": [], "requires_grad": False, "grad_fn": None,
                "trained": False, "feeds_backward": False, "rerun_differs": None,
                "bn_changed": False,
            }
            state["buffers"] = [b.detach().clone() for b in module.buffers()]
        elif state["entry"] is not None and isinstance(module, (_BatchNorm, _DropoutNd)):
            state["entry"]["layers"].append([type(module).__name__, module.training])
        return None

    def post(module, args, kwargs, output):
        if state["busy"]:
            return None
        state["depth"] = max(0, state["depth"] - 1)
        if state["depth"] != 0:
            return None
        entry, before = state["entry"], state["buffers"]
        state["entry"] = state["buffers"] = None
        if entry is None or next(module.parameters(), None) is None:
            return None
        after = [b.detach() for b in module.buffers()]
        entry["bn_changed"] = any(not torch.equal(a, b) for a, b in zip(before, after))
        tensors = _tensors(output)
        for t in tensors:
            if t.requires_grad:
                entry["requires_grad"] = True
                entry["grad_fn"] = entry["grad_fn"] or type(t.grad_fn).__name__
                t.register_hook(_marker(entry))
        if rerun and entry["training"] and tensors:
            entry["rerun_differs"] = _rerun_differs(module, args, kwargs, tensors)
        if follow:
            flow.mark(tensors, {entry["i"]})
        forwards.append(entry)
        return None

    def _rerun_differs(module, args, kwargs, first) -> Optional[bool]:
        # a copy runs the second pass: the original's buffers may be saved for backward
        state["busy"] = True
        try:
            with torch.no_grad():
                again = _tensors(copy.deepcopy(module)(*args, **kwargs))
        except Exception:  # a module that cannot be copied: no verdict from it
            return None
        finally:
            state["busy"] = False
        return len(again) != len(first) or any(
            a.shape != b.shape or not torch.equal(a.detach(), b.detach()) for a, b in zip(first, again))

    nn_module.register_module_forward_pre_hook(pre)
    nn_module.register_module_forward_hook(post, with_kwargs=True, always_call=True)
    flow = _Flow(torch, forwards) if follow else None


class _Flow:
    """Which top-level forwards each live tensor was computed from (see ``follow``)."""

    def __init__(self, torch, forwards):
        import weakref

        from torch.overrides import TorchFunctionMode
        from torch.utils._pytree import tree_flatten

        self.torch, self.forwards, self.weakref = torch, forwards, weakref
        self.sources = {}  # id(tensor) -> (weakref, frozenset of forward indices)
        flow = self

        def leaves(value):
            return [t for t in tree_flatten(value)[0] if isinstance(t, torch.Tensor)]

        self.leaves = leaves

        class Carry(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                out = func(*args, **kwargs)
                found = flow.of(leaves((args, kwargs)))
                if found:
                    flow.mark(leaves(out), found)
                return out

        Carry().__enter__()  # stays entered for the whole run
        for name in ("backward", "grad"):
            self._wrap_autograd(name)

    def of(self, tensors) -> frozenset:
        out = frozenset()
        for t in tensors:
            entry = self.sources.get(id(t))
            if entry is not None and entry[0]() is t:
                out |= entry[1]
        return out

    def mark(self, tensors, found) -> None:
        for t in tensors:
            key = id(t)
            old = self.sources.get(key)
            known = old[1] if old is not None and old[0]() is t else frozenset()
            self.sources[key] = (self.weakref.ref(t, lambda _r, k=key: self.sources.pop(k, None)),
                                 known | frozenset(found))

    def _wrap_autograd(self, name) -> None:
        original = getattr(self.torch.autograd, name)
        first = "tensors" if name == "backward" else "outputs"  # the differentiated tensors

        def differentiate(*args, **kwargs):
            for i in self.of(self.leaves(args[0] if args else kwargs.get(first))):
                self.forwards[i]["feeds_backward"] = True
            return original(*args, **kwargs)

        setattr(self.torch.autograd, name, differentiate)


def _marker(entry):
    def mark(grad):
        entry["trained"] = True
        return None
    return mark


def _tensors(output) -> list:
    import torch

    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, (tuple, list)):
        return [t for o in output for t in _tensors(o)]
    if isinstance(output, dict):
        return [t for o in output.values() for t in _tensors(o)]
    return []


def summary(forwards, limit: int = 3) -> str:
    """``Net#4 (training, no_grad)`` for the first few forwards, for evidence details."""
    parts = []
    for f in forwards[:limit]:
        mode = "training" if f["training"] else "eval"
        grad = "grad" if f["grad_enabled"] else "no_grad"
        parts.append(f"{f['module']}#{f['i']} ({mode}, {grad})")
    more = f" and {len(forwards) - limit} more" if len(forwards) > limit else ""
    return ", ".join(parts) + more
