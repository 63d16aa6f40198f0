"""TL801: manual backward/step/zero_grad in training_step under automatic optimization
(see rules/TL801/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator, Optional

from torchlint import known
from torchlint.facts import lightning
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import ClassInfo, SemanticModel, Site
from torchlint.syntax import short_text


class ManualOptimizationUnderAutomatic(Rule):
    """Manual backward(), optimizer step or zero_grad() in training_step under automatic optimization."""

    code = "TL801"
    name = "manual-optimization-under-automatic"
    message = "{call} in {cls}.training_step under automatic optimization"
    hint = "remove it, or set self.automatic_optimization = False"
    requires = ("LightningModule",)

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        reported = set()
        for cls in m.lightning_classes():
            step = cls.methods.get("training_step")
            # only the class that defines training_step reports (no duplicates through
            # subclasses); it runs under automatic optimization only if no class says otherwise
            if step is None or lightning.automatic_optimization(m, cls) is not True:
                continue
            if any(lightning.automatic_optimization(m, sub) is not True for sub in _subclasses(m, cls)):
                continue
            for site, _via in m.sites_in(step):
                if id(site.node) in reported or not _is_manual_call(m, site):
                    continue
                reported.add(id(site.node))
                yield self.violation(site.node, call=short_text(site.node), cls=cls.name)


def _subclasses(m: SemanticModel, cls: ClassInfo):
    return [c for c in m.classes.values() if c is not cls and cls in list(m.local_bases(c))]


def _is_manual_call(m: SemanticModel, site: Site) -> bool:
    """``X.backward()``, ``self.manual_backward(loss)``, ``torch.autograd.backward(...)``,
    ``opt.step()`` / ``scaler.step(opt)``, ``opt.zero_grad()`` / ``self.zero_grad()``."""
    if not site.is_call:
        return False
    call = site.node
    func = call.func
    if isinstance(func, ast.Attribute):
        recv = func.value
        if func.attr == "backward":
            # a class's static ``Fn.backward(ctx, ...)`` is an autograd.Function, not a pass
            return m.class_for(recv, site.scope) is None and m.resolve(recv, site.scope) is None
        if func.attr == "manual_backward":
            return _is_self(recv)
        if func.attr == "zero_grad":
            return _is_self(recv) or bool(_receiver_kinds(m, recv, site) & {"optimizer", "module"})
        if func.attr == "step":
            kinds = _receiver_kinds(m, recv, site)
            if "optimizer" in kinds:
                return True
            return "grad_scaler" in kinds and bool(call.args)
        return False
    return m.resolve(func, site.scope) in known.AUTOGRAD_BACKWARD


def _receiver_kinds(m: SemanticModel, recv: ast.expr, site: Site):
    """Kinds of a receiver; ``self.optimizers()[0]`` is the optimizer Lightning hands back."""
    if isinstance(recv, ast.Subscript) and isinstance(recv.value, ast.Call):
        return m.lightning_self_call_kinds(recv.value, site.scope)
    return m.kinds(recv, site.scope)


def _is_self(expr: Optional[ast.expr]) -> bool:
    return isinstance(expr, ast.Name) and expr.id == "self"
