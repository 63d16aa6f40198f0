"""TL102 fix: move the ``zero_grad()`` that sits between ``backward()`` and ``step()`` to
just after the step (the statement of its block that runs the step), where it clears
the gradients the step has used. Comment lines right above it move with it.

Safe: gradients are still cleared once per iteration, now after they are used.
No fix when a ``return``/``break``/``continue`` stands between the two places
(the clearing could be skipped), or when the step is not reached from the
``zero_grad()``'s own block.
"""
from __future__ import annotations

from typing import Union

from torchlint.facts import loops
from torchlint.fix.context import Context, jumps_between, move_after, statement_reaching
from torchlint.fix.edits import Fix
from torchlint.rule import Violation
from torchlint.syntax import short_text


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    found = _zero_and_step(ctx, v)
    if found is None:
        return "the zero_grad() and its step are not found"
    zero, step = found
    scope = zero.site.scope
    stmt = ctx.expression_statement(zero.node, scope)
    if stmt is None:
        return "zero_grad() is not a statement of its own"
    target = statement_reaching(ctx, zero, step)
    if target is None:
        return "the step does not run from zero_grad()'s block"
    body, i, j = target
    if jumps_between(body[i + 1:j + 1]):
        return "a return/break/continue between zero_grad() and the step could skip the clearing"
    return move_after(ctx, stmt, body[j], f"move {short_text(zero.node)} after "
                                          f"{short_text(body[j])}")


def _zero_and_step(ctx: Context, v: Violation):
    for _loop, evs in loops.training_loops(ctx.m):
        for i, ev in enumerate(evs):
            if ev.kind == loops.ZERO_GRAD and ev.origin is None and (
                    ev.node.lineno, ev.node.col_offset) == (v.line, v.col):
                step = next((e for e in evs[i + 1:] if e.kind == loops.STEP and e.origin is None), None)
                if step is not None:
                    return ev, step
    return None
