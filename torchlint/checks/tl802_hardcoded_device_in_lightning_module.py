"""TL802: device placement hard-coded inside a LightningModule (see rules/TL802/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator, Optional

from torchlint import known
from torchlint import devices
from torchlint.devices import keyword_arg
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import FunctionInfo, SemanticModel, Site, short_text, unparse

# Methods the Trainer runs with the module and the batch already on its device.
ON_DEVICE_METHODS = frozenset(
    {"forward", "training_step", "validation_step", "test_step", "predict_step"})


class HardcodedDeviceInLightningModule(Rule):
    """CUDA hard-coded, or a tensor created without device=, inside a LightningModule."""

    code = "TL802"
    name = "hardcoded-device-in-lightning-module"
    message = "{what} in LightningModule {cls}"
    hint = "{fix}"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        for cls in m.lightning_classes():
            for fn in cls.methods.values():
                for site in fn.sites:
                    what = _hardcoded_cuda(m, site)
                    if what:
                        yield self.violation(site.node, what=what, cls=cls.name,
                                             fix="let the Trainer place tensors: use self.device "
                                                 "or type_as(x)")
            seen = set()
            for name in sorted(ON_DEVICE_METHODS):
                fn = cls.methods.get(name)
                if fn is None:
                    continue
                for site, _via in m.sites_in(fn):
                    f = site.function
                    if id(site.node) in seen or f is None or f.cls is not cls:
                        continue
                    seen.add(id(site.node))
                    factory = _cpu_factory(m, site, f)
                    if factory:
                        yield self.violation(site.node, what=f"{factory}(...) without device=",
                                             cls=cls.name, fix="pass device=self.device, or use "
                                                               "x.new_*() / *_like(x)")


def _is_cuda_value(m: SemanticModel, expr: ast.expr, scope) -> bool:
    """``"cuda"``, ``"cuda:0"``, ``f"cuda:{i}"``, ``torch.device("cuda")``."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value.split(":")[0] == "cuda"
    if isinstance(expr, ast.JoinedStr) and expr.values:
        first = expr.values[0]
        return isinstance(first, ast.Constant) and str(first.value).startswith("cuda")
    if isinstance(expr, ast.Call) and m.resolve(expr.func, scope) in known.DEVICE_CONSTRUCTORS:
        return bool(expr.args) and _is_cuda_value(m, expr.args[0], scope)
    return False


def _hardcoded_cuda(m: SemanticModel, site: Site) -> Optional[str]:
    if not site.is_call:
        return None
    call, scope = site.node, site.scope
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "cuda":
        if m.resolve(func, scope) is None:  # x.cuda(), not torch.cuda(...)
            return short_text(call)
    if isinstance(func, ast.Attribute) and func.attr == "to":
        target = call.args[0] if call.args else keyword_arg(call, "device")
        if target is not None and _is_cuda_value(m, target, scope):
            return short_text(call)
    device = keyword_arg(call, "device")
    if device is not None and _is_cuda_value(m, device, scope):
        return f"{short_text(call.func)}(..., device={unparse(device)})"
    return None


def _cpu_factory(m: SemanticModel, site: Site, fn: FunctionInfo) -> Optional[str]:
    """A tensor factory without ``device=`` whose result is combined with other tensors."""
    if not site.is_call:
        return None
    call = site.node
    q = m.resolve(call.func, site.scope)
    if q not in known.TENSOR_FACTORIES:
        return None
    if any(k.arg in (None, "device") for k in call.keywords):  # device= or **kwargs
        return None
    if q in ("torch.tensor", "torch.as_tensor") and call.args and devices.is_scalar(call.args[0]):
        return None  # a 0-dim CPU tensor mixes with tensors on any device
    return q if devices.meets_other_tensor(m, call, fn) else None
