"""TL103: lr_scheduler.step() before optimizer.step() in one iteration (see rules/TL103/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator, List

from torchlint.facts import loops, values
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import LoopInfo, SemanticModel
from torchlint.syntax import short_text

# comparisons that keep a guarded call out of the first iteration (``if epoch > 0:``)
_LATER_ITERATIONS = (ast.Gt, ast.GtE, ast.NotEq)


class SchedulerStepBeforeOptimizerStep(Rule):
    """Learning-rate scheduler stepped before the optimizer in the same iteration."""

    code = "TL103"
    name = "scheduler-step-before-optimizer-step"
    fix = "safe"  # torchlint/fix/tl103.py
    message = "{sched} before {step} skips the first learning rate"
    hint = "call it after {step}"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        reported = set()
        for loop, evs in loops.training_loops(m):
            for i, sched in enumerate(evs):
                if sched.kind != loops.SCHEDULER_STEP or sched.origin is not None:
                    continue
                call = sched.node
                # step(metric) is ReduceLROnPlateau (no skipped value); step(epoch) is explicit
                if id(call) in reported or call.args or call.keywords:
                    continue
                if values.built_as_other_than(m, call.func.value, sched.site.scope, "scheduler"):
                    continue  # a hand-written scheduler: no value of PyTorch's schedule skipped
                steps = _stepped_with(m, sched, evs)
                if _guarded(m, loop, sched, steps):
                    continue
                earlier = {id(e) for e in evs[:i]}
                if not steps or any(id(s) in earlier and not loops.exclusive(m, s, sched) for s in steps):
                    continue  # the optimizer already stepped earlier in the iteration
                later = next((s for s in steps if loops.runs_before(m, sched, s)), None)
                if later is not None:
                    reported.add(id(call))
                    yield self.violation(call, sched=short_text(call), step=short_text(later.node))


def _stepped_with(m: SemanticModel, sched: loops.Event, evs: List[loops.Event]) -> List[loops.Event]:
    """Steps of the scheduler's own optimizer (``StepLR(opt, ...)``), or of the only
    optimizer the loop steps when the scheduler's cannot be told."""
    steps = [e for e in evs if e.kind == loops.STEP]  # an imported helper's too (Event.origin)
    recv = sched.node.func.value
    owners = values.scheduler_optimizers(m, recv, sched.site.scope)
    mine = [s for s in steps if s.receiver in owners]
    if mine:
        return mine
    return steps if len({s.receiver for s in steps}) == 1 else []


def _guarded(m: SemanticModel, loop: LoopInfo, sched: loops.Event, steps: List[loops.Event]) -> bool:
    """Under an ``if`` (inside the loop) that may skip the first iteration: a test
    comparing with ``>``, ``>=`` or ``!=``, or the ``else:``/``elif`` of a test that may
    change between iterations (``if i < warmup: ... else:``; not ``if use_amp: ... else:``,
    whose branch runs from the first iteration on if it runs at all), while some step of
    the scheduler's optimizer lies outside that branch and may have run in an earlier
    iteration. A branch that holds every step of it (``if epoch < warm: train(warm_opt)
    else: sched.step(); train(joint_opt)``) first steps the scheduler before its optimizer
    ever stepped."""
    for depth, site in enumerate(sched.via + (sched.site,)):
        path = m.statement_path(site.node, site.scope) or ()
        if depth == 0:
            inside = [i for i, step in enumerate(path) if step[0] is loop.node]
            path = path[inside[0] + 1:] if inside else ()
        for owner, field_name, _ in path:
            if isinstance(owner, ast.If) and (_later_only(owner.test) or field_name == "orelse" and not
                                              loops.same_every_iteration(m, owner.test, site, sched.via)) \
                    and not all(_within(m, s, owner, field_name) for s in steps):
                return True
    return False


def _within(m: SemanticModel, ev: loops.Event, owner: ast.If, field_name: str) -> bool:
    """The event happens inside the ``body``/``orelse`` block ``field_name`` of ``owner``."""
    return any(step[0] is owner and step[1] == field_name
               for site in ev.via + (ev.site,) for step in m.statement_path(site.node, site.scope) or ())


def _later_only(test: ast.expr) -> bool:
    return any(isinstance(n, ast.Compare) and any(isinstance(op, _LATER_ITERATIONS) for op in n.ops)
               for n in ast.walk(test))
