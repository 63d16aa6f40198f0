"""TL602 fix: wrap the evaluation loop in ``with torch.no_grad():`` (the loop's lines
indented one level more, lines inside multi-line strings left as they are); for a
finding at an eval-mode helper call in a loop that also trains, wrap that call's
statement instead.

Safe when nothing the loop (statement) computes outlives it as a tensor: every name it
assigns or appends to that is read after the loop holds a Python number
(``.item()``, ``.tolist()``, ``float()``, ...). Unsafe otherwise (``outputs.append
(model(x))`` read later, a ``yield``/``return`` in the loop, an attribute
written): those tensors no longer carry a graph, which breaks code that
differentiates them later.
"""
from __future__ import annotations

import ast
from typing import Set, Union

from torchlint.facts import loops, modes
from torchlint.fix.context import Context
from torchlint.fix.edits import Edit, Fix
from torchlint.rule import Violation
from torchlint.syntax import walk

_NUMBERS = frozenset({"item", "tolist"})
_NUMBER_BUILTINS = frozenset({"builtins.float", "builtins.int", "builtins.bool", "builtins.len",
                              "builtins.round", "builtins.str"})
_COLLECTORS = frozenset({"append", "extend", "insert", "add", "update"})


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    m = ctx.m
    where = None
    for found in loops.inference_loops(m):
        for node in [found.loop.node] + [modes.no_grad_target(m, found, fw) for fw in found.forwards]:
            if (node.lineno, node.col_offset) == (v.line, v.col):
                where, scope = node, found.loop.scope
    if where is None:
        return "the reported loop is not found"
    what = "the loop"
    if isinstance(where, ast.Call):  # a helper call in a loop that also trains
        what = "the call"
        while where is not None and not isinstance(where, ast.stmt):
            where = m.parent(where)
        if not isinstance(where, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign)):
            return "the call is part of a compound statement"
    src = ctx.src
    lines = src.whole_lines(where)
    if lines is None:
        return f"{what} shares a line with other code"
    torch, imports = ctx.torch_name()
    if not torch:
        return "`torch` names something else in this file"
    indent = src.indent(where.lineno)
    body = getattr(where, "body", None)
    body_indent = src.indent(body[0].lineno) if body else ""
    unit = body_indent[len(indent):] if body and body_indent.startswith(indent) and \
        body[0].lineno > where.lineno and len(body_indent) > len(indent) else "    "
    text = indent + f"with {torch}.no_grad():" + src.newline + src.reindent(
        lines[0], lines[1], indent, indent + unit)
    edit = Edit(src.line_start(lines[0]), src.line_end(lines[1]), text)
    safe = not _escapes(ctx, where, scope)
    return Fix(f"wrap {what} in `with {torch}.no_grad():`", imports + (edit,), safe)


def _escapes(ctx: Context, node, scope) -> bool:
    """Some tensor the loop (or statement) computes may be used after it (see the
    module docstring)."""
    m = ctx.m
    stored: dict = {}  # name -> values stored into it in the loop
    for sub in walk(node):
        if isinstance(sub, (ast.Yield, ast.YieldFrom, ast.Return)):
            return True
        if isinstance(sub, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            for target in targets:
                if isinstance(target, ast.Attribute):
                    return True
                for name in _names(target):
                    stored.setdefault(name, []).append(sub.value)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and \
                sub.func.attr in _COLLECTORS and isinstance(sub.func.value, ast.Name):
            stored.setdefault(sub.func.value.id, []).extend(sub.args)
    loop_targets = _names(node.target) if isinstance(node, (ast.For, ast.AsyncFor)) else set()
    read_after = _read_after(m, node, scope)
    return any(name in read_after and name not in loop_targets
               and not all(_number(m, value, scope) for value in values if value is not None)
               for name, values in stored.items())


def _names(target: ast.AST) -> Set[str]:
    return {n.id for n in walk(target) if isinstance(n, ast.Name)}


def _read_after(m, node, scope) -> Set[str]:
    root = m.root_of(scope)
    end = (node.end_lineno, node.end_col_offset)
    return {n.id for n in walk(root) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            and (n.lineno, n.col_offset) > end}


def _number(m, value: ast.AST, scope) -> bool:
    """``value`` is a Python number (or list of numbers) whatever the tensors in it."""
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.BinOp):
        return _number(m, value.left, scope) and _number(m, value.right, scope)
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in _NUMBERS:
            return True
        return m.resolve(func, scope) in _NUMBER_BUILTINS
    return False
