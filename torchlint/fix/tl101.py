"""TL101 fix: clear the gradients once per iteration: ``optimizer.zero_grad()`` as the
first statement of the iteration (the innermost loop around the step, or the
step helper that runs ``backward()`` and ``step()`` once per call).

Where the step is conditional (``if (i + 1) % k == 0: optimizer.step()``,
gradient accumulation) or ``backward()`` runs elsewhere, the clearing goes right
after the step instead, so accumulated gradients are used before they are
cleared. For a step inside an imported helper, the optimizer is the argument of
the call that is an optimizer. Safe: the iteration computes what it did before,
from this iteration's gradients only.
"""
from __future__ import annotations

import ast
from typing import Optional, Union

from torchlint.facts import loops, values
from torchlint.fix.context import Context, inside
from torchlint.fix.edits import Fix
from torchlint.rule import Violation
from torchlint.semantic import FUNCTION_NODES, LOOP_NODES

_BRANCHES = (ast.If, ast.Match, ast.Try) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    found = _step(ctx, v)
    if found is None:
        return "the reported step is not found"
    step, evs = found
    scope = step.site.scope
    if step.origin is not None:
        optimizer = _optimizer_argument(ctx, step)
        loop = values.innermost_loop(ctx.m, step.node, scope)
        if optimizer is None or loop is None:
            return "the optimizer handed to the helper is not one argument"
        return _insert_top(ctx, loop.body, optimizer)
    receiver = step.receiver
    if not receiver or not _plain(step, receiver):
        return "the stepped optimizer is not a name or attribute"
    loop = values.innermost_loop(ctx.m, step.node, scope)
    backward_before = any(e.kind == loops.BACKWARD and e.site.scope is scope
                          and (e.node.lineno, e.node.col_offset) < (step.node.lineno, step.node.col_offset)
                          and (loop is None or inside(e.node, loop)) for e in evs)
    if backward_before and not _conditional(ctx, step, loop):
        if loop is not None:
            return _insert_top(ctx, loop.body, receiver)
        function = ctx.m.root_of(scope)
        if isinstance(function, FUNCTION_NODES):
            return _insert_top(ctx, function.body, receiver, skip_docstring=True)
    stmt = ctx.expression_statement(step.node, scope)
    if stmt is None:
        return "the step is not a statement of its own"
    lines = ctx.src.whole_lines(stmt)
    edit = ctx.src.insert_lines(lines[1] + 1, [f"{receiver}.zero_grad()"], ctx.src.indent(stmt.lineno))
    return Fix(f"call {receiver}.zero_grad() after the step", (edit,), True)


def _step(ctx: Context, v: Violation):
    for _loop, evs in loops.training_loops(ctx.m):
        for ev in evs:
            if ev.kind == loops.STEP and (ev.node.lineno, ev.node.col_offset) == (v.line, v.col):
                return ev, evs
    return None


def _insert_top(ctx: Context, body, receiver: str, skip_docstring: bool = False) -> Union[Fix, str]:
    place = ctx.top_of(body, skip_docstring)
    if place is None:
        return "the loop body starts on its header's line"
    line, indent = place
    return Fix(f"call {receiver}.zero_grad() first in each iteration",
               (ctx.src.insert_lines(line, [f"{receiver}.zero_grad()"], indent),), True)


def _optimizer_argument(ctx: Context, step: loops.Event) -> Optional[str]:
    call = step.node
    found = [a for a in list(call.args) + [k.value for k in call.keywords]
             if "optimizer" in ctx.m.kinds(a, step.site.scope)]
    if len(found) != 1 or not isinstance(found[0], (ast.Name, ast.Attribute)):
        return None
    return ctx.src.segment(found[0])


def _plain(step: loops.Event, receiver: str) -> bool:
    """The receiver text names the optimizer as written (``opt``, ``self.opt``)."""
    call = step.node
    node = call.args[0] if receiver != ast.unparse(call.func.value) and call.args else call.func.value
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _conditional(ctx: Context, step: loops.Event, loop) -> bool:
    """The step runs under a branch inside its loop (or function): not every iteration."""
    path = ctx.m.statement_path(step.node, step.site.scope) or ()
    at_loop = [i for i, (owner, _f, _i) in enumerate(path) if owner is loop]
    start = at_loop[-1] + 1 if at_loop else 0
    return any(isinstance(owner, _BRANCHES) and not (isinstance(owner, ast.Try) and f == "body")
               for owner, f, _i in path[start:]) or any(
        isinstance(owner, LOOP_NODES) for owner, _f, _i in path[start:])
