"""Where autograd records: the one answer to "is grad mode on here?".

Grad mode at a node is decided by what encloses it in its function - a
``with torch.no_grad():`` / ``torch.inference_mode()`` /
``torch.set_grad_enabled(flag)`` / ``torch.enable_grad()`` block, or such a
decorator on the function - starting from the mode the function is *entered*
in: a caller's mode at the call (same-file callers, all agreeing), or the
mode a chain of helper calls from a loop carries. Answers are True (records),
False (does not) or None (depends on a value, or on callers torchlint cannot
see: a method nobody in the file calls, a file that switches grad off
globally).

It also says which calls compute gradients without being written ``backward()``: a
method of a same-file module whose body runs ``backward()`` and nothing else of a
training step (:func:`computes_gradients`), a backward event for the loop facts.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from torchlint import known
from torchlint.semantic import FUNCTION_NODES, FunctionInfo, Scope, SemanticModel, Site, memoized

_NO_EFFECT = object()  # a context manager that does not touch autograd's grad mode
FROM_CALLERS = object()  # grad_at: the outermost function is entered as its callers call it


# Every context or decorator that sets grad mode (known.NO_GRAD_CONTEXTS,
# GRAD_ENABLING_CONTEXTS, SET_GRAD_ENABLED) has a qualified name ending in one of these.
GRAD_MODE_WORDS = ("no_grad", "inference_mode", "enable_grad", "set_grad_enabled")


@memoized
def may_set_grad_mode(m: SemanticModel) -> bool:
    """Can anything in the file set grad mode? A qualified name is made of the file's
    own identifiers, so one of :data:`GRAD_MODE_WORDS` is in its text - unless a star
    import brings the name in. When False, grad mode is whatever a function is entered
    in, everywhere (:func:`grad_mode` returns ``outer``)."""
    return bool(m.star_imports) or any(m.mentions(word) for word in GRAD_MODE_WORDS)


def grad_mode(m: SemanticModel, node: ast.AST, scope: Scope,
              outer: Optional[bool] = True) -> Optional[bool]:
    """Grad mode at ``node`` inside its own function, which is entered in mode
    ``outer``: the function's decorators, then every ``with`` around ``node``."""
    if not may_set_grad_mode(m):
        return outer
    root = m.root_of(scope)
    mode = outer
    if isinstance(root, FUNCTION_NODES):
        fscope = m.scopes.get(root, scope)
        for dec in root.decorator_list:
            effect = grad_effect(m, dec, fscope.parent or fscope)
            if effect is not _NO_EFFECT:
                mode = effect
    for owner, field_name, _ in m.statement_path(node, scope) or ():
        if isinstance(owner, (ast.With, ast.AsyncWith)) and field_name == "body":
            for item in owner.items:
                effect = grad_effect(m, item.context_expr, scope)
                if effect is not _NO_EFFECT:
                    mode = effect
    return mode


def grad_effect(m: SemanticModel, expr: ast.expr, scope: Scope):
    """What a context manager / decorator does to grad mode: True, False, None
    (depends on a value) or ``_NO_EFFECT``."""
    call = expr if isinstance(expr, ast.Call) else None
    qualname = m.resolve(call.func if call is not None else expr, scope)
    if qualname is None:
        return _NO_EFFECT
    arg = None
    if call is not None:
        arg = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "mode"), None)
    if qualname in known.NO_GRAD_CONTEXTS:
        if arg is not None and qualname.endswith("inference_mode"):
            if isinstance(arg, ast.Constant):
                return False if arg.value else _NO_EFFECT
            return None
        return False
    if qualname in known.GRAD_ENABLING_CONTEXTS:
        return True
    if qualname in known.SET_GRAD_ENABLED and call is not None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, bool):
            return arg.value
        return None
    return _NO_EFFECT


def grad_at(m: SemanticModel, site: Site, via: Tuple[Site, ...] = (),
            entry=FROM_CALLERS) -> Optional[bool]:
    """Grad mode at ``site`` reached through the helper-call chain ``via``: the
    contexts and decorators on the way, starting from ``entry`` (default: the mode
    the outermost function's same-file callers call it in, :func:`entry_grad`)."""
    chain = via + (site,)
    mode = entry
    for s in chain:  # the last context or decorator on the way that sets a mode decides
        mode = grad_mode(m, s.node, s.scope, mode)
    return entry_grad(m, chain[0].function) if mode is FROM_CALLERS else mode  # none did


def records_graph(m: SemanticModel, node: ast.AST, scope: Scope) -> bool:
    """Grad mode is definitely on whenever ``node`` runs."""
    function = m.enclosing_function(scope)
    return grad_mode(m, node, scope, entry_grad(m, function)) is True


@memoized(guard=None)
def entry_grad(m: SemanticModel, function: Optional[FunctionInfo]) -> Optional[bool]:
    """The grad mode ``function`` (None: module level) is entered in: True at module
    level (None when the file switches grad off globally), else the one mode every
    same-file caller calls it in (None when they disagree or there are none). A caller
    still being computed (recursion) counts as None."""
    if function is None:
        return None if sets_grad_globally(m) else True
    modes = set()
    for c in m.callers(function):
        modes.add(grad_mode(m, c.node, c.scope, entry_grad(m, c.function)))
    return modes.pop() if len(modes) == 1 else None


@memoized
def sets_grad_globally(m: SemanticModel) -> bool:
    """``torch.set_grad_enabled(False)`` as a statement (not a ``with``) anywhere in the file."""
    calls = m.calls_to(known.SET_GRAD_ENABLED)
    if not calls:
        return False
    contexts = {id(w) for s in m.sites for w in s.withs}
    return any(id(s.node) not in contexts for s in calls)


# ------------------------------------------------------------- gradient methods
_UPDATES = frozenset({"step", "zero_grad"})  # a method that also updates is a training step


def is_gradient_method(m: SemanticModel, name: str) -> bool:
    """Some method ``name`` (not ``forward``) of the file's ``nn.Module`` classes computes
    gradients and nothing else of a training step: its body, same-file helpers followed,
    runs ``backward()`` / ``torch.autograd.backward`` and neither steps nor clears
    (``def compute_grads(self, x): self.loss(x).backward()``). Read per name asked: a
    method no call names is never read."""
    return name in module_methods(m) and _is_gradient_method(m, name)


@memoized
def _is_gradient_method(m: SemanticModel, name: str) -> bool:
    return any(_only_backward(m, f) for f in module_methods(m)[name])


@memoized
def module_methods(m: SemanticModel) -> Dict[str, List[FunctionInfo]]:
    """Methods of the file's ``nn.Module`` classes by name (``forward`` aside); none in a
    file that never mentions ``backward``."""
    out: Dict[str, List[FunctionInfo]] = {}
    for cls in m.module_classes() if m.mentions("backward") else ():
        for name, method in cls.methods.items():
            if name != "forward":
                out.setdefault(name, []).append(method)
    return out


@memoized
def _only_backward(m: SemanticModel, method: FunctionInfo) -> bool:
    """The method's body (same-file helpers followed) runs backward() and neither steps
    nor clears gradients."""
    backward = False
    for site, _via in m.sites_in(method):
        if site.is_grad_write:
            return False
        func = site.node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _UPDATES:
            return False
        backward = backward or name == "backward" or m.resolve(func, site.scope) in known.AUTOGRAD_BACKWARD
    return backward


def computes_gradients(m: SemanticModel, site: Site) -> bool:
    """``model.compute_grads(x)``: a call of an :func:`is_gradient_method` method on a value
    that is, on every path, an instance of the class that defines it (through ``.to()`` /
    ``.train()`` ... and same-file parameters and attributes)."""
    func = site.node.func if site.is_call else None
    if not isinstance(func, ast.Attribute) or not is_gradient_method(m, func.attr):
        return False
    todo, found = [(func.value, site.scope, 0)], False
    while todo:
        expr, scope, depth = todo.pop()
        for origin, oscope in m.origins(expr, scope):
            inner = getattr(origin, "func", None)
            if (isinstance(inner, ast.Attribute) and inner.attr in known.SELF_RETURNING_METHODS
                    and depth < 4):
                todo.append((inner.value, oscope, depth + 1))
                continue
            cls = m.class_for(inner, oscope) if isinstance(origin, ast.Call) else None
            method = m.method(cls, func.attr) if cls is not None else None
            if method is None or method not in module_methods(m).get(func.attr, ()) or not _only_backward(
                    m, method):
                return False
            found = True
    return found
