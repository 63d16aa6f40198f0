"""TL502 fix: ``sampler.set_epoch(epoch)`` as the first statement of the epoch loop.

The sampler is named as the epoch loop can reach it: its own name when that
still holds it there, else the object the training loop iterates plus
``.sampler`` / ``.batch_sampler.sampler`` (``loader.sampler``,
``self.train_data.sampler`` from another method of the same class). No fix when
the epoch loop has no counter (``for _ in ...``, ``while``) or the sampler
cannot be named from it. Safe: each epoch gets its own shuffle, as
``DistributedSampler`` is documented to need.
"""
from __future__ import annotations

import ast
from typing import Optional, Union

from torchlint import known
from torchlint.facts import data
from torchlint.fix.context import Context
from torchlint.fix.edits import Fix
from torchlint.rule import Violation

_UNWRAP = frozenset({"builtins.enumerate", "builtins.iter"})


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    m = ctx.m
    reason = "the reported epoch loop is not found"
    for feed in data.sampler_feeds(m):
        holder, hscope, loop, epoch = feed.node, feed.scope, feed.passes, data.feed_epoch(ctx.m, feed)
        if epoch is None or (epoch.node.lineno, epoch.node.col_offset) != (v.line, v.col):
            continue
        target = getattr(epoch.node, "target", None)
        if not isinstance(target, ast.Name) or target.id == "_":
            return "the epoch loop has no epoch counter to pass"
        for found in data.distributed_samplers(m, holder, hscope):
            name = _name(ctx, found, holder, hscope, loop, epoch)
            if name is None:
                reason = "the sampler cannot be named from the epoch loop"
                continue
            place = ctx.top_of(epoch.node.body)
            if place is None:
                return "the epoch loop's body starts on its header's line"
            line, indent = place
            call = f"{name}.set_epoch({target.id})"
            return Fix(f"call {call} first in each epoch",
                       (ctx.src.insert_lines(line, [call], indent),), True)
    return reason


def _name(ctx: Context, found: data.EpochSampler, holder, hscope, loop, epoch) -> Optional[str]:
    """An expression that is the sampler at the top of the epoch loop."""
    sampler = found.node
    if found.imported is None:
        own = _reachable(ctx, data.bound_name(ctx.m, sampler), sampler, epoch)
        if own is not None:
            return own
    path = _path(ctx.m, holder, hscope, sampler) if found.imported is None else found.imported
    if path is None:
        return None
    base = _reachable(ctx, data.bound_name(ctx.m, holder), holder, epoch)
    if base is None and loop is not None and isinstance(loop.node, (ast.For, ast.AsyncFor)):
        base = _reachable(ctx, _iterated_text(ctx, loop), holder, epoch)
    return base + path if base is not None else None


def _reachable(ctx: Context, name: Optional[str], value, epoch) -> Optional[str]:
    """``name`` (``x`` or ``self.x``) when it holds ``value`` at the top of the epoch loop."""
    if not name:
        return None
    if name.startswith("self."):
        cls = ctx.m.enclosing_class(epoch.scope)
        attr = name[len("self."):]
        if cls is None or "." in attr or not cls.attrs.get(attr):
            return None
        return name if all(_holds_value(ctx.m, v, s, value) for v, s in cls.attrs[attr]) else None
    return name if name.isidentifier() and ctx.holds(name, epoch.scope, epoch.node, value) else None


def _holds_value(m, assigned, scope, value) -> bool:
    return assigned is value or all(o is value for o, _s in m.origins(assigned, scope))


def _iterated_text(ctx: Context, loop) -> Optional[str]:
    """``loader`` / ``self.train_data`` in ``for b in enumerate(tqdm(loader))``."""
    expr = loop.node.iter
    while isinstance(expr, ast.Call) and expr.args and (
            known.is_iter_wrapper(ctx.m.resolve(expr.func, loop.scope) or "")
            or ctx.m.resolve(expr.func, loop.scope) in _UNWRAP):
        expr = expr.args[0]
    if isinstance(expr, ast.Name) or (isinstance(expr, ast.Attribute) and isinstance(
            expr.value, ast.Name) and expr.value.id == "self"):
        return ctx.src.segment(expr)
    return None


def _path(m, holder, hscope, sampler) -> Optional[str]:
    """The attributes leading from ``holder`` (a DataLoader or BatchSampler) to ``sampler``."""
    if holder is sampler:
        return ""
    given, _complete = data.arguments(m, holder, hscope)
    for name in ("sampler", "batch_sampler"):
        for node, ns in data.argument_origins(m, given, name):
            if node is sampler:
                return f".{name}"
            if data.qualname(m, node, ns) in known.BATCH_SAMPLERS:
                inner = _path(m, node, ns, sampler)
                if inner is not None:
                    return f".{name}{inner}"
    return None
