"""TL503 fix: drop ``shuffle=True`` from a DataLoader that has a sampler (the sampler
decides the order; the pair raises ``ValueError``).

Safe when ``shuffle=True`` is written in the DataLoader call (or in a dict literal
spread into it). Unsafe when it comes from a dict bound to a name, which other
DataLoaders may share and would stop shuffling, and when the sampler is a
``DistributedSampler`` built here with ``shuffle=False``: that is set to ``True``
as the DataLoader asked, a choice the user should confirm.
"""
from __future__ import annotations

import ast
from typing import List, Union

from torchlint import known
from torchlint.facts import data
from torchlint.fix.context import Context
from torchlint.fix.edits import Edit, Fix, Span, delete_item
from torchlint.rule import Violation


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    m = ctx.m
    call = next((c for c in ctx.nodes_at(v, ast.Call)
                 if m.site_of(c) and data.is_dataloader(m, c, m.site_of(c).scope)), None)
    if call is None:
        return "the reported DataLoader is not found"
    scope = m.site_of(call).scope
    given, _complete = data.arguments(m, call, scope)
    shuffles = given.get("shuffle", [])
    if len(shuffles) != 1:
        return "shuffle is given more than once"
    value, _vscope = shuffles[0]
    edit, safe = _drop(ctx, call, value)
    if edit is None:
        return "shuffle=True cannot be removed without touching a comment"
    edits: List[Edit] = [edit]
    for sampler, sscope in data.argument_origins(m, given, "sampler"):
        turned = _sampler_shuffle(ctx, sampler, sscope)
        if turned is not None:
            edits.append(turned)
            safe = False
    where = "" if value in [k.value for k in call.keywords] else " (from the dict spread into it)"
    return Fix(f"drop shuffle=True{where}", tuple(edits), safe)


def _drop(ctx: Context, call: ast.Call, value: ast.expr):
    """The edit removing ``value`` as the loader's shuffle, and whether that is safe."""
    items = sorted(list(call.args) + list(call.keywords), key=lambda n: (n.lineno, n.col_offset))
    for i, item in enumerate(items):
        if isinstance(item, ast.keyword) and item.value is value:
            return delete_item(ctx.src, items, i), True
    if value in call.args:  # DataLoader(ds, 8, True, sampler): positional, keep the place
        return Edit(ctx.src.start(value), ctx.src.end(value), "False"), True
    parent = ctx.m.parent(value)
    if isinstance(parent, ast.Dict):
        if any(k is None for k in parent.keys):  # {**other, "shuffle": True}
            return None, False
        entries = [Span.of(k, v) for k, v in zip(parent.keys, parent.values)]
        index = next(i for i, v in enumerate(parent.values) if v is value)
        inline = any(k.arg is None and k.value is parent for k in call.keywords)
        return delete_item(ctx.src, entries, index), inline
    if isinstance(parent, ast.keyword) and isinstance(ctx.m.parent(parent), ast.Call):
        owner = ctx.m.parent(parent)  # dict(shuffle=True, ...)
        items = sorted(list(owner.args) + list(owner.keywords), key=lambda n: (n.lineno, n.col_offset))
        return delete_item(ctx.src, items, items.index(parent)), False
    return None, False


def _sampler_shuffle(ctx: Context, sampler: ast.AST, scope):
    """``DistributedSampler(..., shuffle=False)`` built here: the edit making it ``True``."""
    if data.qualname(ctx.m, sampler, scope) not in known.DISTRIBUTED_SAMPLERS:
        return None
    for k in sampler.keywords:
        if k.arg == "shuffle" and isinstance(k.value, ast.Constant) and k.value.value is False:
            return Edit(ctx.src.start(k.value), ctx.src.end(k.value), "True")
    return None
