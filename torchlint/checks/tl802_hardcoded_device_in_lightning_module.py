"""TL802: device placement hard-coded inside a LightningModule (see rules/TL802/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator, Optional

from torchlint.facts import devices, forward
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel, Site
from torchlint.syntax import find_argument, short_text, unparse

# Methods the Trainer runs with the module and the batch already on its device.
ON_DEVICE_METHODS = frozenset(
    {"forward", "training_step", "validation_step", "test_step", "predict_step"})


class HardcodedDeviceInLightningModule(Rule):
    """CUDA hard-coded, or a tensor created without device=, inside a LightningModule."""

    code = "TL802"
    name = "hardcoded-device-in-lightning-module"
    message = "{what} in LightningModule {cls}"
    hint = "{fix}"
    requires = ("LightningModule",)

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
                    factory = site.is_call and forward.cpu_factory_meeting_tensors(
                        m, site.node, site.scope, f)
                    if factory:
                        yield self.violation(site.node, what=f"{factory}(...) without device=",
                                             cls=cls.name, fix="pass device=self.device, or use "
                                                               "x.new_*() / *_like(x)")


def _hardcoded_cuda(m: SemanticModel, site: Site) -> Optional[str]:
    if not site.is_call:
        return None
    call, scope = site.node, site.scope
    func = call.func
    if type(func) is ast.Attribute and func.attr == "cuda":
        if m.resolve(func, scope) is None:  # x.cuda(), not torch.cuda(...)
            return short_text(call)
    if type(func) is ast.Attribute and func.attr == "to":
        target = find_argument(call, 0, "device")
        if target is not None and devices.is_cuda_literal(m, target, scope):
            return short_text(call)
    device = find_argument(call, None, "device")
    if device is not None and devices.is_cuda_literal(m, device, scope):
        return f"{short_text(call.func)}(..., device={unparse(device)})"
    return None
