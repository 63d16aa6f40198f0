"""Which loop to convert, and which way: the first step of both conversions.

A *plain* loop - one DataLoader, one optimizer, one backward, a scheduler of its
own, validation (if any) once per epoch - becomes a ``LightningModule`` run by a
``Trainer``: the loop's shape is the Trainer's. Anything else keeps its own shape
and goes to Lightning **Fabric**, which takes over devices, precision and
distribution but leaves the loop as written: several optimizers or backward calls
(a GAN), state carried from one batch to the next (truncated BPTT), a loop over a
``range`` / ``while`` rather than a DataLoader (nanoGPT, RL rollouts), a learning
rate set by hand, gradient accumulation over an inner micro-step loop, a loop in a
Trainer class of the script's own, validation inside the batch loop.
:func:`fabric_reasons` lists which of these a loop shows, with the user's names;
none means the module path.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from torchlint.facts import adoption, data, loops
from torchlint.lightning import statements
from torchlint.semantic import LoopInfo, Scope, SemanticModel, Site
from torchlint.syntax import short_text

MODULE = "module"
FABRIC = "fabric"
STYLES = (MODULE, FABRIC)


class GenerationError(Exception):
    """FILE has no training loop torchlint can convert (the message says why)."""


@dataclass
class Loop:
    """The training loop to convert and what it does."""

    info: LoopInfo  # the outermost training loop (an epoch loop stands for its batch loop)
    events: list
    others: List[int]  # lines of the file's other training loops
    path: str = MODULE
    reasons: List[str] = field(default_factory=list)  # why Fabric (empty: a plain loop)
    forced: bool = False  # the path was chosen with --style

    @property
    def backwards(self) -> List[loops.Event]:
        return [e for e in self.events if e.kind == loops.BACKWARD]

    @property
    def steps(self) -> List[loops.Event]:
        return [e for e in self.events if e.kind == loops.STEP]

    @property
    def scheduler_steps(self) -> List[loops.Event]:
        return [e for e in self.events if e.kind == loops.SCHEDULER_STEP]

    @property
    def line(self) -> int:
        return self.info.node.lineno


def choose(m: SemanticModel, filename: str, loop_line: Optional[int] = None,
           style: Optional[str] = None) -> Loop:
    """The loop at ``loop_line`` (default: the file's first), with its path: ``style`` if
    given, else :func:`fabric_reasons` decides."""
    if style is not None and style not in STYLES:
        raise GenerationError(f"unknown style {style!r}; use one of {', '.join(STYLES)}")
    if adoption.uses_lightning_already(m):
        raise GenerationError(f"{filename} already hands its loop to Lightning Fabric or Accelerate")
    primaries = adoption.primary_training_loops(m)
    chosen = [p for p in primaries if loop_line is None or p[0].node.lineno == loop_line]
    if not chosen:
        where = f" at line {loop_line}" if loop_line else ""
        lines = ", ".join(str(p[0].node.lineno) for p in primaries)
        hint = f" (its training loops start at lines {lines})" if lines and loop_line else ""
        raise GenerationError(f"no hand-written training loop (backward() and an optimizer step "
                              f"in a for/while loop) found in {filename}{where}{hint}")
    info, evs = chosen[0]
    loop = Loop(info, evs, [p[0].node.lineno for p in primaries if p[0] is not info])
    loop.reasons = fabric_reasons(m, info, evs)
    loop.path = style or (FABRIC if loop.reasons else MODULE)
    loop.forced = style is not None
    return loop


# ------------------------------------------------------------------ the reasons
def fabric_reasons(m: SemanticModel, loop: LoopInfo, evs) -> List[str]:
    """What a ``LightningModule`` + ``Trainer`` cannot take over as it stands, one short
    phrase each, with the script's names (empty: a plain loop)."""
    out: List[str] = []
    optimizers = optimizer_receivers(m, evs)
    if len(optimizers) > 1:
        out.append(f"steps {len(optimizers)} optimizers ({', '.join(optimizers)})")
    backwards = [e for e in evs if e.kind == loops.BACKWARD]
    if len({id(e.site.node) for e in backwards}) > 1:
        out.append(f"calls backward() {len(backwards)} times a step")
    if loop.function is not None and loop.function.cls is not None \
            and not m.is_nn_module(loop.function.cls):
        out.append(f"runs in class {loop.function.cls.name}")
    batch = batch_loop(m, loop, evs)
    if batch is not None and feeds_from_loader(m, batch) is False:
        kind = "a while loop" if isinstance(batch.node, ast.While) else short_text(batch.node.iter, 24)
        out.append(f"makes its own batches ({kind}, line {batch.node.lineno})")
    micro = micro_step_loop(m, loop, evs)
    if micro is not None:
        out.append(f"accumulates over micro-steps (line {micro.lineno})")
    carried = carried_state(m, loop, evs)
    if carried:
        out.append(f"carries {', '.join(carried[:2])} across batches")
    if sets_lr_by_hand(m, loop):
        out.append("sets the lr by hand")
    inner = validation_in_batch_loop(m, loop, evs)
    if inner is not None:
        out.append(f"validates inside the batch loop (line {inner})")
    rollout = rollout_call(m, loop)
    if rollout is not None:
        out.append(f"rolls out {rollout}")
    return out


def optimizer_receivers(m: SemanticModel, evs) -> List[str]:
    """The optimizers the loop steps, as written (``scaler.step(opt)`` counts ``opt``)."""
    out: List[str] = []
    for e in evs:
        if e.kind == loops.STEP and e.receiver and e.receiver not in out:
            out.append(e.receiver)
    return out


def loops_around(m: SemanticModel, loop: LoopInfo, event) -> List[LoopInfo]:
    """The loops from ``loop`` inwards that enclose an event (through helper calls)."""
    by_node = {id(lp.node): lp for lp in m.loops}
    out: List[LoopInfo] = []
    inside = False
    for site in event.via + (event.site,):
        for node in site.loops:
            if node is loop.node:
                inside = True
            if inside and id(node) in by_node and by_node[id(node)] not in out:
                out.append(by_node[id(node)])
    return out


def step_loop(m: SemanticModel, loop: LoopInfo, evs) -> LoopInfo:
    """The innermost loop around the (first) optimizer step: one iteration, one step."""
    steps = [e for e in evs if e.kind == loops.STEP]
    around = loops_around(m, loop, steps[0]) if steps else []
    return around[-1] if around else loop


def batch_loop(m: SemanticModel, loop: LoopInfo, evs) -> Optional[LoopInfo]:
    """The loop whose iteration is one batch: the innermost loop around the backward that
    iterates a DataLoader; else the loop around the optimizer step (an inner loop over
    micro-steps is not the batch loop)."""
    backwards = [e for e in evs if e.kind == loops.BACKWARD]
    if not backwards:
        return None
    around = loops_around(m, loop, backwards[0])
    fed = [lp for lp in around if feeds_from_loader(m, lp)]  # True: a DataLoader
    if fed:
        return fed[-1]
    return step_loop(m, loop, evs)


def feeds_from_loader(m: SemanticModel, lp: LoopInfo) -> Optional[bool]:
    """The loop iterates a ``DataLoader`` (through enumerate / tqdm / zip): True; a
    ``while``, a ``range`` or a literal: False; None when not known (a loader handed in
    from another module)."""
    if not isinstance(lp.node, (ast.For, ast.AsyncFor)):
        return False
    _target, _index, it = statements.unpack_loop(lp.node)
    if it is not None and "dataloader" in m.kinds(it, lp.scope):
        return True
    origins = data.iterated(m, lp.node.iter, lp.scope)
    if any(data.is_dataloader(m, node, scope) or "dataloader" in m.kinds(node, scope)
           for node, scope in origins):
        return True
    if origins and all(statements.is_range(node) or isinstance(node, (ast.List, ast.Tuple, ast.Constant))
                       for node, _scope in origins):
        return False
    return None


def micro_step_loop(m: SemanticModel, loop: LoopInfo, evs) -> Optional[ast.AST]:
    """A loop around the backward inside the loop around the optimizer step."""
    steps = [e for e in evs if e.kind == loops.STEP]
    backwards = [e for e in evs if e.kind == loops.BACKWARD]
    if not steps or not backwards:
        return None
    outer = step_loop(m, loop, evs)
    around = loops_around(m, loop, backwards[0])
    if outer in around and around.index(outer) < len(around) - 1:
        return around[-1].node
    return None


def carried_state(m: SemanticModel, loop: LoopInfo, evs) -> List[str]:
    """Names the batch loop carries from one batch to the next and computes with
    (``output, hidden = model(data, hidden)``, ``X, Y = get_batch()`` after the forward):
    bound by a call, read by a call before that, in the batch loop or the helper that
    does the step."""
    batch = batch_loop(m, loop, evs)
    if batch is None:
        return []
    skip = statements.target_names(getattr(batch.node, "target", None))
    bodies = [batch.node.body]
    backward = next(e for e in evs if e.kind == loops.BACKWARD)
    if backward.via and backward.site.function is not None and not backward.site.loops:
        bodies.append(backward.site.function.node.body)
    out: List[str] = []
    for body in bodies:
        called = {n for s in body for n in _call_bound(s)}
        for name in statements.carried_names(body, skip):
            if name in called and name not in out and _read_by_call(body, name):
                out.append(name)
    return out


def _call_bound(stmt: ast.stmt):
    for node in statements.walk_local(stmt):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for t in node.targets:
                yield from statements.target_names(t)


def _read_by_call(body, name: str) -> bool:
    for stmt in body:
        for node in statements.walk_local(stmt):
            if isinstance(node, ast.Call) and any(
                    isinstance(a, ast.Name) and a.id == name for a in node.args):
                return True
    return False


def sets_lr_by_hand(m: SemanticModel, loop: LoopInfo) -> bool:
    """``group["lr"] = ...`` in the loop (or the helpers it calls), or in the code
    around it after the optimizer exists (a loop that anneals between epochs)."""
    nodes = [loop.node] + [s.function.node for s, via in m.sites_in(loop) if via and s.function]
    owner = loop.function.node if loop.function is not None else m.tree
    nodes.append(owner)
    for node in nodes:
        for sub in statements.walk_local(node) if node is not owner else _after(owner, loop.node):
            if isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Store) \
                    and isinstance(sub.slice, ast.Constant) and sub.slice.value == "lr":
                return True
    return False


def _after(owner: ast.AST, loop_node: ast.AST):
    """Nodes of ``owner``'s own code that come at or after ``loop_node``."""
    for sub in statements.walk_local(owner):
        if getattr(sub, "lineno", 0) >= loop_node.lineno:
            yield sub


def validation_in_batch_loop(m: SemanticModel, loop: LoopInfo, evs) -> Optional[int]:
    """The line of an evaluation the batch loop runs (in its body or through a helper it
    calls): validation on a cadence of its own, not once per epoch."""
    batch = batch_loop(m, loop, evs)
    if batch is None:
        return None
    reached = {}
    for site, via in m.sites_in(batch):
        if via and site.function is not None:
            reached.setdefault(id(site.function.node), via[0])
    for inf in loops.inference_loops(m):
        lp = inf.loop
        if not inf.is_evaluation:
            continue
        if batch.node in lp.parents:
            return lp.node.lineno
        if lp.function is not None and id(lp.function.node) in reached:
            return reached[id(lp.function.node)].node.lineno
    return None


def rollout_call(m: SemanticModel, loop: LoopInfo) -> Optional[str]:
    """``env.step(action)``: an environment stepped in the loop (RL), as written."""
    for site, _via in m.sites_in(loop):
        func = site.node.func if site.is_call else None
        if isinstance(func, ast.Attribute) and func.attr == "step" \
                and not m.kinds(func.value, site.scope) & {"optimizer", "scheduler", "grad_scaler"} \
                and "env" in ast.unparse(func.value).lower():
            return f"{ast.unparse(func)}()"
    return None


# ------------------------------------------------------------------ shared facts
def scope_of_node(m: SemanticModel, node: ast.AST) -> Scope:
    """The scope a statement or expression runs in."""
    fn = statements.enclosing_function(m.parent, node)
    return m.scope_of(fn) if fn is not None else m.module_scope


def site_chain(event) -> Tuple[Site, ...]:
    return event.via + (event.site,)
