"""TL701 fix: give the loss what it expects. Cross-entropy: drop the softmax from its
input (``F.softmax(logits, dim=1)`` -> ``logits``, ``x.softmax(-1).float()`` ->
``x.float()``). NLL: take the log-softmax instead (``F.softmax`` ->
``F.log_softmax``, ``x.softmax(...)`` -> ``x.log_softmax(...)``, ``nn.Softmax`` ->
``nn.LogSoftmax``). Softmax written as ``torch.exp(log_probs)`` / ``log_probs.exp()``:
both drop the ``exp`` (log-probabilities are logits cross-entropy gives the same loss
on, and what NLL expects).

The softmax is found by following the loss input through single assignments,
into a module called on it (an ``nn.Softmax``, an ``nn.Sequential`` ending in
one, a same-file model whose ``forward`` returns one), through shape changes
(``.view``, ``.reshape``) and the rows of a tensor a ``for`` runs over. Safe when the
probabilities only ever reach the loss: the softmax is written in the loss's
own input or in a name read only there. Unsafe when the probabilities are also
used (the name is read elsewhere) or when the change is to a module or a
model's ``forward``, whose every caller then gets logits / log-probabilities.
"""
from __future__ import annotations

import ast
from typing import NamedTuple, Optional, Union

from torchlint import known
from torchlint.facts import containers, values
from torchlint.fix.context import Context
from torchlint.fix.edits import Edit, Fix, delete_item
from torchlint.rule import Violation
from torchlint.syntax import walk

MAX_HOPS = 6
_ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)
# tensor methods the probabilities pass through unchanged in value
_PASS_THROUGH = frozenset({"float", "double", "half", "to", "cpu", "cuda", "contiguous", "clone",
                           "detach"}) | known.RESHAPING_METHODS


class Softmax(NamedTuple):
    node: ast.Call  # the softmax call, or the nn.Softmax(...) construction
    scope: object
    how: str  # "function" F.softmax(x) | "method" x.softmax() | "module" nn.Softmax(...)
    shared: bool  # the probabilities are also used elsewhere, or a module/forward changes
    exp: bool = False  # torch.exp(log_probs) / log_probs.exp(): the exp is what goes


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    m = ctx.m
    for call in ctx.nodes_at(v, ast.Call):
        site = m.site_of(call)
        found = values.loss_called(m, call, site.scope) if site is not None else None
        if found is None:
            continue
        arg = values.loss_input(call)
        softmax = _find(ctx, arg, site.scope) if arg is not None else None
        if softmax is None:
            return "the softmax feeding the loss is not found on a single path"
        edit = _drop(ctx, softmax) if found[0] == "cross_entropy" else _to_log(ctx, softmax)
        if isinstance(edit, str):
            return edit
        if softmax.exp:
            title = "drop the exp: the loss takes the log-probabilities"
        else:
            title = ("drop the softmax: cross-entropy takes logits" if found[0] == "cross_entropy"
                     else "use log_softmax: NLL takes log-probabilities")
        return Fix(title, (edit,), not softmax.shared)
    return "the reported loss call is not found"


def _find(ctx: Context, expr: ast.expr, scope, hops: int = 0, shared: bool = False) -> Optional[Softmax]:
    m = ctx.m
    if hops > MAX_HOPS:
        return None
    if isinstance(expr, ast.Name):
        origins = m.origins(expr, scope)
        items = containers.loop_item_values(m, expr, scope) if len(origins) == 1 and isinstance(
            origins[0][0], ast.Name) else None
        if items is not None:  # ``for out in outs``: the one element every item is, shared
            return _find(ctx, items[0][0], items[0][1], hops + 1, True) if len(items) == 1 else None
        rows = containers.loop_iterables(m, expr, scope) if len(origins) == 1 and isinstance(
            origins[0][0], ast.Name) else None
        if rows is not None:  # ``for row in probs``: the tensor iterated, shared
            return _find(ctx, rows[0][0], rows[0][1], hops + 1, True) if len(rows) == 1 and not \
                rows[0][2] else None
        if len(origins) != 1 or not isinstance(origins[0][0], ast.Call):
            return None
        reads = sum(1 for n in walk(m.root_of(scope)) if isinstance(n, ast.Name) and n.id == expr.id
                    and isinstance(n.ctx, ast.Load))
        return _find(ctx, origins[0][0], origins[0][1], hops + 1, shared or reads > 1)
    if not isinstance(expr, ast.Call):
        return None
    func = expr.func
    if m.resolve(func, scope) in known.SOFTMAX_FUNCTIONS:
        return Softmax(expr, scope, "function", shared)
    if m.resolve(func, scope) in known.EXP_FUNCTIONS and expr.args \
            and values.is_log_softmax(m, expr.args[0], scope):
        return Softmax(expr, scope, "function", shared, exp=True)
    if isinstance(func, ast.Attribute) and func.attr == "exp" and not expr.args \
            and m.function_for(func, scope) is None and values.is_log_softmax(m, func.value, scope):
        return Softmax(expr, scope, "method", shared, exp=True)
    if isinstance(func, ast.Attribute) and func.attr == "softmax" and m.function_for(func, scope) is None \
            and not any(isinstance(o, ast.Call) for o, _ in m.origins(func, scope)):
        return Softmax(expr, scope, "method", shared)
    if isinstance(func, ast.Attribute) and func.attr in _PASS_THROUGH:
        return _find(ctx, func.value, scope, hops + 1, shared)
    modules = m.origins(func, scope)
    if len(modules) == 1 and isinstance(modules[0][0], ast.Call):
        return _module(ctx, modules[0][0], modules[0][1], hops)
    return None


def _module(ctx: Context, built: ast.Call, scope, hops: int) -> Optional[Softmax]:
    """The softmax at the end of a module: ``nn.Softmax(...)``, the last layer of an
    ``nn.Sequential``, the return of a same-file model's ``forward``. Always shared."""
    m = ctx.m
    qualname = m.resolve(built.func, scope)
    if qualname in known.SOFTMAX_MODULES:
        return Softmax(built, scope, "module", True)
    if qualname in known.SEQUENTIAL_MODULES and built.args and isinstance(built.args[-1], ast.Call):
        return _module(ctx, built.args[-1], scope, hops + 1)
    if qualname in known.SEQUENTIAL_MODULES and built.args and isinstance(built.args[-1], ast.Starred):
        last = containers.last_element(m, built.args[-1].value, scope)  # nn.Sequential(*layers)
        if last is not None and len(last) == 1 and isinstance(last[0][0], ast.Call):
            return _module(ctx, last[0][0], last[0][1], hops + 1)
    cls = m.class_for(built.func, scope)
    forward = m.method(cls, "forward") if cls is not None else None
    if forward is not None and len(forward.returns) == 1:
        return _find(ctx, forward.returns[0], forward.scope, hops + 1, True)
    return None


def _drop(ctx: Context, softmax: Softmax) -> Union[Edit, str]:
    """Cross-entropy: the softmax's input in place of the softmax (the exp's, for
    ``exp(log_probs)``: cross-entropy of log-probabilities is that of the logits)."""
    src, node = ctx.src, softmax.node
    if softmax.how == "module":
        parent = ctx.m.parent(node)
        if isinstance(parent, ast.Call) and node in parent.args and \
                ctx.m.resolve(parent.func, softmax.scope) in known.SEQUENTIAL_MODULES:
            return delete_item(src, parent.args, parent.args.index(node)) or \
                "the softmax layer cannot be removed without touching a comment"
        if isinstance(parent, ast.List) and node in parent.elts:  # layers = [..., nn.Softmax(1)]
            return delete_item(src, parent.elts, parent.elts.index(node)) or \
                "the softmax layer cannot be removed without touching a comment"
        return "the nn.Softmax module is not an item of an nn.Sequential or of a list of layers"
    inner = node.func.value if softmax.how == "method" else (node.args[0] if node.args else None)
    if inner is None or isinstance(inner, ast.Starred):
        return "the softmax's input is not found"
    text = src.segment(inner)
    parent = ctx.m.parent(node)
    primary = isinstance(parent, (ast.Attribute, ast.Subscript)) or (
        isinstance(parent, ast.Call) and parent.func is node)
    if primary and not isinstance(inner, _ATOMS):
        text = f"({text})"
    return Edit(src.start(node), src.end(node), text)


def _to_log(ctx: Context, softmax: Softmax) -> Union[Edit, str]:
    """NLL: ``softmax`` -> ``log_softmax``, ``Softmax`` -> ``LogSoftmax``, by name;
    ``exp(log_probs)`` -> ``log_probs``."""
    if softmax.exp:
        return _drop(ctx, softmax)
    func = softmax.node.func
    if not isinstance(func, ast.Attribute):
        return "the softmax is imported by name: its log-softmax is not"
    new = "LogSoftmax" if softmax.how == "module" else "log_softmax"
    end = ctx.src.end(func)
    return Edit(end - len(func.attr), end, new)
