"""TL104 fix: accumulate the loss's value, not its graph: ``running_loss += loss.item()``,
or ``loss.detach()`` where the accumulator is used as a tensor.

``.item()`` when the accumulator starts as a number and is only read as one
after the loop (arithmetic, ``print``, ``float()``, formatting); ``.detach()``
when it is returned, stored, handed to a torch function or a method is called
on it (``torch.stack(losses)``, ``total.item()``), and for lists. Either way
the values are those the code computed: safe.
"""
from __future__ import annotations

import ast
from typing import Optional, Union

from torchlint.facts import values
from torchlint.fix.context import Context, inside
from torchlint.fix.edits import Edit, Fix
from torchlint.rule import Violation
from torchlint.syntax import short_text, walk

_ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript)
_NUMBER_READERS = frozenset({"builtins.print", "builtins.float", "builtins.int", "builtins.round",
                             "builtins.str", "builtins.format", "builtins.abs", "builtins.min",
                             "builtins.max"})


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    m = ctx.m
    found = _accumulation(ctx, v)
    if found is None:
        return "the reported accumulation is not found"
    acc, scope = found
    carrier = _carrier(m, acc, scope)
    if carrier is None:
        return "the tensor carrying the graph is not found"
    scalar = _read_as_number(ctx, acc, scope) and not _unreduced(m, carrier, scope)
    method = "item" if scalar else "detach"
    text = short_text(carrier)
    start, end = ctx.src.start(carrier), ctx.src.end(carrier)
    if isinstance(carrier, _ATOMS):
        edits = (Edit(end, end, f".{method}()"),)
    else:
        edits = (Edit(start, start, "("), Edit(end, end, f").{method}()"))
    return Fix(f"accumulate {text}.{method}()", edits, True)


def _accumulation(ctx: Context, v: Violation):
    m = ctx.m
    for loop in m.loops:
        for acc in values.accumulations(m, loop):
            node = acc.node
            if (node.lineno, node.col_offset) == (v.line, v.col):
                return acc, loop.scope
    return None


def _carrier(m, acc: values.Accumulation, scope) -> Optional[ast.expr]:
    """The node through which the accumulated value holds a graph (the rule's carrier)."""
    name = acc.name
    candidates = [r for r in values.grad_roots(acc.value) if r.id != name]
    if isinstance(acc.value, ast.Call):
        candidates.append(acc.value)
    for cand in candidates:
        if values.carries_graph(m, cand, scope) or values.carries_model_loss(m, cand, scope):
            return cand
    return None


def _unreduced(m, carrier: ast.expr, scope) -> bool:
    """Some loss behind the carrier is called with a ``reduction=`` that may not be a
    mean or sum (``.item()`` needs one element)."""
    for origin, oscope in m.origins(carrier, scope):
        calls = [origin] + [o for o, _ in m.origins(origin.func, oscope)] if isinstance(
            origin, ast.Call) else []
        for call in calls:
            for k in getattr(call, "keywords", ()):
                if k.arg == "reduction" and not (isinstance(k.value, ast.Constant)
                                                 and k.value.value in ("mean", "sum")):
                    return True
    return False


def _read_as_number(ctx: Context, acc: values.Accumulation, scope) -> bool:
    """The accumulator starts as a number and every read of it outside the accumulation
    is one a Python number serves as well: arithmetic, comparison, a number builtin."""
    m = ctx.m
    name = acc.name
    if isinstance(acc.node, ast.Call):  # losses.append(loss): a list of tensors
        return False
    bindings = m.lookup(name, scope) or []
    starts = [b for b in bindings if b.node is not acc.target and not inside(b.node, acc.node)]
    if not starts or not all(isinstance(b.value, ast.Constant) and isinstance(b.value.value, (int, float))
                             and not isinstance(b.value.value, bool) for b in starts):
        return False
    root = m.root_of(scope)
    for node in walk(root):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load) \
                and not inside(node, acc.node) and not _number_use(m, node, scope):
            return False
    return True


def _number_use(m, node: ast.Name, scope) -> bool:
    parent = m.parent(node)
    while isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.FormattedValue, ast.JoinedStr)):
        node, parent = parent, m.parent(parent)
    if isinstance(parent, ast.Call) and node in parent.args:
        return m.resolve(parent.func, scope) in _NUMBER_READERS
    return isinstance(parent, ast.Expr)
