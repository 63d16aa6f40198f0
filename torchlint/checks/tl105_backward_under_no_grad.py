"""TL105: backward() inside torch.no_grad() / torch.inference_mode() (see rules/TL105/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator, Optional

from torchlint.facts import autograd, loops, values
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import Scope, SemanticModel, Site
from torchlint.syntax import short_text

# calls that hand back a tensor that already exists (its graph, if any, with it)
_LOOKUPS = frozenset({"get", "pop", "__getitem__", "getattr"})


class BackwardUnderNoGrad(Rule):
    """backward() inside torch.no_grad() / torch.inference_mode() on a loss computed there."""

    code = "TL105"
    name = "backward-under-no-grad"
    message = "{call} on {tensor}, computed under no_grad/inference_mode, raises"
    hint = "compute {tensor} with grad enabled"
    requires = ("backward",)

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        if not autograd.may_set_grad_mode(m):
            return  # nothing switches grad off: grad mode is on everywhere
        reported = set()
        for site in m.sites:
            if not site.withs:  # no context around it: only a decorator can turn grad off
                function = site.function
                if function is None or not function.node.decorator_list:
                    continue  # no context or decorator around it: grad mode is the default
            if not site.is_call or id(site.node) in reported:
                continue
            # a backward() itself, or a same-file helper that may run one: asked before grad mode
            direct = values.may_differentiate(m, site.node, site.scope)
            helper = m.function_for(site.node.func, site.scope)
            if (not direct and helper is None) or autograd.grad_mode(m, site.node, site.scope) is not False:
                continue
            call, found = "backward()", (_graphless_backward(m, site, True) if direct else None)
            if found is None and helper is not None:  # a same-file helper run under no_grad
                call, found = f"{short_text(site.node)} runs backward()", _in_helper(m, site, helper)
            if found is not None:
                reported.add(id(site.node))
                yield self.violation(site.node, call=call, tensor=found)


def _graphless_backward(m: SemanticModel, site: Site, entry: Optional[bool]) -> Optional[str]:
    """The tensor text when ``site`` is a backward() on a tensor computed with grad
    disabled (``entry``: the grad mode its function was entered in)."""
    if not loops.is_backward(m, site):
        return None
    tensor = values.backward_tensor(m, site)
    if tensor is None or not _computed_without_graph(m, tensor, site.scope, entry):
        return None
    roots = values.grad_roots(tensor)
    return roots[0].id if len(roots) == 1 else _short(tensor)


def _in_helper(m: SemanticModel, call: Site, helper) -> Optional[str]:
    """A backward() on a graphless tensor in ``helper``, entered with grad disabled by
    ``call`` (not one the call's constant arguments rule out: ``step(b, train=False)``)."""
    for site, via in m.sites_in(helper):
        if autograd.grad_at(m, site, via, False) is False and not values.ruled_out(
                m, (call,) + via + (site,)):
            entry = autograd.grad_at(m, via[-1], via[:-1], False) if via else False
            found = _graphless_backward(m, site, entry)
            if found is not None:
                return found
    return None


def _computed_without_graph(m: SemanticModel, tensor: ast.expr, scope: Scope,
                            entry: Optional[bool]) -> bool:
    """Every value ``tensor`` may hold is computed in this function with grad disabled.
    A name read from elsewhere (a parameter, a global, ``outputs["loss"]``) may carry a
    graph built with grad enabled: backward() then works, and nothing is reported."""
    origins = m.origins(tensor, scope) if isinstance(tensor, (ast.Name, ast.Attribute)) else (
        (tensor, scope),)
    if not origins:
        return False
    for value, vscope in origins:
        if vscope is not scope or not _is_computation(m, value, scope):
            return False
        if autograd.grad_mode(m, value, scope, entry) is not False:
            return False
    return True


def _is_computation(m: SemanticModel, value: ast.AST, scope: Scope) -> bool:
    """An operation that makes a new tensor under the current grad mode: arithmetic, a
    torch function, a tensor method, a module call. Not a lookup (``outputs["loss"]``,
    ``d.get("loss")``) and not a call of an unknown function (``closure()`` may turn
    grad back on inside)."""
    if isinstance(value, (ast.BinOp, ast.UnaryOp)):
        return True
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    qualname = m.resolve(func, scope)
    if qualname is not None:
        return qualname.startswith("torch.")
    if isinstance(func, ast.Attribute):
        return func.attr not in _LOOKUPS
    return "module" in m.kinds(func, scope)


def _short(expr: ast.expr) -> str:
    text = short_text(expr, 30)
    return text if not text.endswith("...") and not text.endswith("(...)") else "the loss"
