"""TL103 fix: move ``scheduler.step()`` to just after the statement of its block that runs
the optimizer step (the step itself, a helper call that steps, or the inner batch
loop), with the comment lines right above it.

Safe: the scheduler steps as often as before, after the optimizer, so the first
learning rate of the schedule is used instead of skipped. No fix when a
``return``/``break``/``continue`` stands between the two places (the scheduler
could then step less often), or when the step is not reached from the
scheduler's own block.
"""
from __future__ import annotations

from typing import Union

from torchlint.facts import loops, values
from torchlint.fix.context import Context, jumps_between, move_after, statement_reaching
from torchlint.fix.edits import Fix
from torchlint.rule import Violation
from torchlint.syntax import short_text


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    m = ctx.m
    for _loop, evs in loops.training_loops(m):
        for i, sched in enumerate(evs):
            if sched.kind != loops.SCHEDULER_STEP or (
                    sched.node.lineno, sched.node.col_offset) != (v.line, v.col):
                continue
            stmt = ctx.expression_statement(sched.node, sched.site.scope)
            if stmt is None:
                return "scheduler.step() is not a statement of its own"
            for step in _steps_after(m, sched, evs[i + 1:]):
                target = statement_reaching(ctx, sched, step)
                if target is None:
                    continue
                body, a, b = target
                if jumps_between(body[a + 1:b + 1]):
                    return "a return/break/continue between the two steps could skip the scheduler"
                return move_after(ctx, stmt, body[b], f"move {short_text(sched.node)} after "
                                                      f"{short_text(body[b])}")
            return "the optimizer step does not run from the scheduler's block"
    return "the reported scheduler step is not found"


def _steps_after(m, sched: loops.Event, later):
    """Steps of the scheduler's own optimizer after it, else every optimizer step after it."""
    steps = [e for e in later if e.kind == loops.STEP]  # an imported helper's too
    owners = values.scheduler_optimizers(m, sched.node.func.value, sched.site.scope)
    return [s for s in steps if s.receiver in owners] or steps
