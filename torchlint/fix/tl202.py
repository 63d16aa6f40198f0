"""TL202 fix: assign a discarded ``.to()``/``.cuda()``/``.cpu()`` back (``x = x.to(device)``).

Safe for a device move of a name or attribute; unsafe for a dtype conversion
(every later use of the tensor sees the new dtype) and for an item
(``batch[0] = ...`` fails on a tuple). No fix when the tensor is an expression
nothing can be assigned to, or when a floating-point conversion would then reach
a module call (the module's weights keep their dtype: the fixed script would
fail with a dtype mismatch).
"""
from __future__ import annotations

import ast
from typing import Union

from torchlint.facts import devices
from torchlint.fix.context import Context
from torchlint.fix.edits import Edit, Fix
from torchlint.rule import Violation
from torchlint.syntax import walk

_MOVES = (devices.CPU, devices.ACCELERATOR, devices.DEVICE)
_FLOATS = frozenset({"float", "float16", "float32", "float64", "half", "double", "bfloat16"})


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    m = ctx.m
    call = next((c for c in ctx.nodes_at(v, ast.Call) if c in m.statement_calls), None)
    if call is None or not isinstance(call.func, ast.Attribute):
        return "the reported call is not found"
    scope = m.site_of(call).scope
    target = call.func.value
    if not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)):
        return "the tensor is not a name, attribute or item: nothing to assign it to"
    moves = devices.move_target(m, call, scope) in _MOVES and len(call.args) <= 1 and not any(
        k.arg == "dtype" for k in call.keywords)
    if not moves and isinstance(target, ast.Name) and _float_cast(m, call, scope) and \
            _fed_to_module(m, target.id, call, scope):
        return (f"{target.id} is then passed to a module, whose weights keep their dtype: "
                "assigning the conversion back would make the call fail")
    name = ctx.src.segment(target)
    safe = moves and not isinstance(target, ast.Subscript)
    at = ctx.src.start(call)
    return Fix(f"assign it back: {name} = {name}.{call.func.attr}(...)", (Edit(at, at, f"{name} = "),),
               safe)


def _float_cast(m, call: ast.Call, scope) -> bool:
    args = list(call.args) + [k.value for k in call.keywords if k.arg == "dtype"]
    return any((m.resolve(a, scope) or "").rsplit(".", 1)[-1] in _FLOATS for a in args)


def _fed_to_module(m, name: str, call: ast.Call, scope) -> bool:
    """``name`` is an argument of a module call after ``call`` in the same function."""
    root = m.root_of(scope)
    after = (call.end_lineno, call.end_col_offset)
    for node in walk(root):
        if (isinstance(node, ast.Call) and (node.lineno, node.col_offset) > after
                and any(isinstance(a, ast.Name) and a.id == name for a in node.args)
                and "module" in m.kinds(node.func, scope)):
            return True
    return False
