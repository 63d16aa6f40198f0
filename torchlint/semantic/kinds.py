"""Binding kinds: what a value is (optimizer, scheduler, module, dataloader,
sampler, distributed_sampler, grad_scaler, device, tensor, trainer, ddp ...),
from the constructor that built it, an annotation, the arguments same-file
callers pass to a parameter, a same-file class, a helper's return values, or
(through the model's externals) a function or class of the user's other
modules."""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet

from torchlint import known
from torchlint.semantic.cache import memoized
from torchlint.semantic.nodes import Binding, BindingKind, ClassInfo, Scope
from torchlint.semantic.scopes import MAX_RESOLVE_DEPTH
from torchlint.syntax import bind_arguments

EMPTY: FrozenSet[str] = frozenset()


class Kinds:
    """Mixed into :class:`~torchlint.semantic.model.SemanticModel`."""

    @memoized(guard=EMPTY)
    def kinds(self, expr: ast.AST, scope: Scope) -> FrozenSet[str]:
        """What ``expr`` is bound to (see the module docstring); empty when unknown."""
        return self._kinds(expr, scope, 0)

    def _kinds(self, expr: ast.AST, scope: Scope, depth: int) -> FrozenSet[str]:
        if depth > MAX_RESOLVE_DEPTH:
            return EMPTY
        if isinstance(expr, ast.Name):
            bindings = self.lookup(expr.id, scope)
            if not bindings:
                return EMPTY
            out: set = set()
            for b in bindings:
                out |= self.binding_kinds(b, depth + 1)
            return frozenset(out)
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id == "self":
                cls = self.enclosing_class(scope)
                if cls is not None:
                    out = set()
                    for c in self.local_bases(cls):
                        for value, vscope in c.attrs.get(expr.attr, ()):
                            out |= self._kinds(value, vscope, depth + 1)
                    if not out and self.project is not None:  # set by a base in another module
                        return self.project.attribute_kinds(self, cls, expr.attr)
                    return frozenset(out)
            return EMPTY
        if isinstance(expr, ast.Call):
            return self._call_kinds(expr, scope, depth)
        if isinstance(expr, ast.NamedExpr):
            return self._kinds(expr.value, scope, depth + 1)
        return EMPTY

    def _call_kinds(self, call: ast.Call, scope: Scope, depth: int) -> FrozenSet[str]:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in known.SELF_RETURNING_METHODS:
            receiver = self._kinds(func.value, scope, depth + 1)
            if "module" in receiver:
                moved = {"on_device"} if func.attr in known.DEVICE_MOVES else set()
                return receiver | moved
            if "tensor" in receiver:
                return frozenset({"tensor"})
        lightning = self.lightning_self_call_kinds(call, scope)
        if lightning:
            return lightning
        qualname = self.resolve(func, scope)
        if qualname is not None:
            kinds = known.kinds_for_constructor(qualname)
            if kinds == {"compiled"}:
                return self._kinds(call.args[0], scope, depth + 1) if call.args else EMPTY
            if kinds:
                return kinds
        cls = self.class_for(func, scope)
        if cls is not None:
            return self.class_kinds(cls)
        helper = self.function_for(func, scope)
        if helper is not None:
            out = set()
            for value in helper.returns:
                out |= self._kinds(value, helper.scope, depth + 1)
            return frozenset(out)
        if self.project is not None and qualname is not None:  # the user's other modules
            return self.project.call_kinds(self, call, scope)
        return EMPTY

    def lightning_self_call_kinds(self, call: ast.Call, scope: Scope) -> FrozenSet[str]:
        """``self.optimizers()`` / ``self.lr_schedulers()`` inside a LightningModule:
        the optimizer / scheduler Lightning hands back (``self.optimizers()[0]`` too)."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id == "self" and func.attr in known.LIGHTNING_SELF_ACCESSORS):
            return EMPTY
        cls = self.enclosing_class(scope)
        if cls is None or not self.is_lightning_module(cls) or self.method(cls, func.attr):
            return EMPTY  # a same-file override is not Lightning's accessor
        return frozenset({known.LIGHTNING_SELF_ACCESSORS[func.attr]})

    @memoized
    def class_kinds(self, cls: ClassInfo) -> FrozenSet[str]:
        """Kinds of an instance of a same-file class, from its bases."""
        return known.kinds_for_bases(self.base_names(cls))

    def binding_kinds(self, b: Binding, depth: int = 0) -> FrozenSet[str]:
        if b.kind == BindingKind.ASSIGN and b.value is not None:
            return self._kinds(b.value, b.scope, depth + 1)
        if b.kind == BindingKind.ARGUMENT:
            if b.annotation is not None:
                q = self.resolve(b.annotation, b.scope.parent or b.scope)
                if q is not None:
                    return known.kinds_for_annotation(q)
            from_calls = self.parameter_call_kinds(b.scope.node, b.name)
            if from_calls:
                return from_calls
            guess = known.PARAMETER_NAME_KINDS.get(b.name)
            return frozenset({guess}) if guess else EMPTY
        return EMPTY

    @memoized(guard=EMPTY)
    def parameter_call_kinds(self, function: ast.AST, name: str) -> FrozenSet[str]:
        """Kinds that the same-file calls of ``function`` pass to its parameter ``name``."""
        out: set = set()
        for site, helper in self._direct_calls().get(function, ()):
            value = bind_arguments(helper.node, site.node, skip_first=helper.cls is not None).exact.get(name)
            if value is not None:
                out |= self.kinds(value, site.scope)
        return frozenset(out)

    @memoized
    def _direct_calls(self) -> Dict[ast.AST, list]:
        """Function node -> the (site, function) pairs of the calls naming it directly
        (``helper(...)``, ``self.method(...)``)."""
        index: Dict[ast.AST, list] = {}
        for site in self.sites:
            if site.is_call:
                helper = self.function_for(site.node.func, site.scope)
                if helper is not None:
                    index.setdefault(helper.node, []).append((site, helper))
        return index
