"""What an untyped parameter is, from its use (for a helper linted on its own, whose
callers the file does not show and whose parameter name says nothing).

A parameter takes an optimizer when the function uses it only through the
optimizer API (``step``, ``zero_grad``, ``param_groups`` ...; handing it to a
call or testing it against None is neutral) and one of its ``step()`` calls
follows a ``backward()`` in the same loop. A scheduler has ``step()`` too: when
another receiver's ``step()`` also follows that backward and is not a known
scheduler, the parameter stays unknown unless something no scheduler has proves
it (``param_groups`` / ``add_param_group``, ``zero_grad()``, or being handed to a
scheduler's constructor). Anything else is unknown (precision first).

Computed on demand: a parameter is looked at only when a kind is asked of it and
it has a ``.step()`` call in its function (the model's receiver index), and the
function body is walked once for all its parameters.
"""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, Iterator, Optional

from torchlint import known
from torchlint.semantic.cache import memoized
from torchlint.semantic.nodes import BindingKind, FunctionInfo, Site
from torchlint.syntax import children_reversed

OPTIMIZER = frozenset({"optimizer"})
_SCHEDULED = "(given to a scheduler)"  # a pseudo-use: proof that the value is an optimizer
_NEUTRAL_PARENTS = (ast.If, ast.While, ast.IfExp, ast.BoolOp, ast.keyword)


class Uses:
    """Mixed into :class:`~torchlint.semantic.model.SemanticModel`."""

    def parameter_use_kinds(self, function: ast.AST, name: str) -> FrozenSet[str]:
        """``{"optimizer"}`` when parameter ``name`` of ``function`` is used as one (see
        the module docstring), else empty."""
        info = self.functions.get(function)
        if info is None or not any(s.function is info for s in self._steps_on(name)):
            return frozenset()
        return OPTIMIZER if self._used_as_optimizer(function, name) else frozenset()

    def _steps_on(self, name: str) -> Iterator[Site]:
        """``name.step()`` calls with no positional argument (an optimizer's; a
        ``GradScaler.step(opt)`` takes one), in any scope."""
        for site in self.receiver_calls(name):
            call = site.node
            if call.func.attr == "step" and not call.args:
                yield site

    @memoized(guard=False)
    def _used_as_optimizer(self, function: ast.AST, name: str) -> bool:
        info = self.functions[function]
        api = self._parameter_uses(function).get(name)
        if api is None:
            return False
        proof = bool(api & known.OPTIMIZER_ONLY_API) or "zero_grad" in api or _SCHEDULED in api
        for step in self._steps_on(name):
            if step.function is not info or not step.loops:
                continue
            loop = self.loop_info(step.loops[-1])
            for backward in self._backwards_in(loop):
                if self.falls_through(backward.node, step.node, step.scope) and (
                        proof or not self._rival_steps(loop, backward, step, info)):
                    return True
        return False

    def _backwards_in(self, loop) -> Iterator[Site]:
        for site in self.loop_sites(loop):
            if site.is_call:
                func = site.node.func
                if (isinstance(func, ast.Attribute) and func.attr in known.BACKWARD_METHODS) or \
                        self.resolve(func, site.scope) in known.AUTOGRAD_BACKWARD:
                    yield site

    def _rival_steps(self, loop, backward: Site, step: Site, info: FunctionInfo) -> bool:
        """Another receiver's ``step()`` that also follows ``backward`` in the loop, not
        known to be a scheduler: either of the two may be the scheduler."""
        for site in self.loop_sites(loop):
            call = site.node
            if (site is step or not site.is_call or not isinstance(call.func, ast.Attribute)
                    or call.func.attr != "step" or call.args
                    or not self.falls_through(backward.node, call, site.scope)):
                continue
            receiver = call.func.value
            if isinstance(receiver, ast.Name) and receiver.id == step.node.func.value.id:
                continue
            if "scheduler" not in self._kinds_without_use(receiver, site.scope, info):
                return True
        return False

    def _kinds_without_use(self, expr: ast.expr, scope, info: FunctionInfo) -> FrozenSet[str]:
        """Kinds of a rival receiver; a parameter of the same function by its declaration
        only (its own use is what is being decided)."""
        if isinstance(expr, ast.Name):
            b = self.binding_in_force(expr, scope)
            if b is not None and b.kind == BindingKind.ARGUMENT and b.scope is info.scope:
                return self.declared_parameter_kinds(b)
        return self.kinds(expr, scope)

    @memoized
    def _parameter_uses(self, function: ast.AST) -> Dict[str, Optional[FrozenSet[str]]]:
        """Each parameter of ``function`` -> the optimizer-API attributes its body uses on
        it (plus :data:`_SCHEDULED`), or None when it is used any other way, rebound or
        shadowed. One walk of the function."""
        args = function.args
        params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        uses: Dict[str, set] = {p: set() for p in params}
        bad = set()
        scope = self.functions[function].scope
        stack = [(stmt, function) for stmt in reversed(function.body)]
        while stack:
            node, parent = stack.pop()
            if type(node) is ast.Name:
                if node.id in uses:
                    how = _use(node, parent)
                    if how is None:
                        bad.add(node.id)
                    elif how:
                        uses[node.id].add(how)
                continue
            if type(node) is ast.arg and node.arg in uses:  # a nested def or lambda shadows it
                bad.add(node.arg)
            elif type(node) is ast.Call:
                self._scheduler_argument(node, scope, uses)
            stack.extend((child, node) for child in children_reversed(node))
        return {p: (None if p in bad else frozenset(found)) for p, found in uses.items()}

    def _scheduler_argument(self, call: ast.Call, scope, uses) -> None:
        """``StepLR(opt, ...)`` / ``LambdaLR(optimizer=opt)``: ``opt`` is an optimizer."""
        given = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "optimizer"), None)
        if isinstance(given, ast.Name) and given.id in uses:
            q = self.resolve(call.func, scope)
            if q is not None and known.is_scheduler_class(q):
                uses[given.id].add(_SCHEDULED)


def _use(node: ast.Name, parent: ast.AST) -> Optional[str]:
    """How a parameter is used: an optimizer-API attribute, ``""`` (neutral: handed to a
    call, tested), or None (anything else)."""
    if not isinstance(node.ctx, ast.Load):
        return None
    if isinstance(parent, ast.Attribute):
        return parent.attr if parent.attr in known.OPTIMIZER_API else None
    if isinstance(parent, ast.Call):
        return "" if node is not parent.func else None
    if isinstance(parent, ast.Compare):
        return "" if all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops) else None
    if isinstance(parent, _NEUTRAL_PARENTS) or (isinstance(parent, ast.UnaryOp)
                                                and isinstance(parent.op, ast.Not)):
        return ""
    return None
