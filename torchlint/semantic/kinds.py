"""Binding kinds: what a value is (optimizer, scheduler, module, dataloader,
sampler, distributed_sampler, grad_scaler, device, tensor, trainer, ddp,
accelerator ...), from the constructor that built it, an annotation, the
arguments same-file callers pass to a parameter, its name, or its use
(:mod:`~torchlint.semantic.uses`); a same-file class, a helper's or a method's
return values (``a, b = Net.build()`` by position), the elements of a list or
tuple it was taken from (``for opt in self.optimizers``, ``opts[0]``), a class
held in a variable or parameter (``optimizer_klass(params)``), set-up calls that
hand back what they were given (``accelerator.prepare(model, opt)``), or
(through the model's externals) a function or class of the user's other modules.
A name's kinds are those of the bindings that reach the use (``opt =
Wrapper(opt)`` replaces the optimizer)."""
from __future__ import annotations

import ast
from typing import FrozenSet, Iterator, Tuple

from torchlint import known
from torchlint.semantic.cache import memoized
from torchlint.semantic.nodes import Binding, BindingKind, ClassInfo, Scope
from torchlint.semantic.scopes import MAX_RESOLVE_DEPTH
from torchlint.syntax import is_decorated

EMPTY: FrozenSet[str] = frozenset()
# node types are tested by ``type(x) is``, not isinstance: the same answer (parsed trees hold
# no subclasses of them), and a failing isinstance goes through type.__instancecheck__
_Name, _Attribute, _Call = ast.Name, ast.Attribute, ast.Call


class Kinds:
    """Mixed into :class:`~torchlint.semantic.model.SemanticModel`."""

    def kinds(self, expr: ast.AST, scope: Scope) -> FrozenSet[str]:
        """What ``expr`` is bound to (see the module docstring); empty when unknown. Only
        names, ``self.x``, calls, subscripts and ``:=`` can be bound to anything (as
        :meth:`_kinds` answers): the rest (constants, ``torch.nn``, ``args.lr``, operators)
        is told without the memo, which most questions about call targets would fill."""
        kind = type(expr)
        if kind is _Attribute:
            value = expr.value
            if type(value) is not _Name or value.id != "self":
                return EMPTY
        elif kind is not _Name and kind is not _Call and kind is not ast.Subscript \
                and kind is not ast.NamedExpr:
            return EMPTY
        return self._bound_kinds(expr, scope)

    @memoized(guard=EMPTY)
    def _bound_kinds(self, expr: ast.AST, scope: Scope) -> FrozenSet[str]:
        return self._kinds(expr, scope, 0)

    def _kinds(self, expr: ast.AST, scope: Scope, depth: int) -> FrozenSet[str]:
        if depth > MAX_RESOLVE_DEPTH:
            return EMPTY
        kind = type(expr)
        if kind is _Name:
            bindings = self.reaching_bindings(expr, scope)
            if len(bindings) == 1:  # the commonest: its kinds (a frozenset) as they are
                return self.binding_kinds(bindings[0], depth + 1)
            out: set = set()
            for b in bindings:
                out |= self.binding_kinds(b, depth + 1)
            return frozenset(out)
        if kind is _Attribute:
            if type(expr.value) is _Name and expr.value.id == "self":
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
        if kind is _Call:
            return self._call_kinds(expr, scope, depth)
        if kind is ast.Subscript and type(expr.slice) is not ast.Slice:  # ``opts[0]``
            return self._union(self._elements(expr.value, scope, _constant(expr.slice)), depth)
        if kind is ast.NamedExpr:
            return self._kinds(expr.value, scope, depth + 1)
        return EMPTY

    def _union(self, values: Iterator[Tuple[ast.expr, Scope]], depth: int) -> FrozenSet[str]:
        out: set = set()
        for value, vscope in values:
            out |= self._kinds(value, vscope, depth + 1)
        return frozenset(out)

    def _call_kinds(self, call: ast.Call, scope: Scope, depth: int) -> FrozenSet[str]:
        func = call.func
        if type(func) is _Attribute and func.attr in known.SELF_RETURNING_METHODS:
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
        given = self.passed_through(call, scope)
        if given is not None:  # ``model = accelerator.prepare(model)``
            return self._kinds(given[0], scope, depth + 1) if len(given) == 1 else EMPTY
        cls = self.class_for(func, scope)
        if cls is not None:
            return self.class_kinds(cls)
        helper = self.method_for(func, scope)
        if helper is not None:
            return self._union(((value, helper.scope) for value in helper.returns), depth)
        if self.project is not None and qualname is not None:  # the user's other modules
            return self.project.call_kinds(self, call, scope)
        if qualname is None and isinstance(func, (ast.Name, ast.Attribute)):
            return self._held_class_kinds(func, scope)
        return EMPTY

    @memoized(guard=EMPTY)
    def _held_class_kinds(self, func: ast.expr, scope: Scope) -> FrozenSet[str]:
        """Kinds of an instance of the class a variable or parameter holds: ``klass(...)``
        with ``def __init__(self, klass=Adam)`` (and what callers pass), ``cls()`` in a
        classmethod."""
        out: set = set()
        for origin, oscope in self.origins(func, scope):
            if isinstance(origin, ast.arg):  # a parameter no caller passes
                method = self.functions.get(oscope.node)
                args = method.node.args.posonlyargs + method.node.args.args if method else ()
                if method is not None and method.cls is not None and args and args[0] is origin \
                        and is_decorated(method.node, "classmethod"):
                    out |= self.class_kinds(method.cls)
                continue
            if origin is func or not isinstance(origin, (ast.Name, ast.Attribute)):
                continue
            cls = self.class_for(origin, oscope)
            if cls is not None:
                out |= self.class_kinds(cls)
                continue
            q = self.resolve(origin, oscope)
            if q is not None:
                out |= known.kinds_for_constructor(q) - {"compiled"}
        return frozenset(out)

    def passed_through(self, call: ast.Call, scope: Scope):
        """The arguments of a set-up call that hands back what it was given
        (``accelerator.prepare(model, opt)``, ``fabric.setup(model, opt)``,
        ``amp.initialize(model, opt)``): one returns it, several a tuple of them. None
        for any other call (or one with ``*args``)."""
        func = call.func
        if type(func) is _Attribute and func.attr in known.PASS_THROUGH_METHODS:
            if "accelerator" not in self.kinds(func.value, scope):
                return None
        elif self.resolve(func, scope) not in known.PASS_THROUGH_FUNCTIONS:
            return None
        if not call.args or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        return call.args

    def lightning_self_call_kinds(self, call: ast.Call, scope: Scope) -> FrozenSet[str]:
        """``self.optimizers()`` / ``self.lr_schedulers()`` inside a LightningModule:
        the optimizer / scheduler Lightning hands back (``self.optimizers()[0]`` too)."""
        func = call.func
        if not (type(func) is _Attribute and type(func.value) is _Name
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
        if b.unpack is not None:  # ``model, opt = make()``
            return self._union(self._unpacked(b), depth)
        if b.kind == BindingKind.ASSIGN and b.value is not None:
            return self._kinds(b.value, b.scope, depth + 1)
        if b.kind == BindingKind.TARGET:  # ``for opt in optimizers``
            return self._union(self._loop_items(b), depth)
        if b.kind == BindingKind.ARGUMENT:
            return self.declared_parameter_kinds(b) or self.parameter_use_kinds(b.scope.node, b.name)
        return EMPTY

    def declared_parameter_kinds(self, b: Binding) -> FrozenSet[str]:
        """A parameter's kinds from its annotation, else from what same-file callers pass,
        else from its name (``optimizer``, ``model`` ...)."""
        if b.annotation is not None:
            q = self.resolve(b.annotation, b.scope.parent or b.scope)
            if q is not None:
                return known.kinds_for_annotation(q)
        from_calls = self.parameter_call_kinds(b.scope.node, b.name)
        if from_calls:
            return from_calls
        guess = known.PARAMETER_NAME_KINDS.get(b.name)
        return frozenset({guess}) if guess else EMPTY

    @memoized(guard=EMPTY)
    def parameter_call_kinds(self, function: ast.AST, name: str) -> FrozenSet[str]:
        """Kinds of what the same-file calls of ``function`` pass to its parameter ``name``
        (:meth:`parameter_arguments`: ``helper(...)``, ``Class(...)``, ``obj.method(...)``)."""
        out: set = set()
        for value, vscope in self.parameter_arguments(function, name):
            out |= self.kinds(value, vscope)
        return frozenset(out)

    # ------------------------------------------------------------ containers
    def _unpacked(self, b: Binding) -> Iterator[Tuple[ast.expr, Scope]]:
        """What ``b`` takes from the value it is unpacked from, by position."""
        value, index = b.unpack
        if isinstance(value, ast.Call):
            given = self.passed_through(value, b.scope)
            if given is not None:
                if index < len(given):
                    yield given[index], b.scope
                return
        yield from self._elements(value, b.scope, index)

    def _loop_items(self, b: Binding) -> Iterator[Tuple[ast.expr, Scope]]:
        """The elements a ``for`` target takes: ``for x in xs``, ``for i, x in
        enumerate(xs)``, ``for a, b in zip(xs, ys)``."""
        hit = self.loop_target(b.node)
        if hit is None:
            return
        loop, path = hit
        it = loop.node.iter
        if not path:
            yield from self._elements(it, loop.scope)
        elif len(path) == 1 and isinstance(it, ast.Call) and not it.keywords:
            builtin = self.resolve(it.func, loop.scope)
            if builtin == "builtins.enumerate" and path == (1,) and it.args:
                yield from self._elements(it.args[0], loop.scope)
            elif builtin == "builtins.zip" and path[0] < len(it.args):
                yield from self._elements(it.args[path[0]], loop.scope)

    def _elements(self, container: ast.expr, scope: Scope, key=None) -> Iterator[Tuple[ast.expr, Scope]]:
        """The element expressions of the list/tuple/set/dict literals ``container`` may be
        (``key``: only the element at that index or constant dict key)."""
        for origin, oscope in self.origins(container, scope):
            if isinstance(origin, (ast.List, ast.Tuple, ast.Set)):
                if any(isinstance(e, ast.Starred) for e in origin.elts):
                    continue
                if isinstance(key, int):
                    if -len(origin.elts) <= key < len(origin.elts):
                        yield origin.elts[key], oscope
                elif key is None:
                    yield from ((e, oscope) for e in origin.elts)
            elif isinstance(origin, ast.Dict):
                for k, v in zip(origin.keys, origin.values):
                    if k is not None and (key is None or _constant(k) == key):
                        yield v, oscope


def _constant(node: ast.AST):
    """An int or str constant subscript (``xs[0]``, ``d["opt"]``), else None."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, str):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    return None
