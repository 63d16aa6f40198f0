"""What a hand-written training loop re-implements that Lightning's Trainer provides.

Shared by TL901 (the suggestion) and ``torchlint lightning`` (the generator). Facts
come from the semantic model and :mod:`torchlint.loops`; nothing here imports torch.

Which way Lightning can take the loop over (:func:`fabric_reasons`): a plain loop
(one DataLoader, one optimizer, one backward, a scheduler of its own, validation once
per epoch) has the shape of Lightning's ``Trainer``; anything else - several
optimizers or backward calls, state carried across batches, batches made by the loop
itself (``range`` / ``while``, RL rollouts), a learning rate set by hand, micro-step
accumulation, a loop in a Trainer class of the script's own, validation inside the
batch loop - keeps its shape under Lightning Fabric. TL901 names the way in its
message; ``torchlint lightning`` takes it.

A loop's *context* is what runs around it: the loop body (same-file helpers
followed), the function that holds the loop (or the module, for a script-level
loop), and the functions that call that function (two levels up), where setup
such as ``DistributedDataParallel(model)`` or ``GradScaler()`` usually sits.
"""
from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Set, Tuple

from torchlint import known
from torchlint.facts import data, loops
from torchlint.semantic import LoopInfo, SemanticModel, Site, memoized
from torchlint.syntax import short_text

# In report order. The step sequence is in every training loop by definition.
CONCERNS = ("step", "device", "amp", "ddp", "checkpoint", "logging", "clipping", "accumulation")
LABELS = {
    "step": "zero_grad/backward/step",
    "device": "device moves",
    "amp": "AMP",
    "ddp": "DDP",
    "checkpoint": "checkpointing",
    "logging": "logging",
    "clipping": "gradient clipping",
    "accumulation": "gradient accumulation",
}
SHORT_LABELS = {
    "step": "step", "device": "devices", "amp": "AMP", "ddp": "DDP", "checkpoint": "checkpoints",
    "logging": "logging", "clipping": "clipping", "accumulation": "accumulation",
}
DEVICE_NAMES = frozenset({"device", "dev", "gpu", "local_rank", "rank", "cuda_device"})
DEVICE_STRINGS = frozenset({"cuda", "cpu", "mps", "xpu", "xla", "hpu", "npu"})
CALLER_LEVELS = 2


@memoized
def primary_training_loops(m: SemanticModel) -> List[Tuple[LoopInfo, list]]:
    """Training loops not inside another training loop, directly or through a helper
    (an epoch loop that calls ``train_one_epoch()`` covers the batch loop in it)."""
    found = list(loops.training_loops(m))
    if not found or uses_lightning_already(m):
        return []
    training = {id(lp.node) for lp, _evs in found}
    covered = set()
    for loop, _evs in found:
        for site, via in m.sites_in(loop):
            if via:  # loops of helpers the loop calls
                covered.update(id(n) for n in site.loops)
        if any(id(p) in training for p in loop.parents):  # nested in a training loop
            covered.add(id(loop.node))
    # a loop whose backward() happens in an imported module is that module's to convert
    return [(lp, evs) for lp, evs in found if id(lp.node) not in covered
            and any(e.kind == loops.BACKWARD and e.origin is None for e in evs)]


def uses_lightning_already(m: SemanticModel) -> bool:
    """The file builds a Lightning ``Fabric`` or an ``accelerate.Accelerator``: its loop
    already hands devices, precision and distribution to a library."""
    return any(s.is_call and m.resolve(s.node.func, s.scope) in known.BACKWARD_WRAPPERS
               for s in m.sites)


def context_owners(m: SemanticModel, loop: LoopInfo) -> list:
    """The loop, its function and that function's callers (up to CALLER_LEVELS), and
    None for module-level code when the loop runs there or from there."""
    owners = [loop, loop.function] if loop.function is not None else [loop]
    function = loop.function
    for _ in range(CALLER_LEVELS):
        if function is None:
            break
        callers = m.callers(function)
        owners += [c.function for c in callers if c.function is not None]
        function = callers[0].function if callers else None
    if loop.function is None or any(o is None for o in owners):
        owners.append(None)  # module-level code
    return owners


def context_sites(m: SemanticModel, loop: LoopInfo) -> Iterator[Tuple[Site, Tuple[Site, ...]]]:
    """Sites in the loop, its function and that function's callers (helpers followed),
    each once."""
    seen = set()
    for owner in context_owners(m, loop):
        stream = m.sites_in(owner) if owner is not None else ((s, ()) for s in m.module_sites)
        for site, via in stream:
            if id(site.node) not in seen:
                seen.add(id(site.node))
                yield site, via


@memoized
def owner_concerns(m: SemanticModel, owner) -> Dict[str, List[Site]]:
    """Concern -> the sites of one owner (a loop, a function with its helpers, or None:
    module-level code) that show it, in source order. Computed once per owner, so a
    file with many loops costs linear time."""
    stream = m.sites_in(owner) if owner is not None else ((s, ()) for s in m.module_sites)
    found: Dict[str, List[Site]] = {}
    for site, _via in stream:
        kind = concern_of(m, site)
        if kind is not None:
            found.setdefault(kind, []).append(site)
    return found


def concerns(m: SemanticModel, loop: LoopInfo, evs) -> Dict[str, Site]:
    """Concern -> the first site that shows it, in CONCERNS order."""
    found: Dict[str, Site] = {}
    steps = [e.site for e in evs if e.kind == loops.STEP]
    if steps:
        found["step"] = steps[0]
    accumulating = next((s for s in steps if is_accumulation_step(m, s)), None)
    if accumulating is not None:
        found["accumulation"] = accumulating
    for owner in context_owners(m, loop):
        for kind, sites in owner_concerns(m, owner).items():
            found.setdefault(kind, sites[0])
    return {c: found[c] for c in CONCERNS if c in found}


def concern_sites(m: SemanticModel, loop: LoopInfo, evs) -> Dict[str, List[Site]]:
    """Concern -> every site that shows it (source order within each part of the
    context), in CONCERNS order."""
    found: Dict[str, List[Site]] = {}
    steps = [e.site for e in evs if e.kind == loops.STEP]
    if steps:
        found["step"] = steps
    accumulating = [s for s in steps if is_accumulation_step(m, s)]
    if accumulating:
        found["accumulation"] = accumulating
    seen = set()
    for owner in context_owners(m, loop):
        for kind, sites in owner_concerns(m, owner).items():
            for site in sites:
                if id(site.node) not in seen:
                    seen.add(id(site.node))
                    found.setdefault(kind, []).append(site)
    return {c: found[c] for c in CONCERNS if c in found}


def concern_of(m: SemanticModel, site: Site) -> Optional[str]:
    if not site.is_call:
        return None
    if is_device_move(m, site.node, site.scope):
        return "device"
    q = m.resolve(site.node.func, site.scope)
    if q is None:
        return None
    if q in known.GRAD_SCALERS or q in known.AUTOCAST_CONTEXTS:
        return "amp"
    if q in known.DATA_PARALLEL_CLASSES or q in known.DISTRIBUTED_SETUP \
            or q in known.DISTRIBUTED_SAMPLERS:
        return "ddp"
    if q in known.CHECKPOINT_SAVERS:
        return "checkpoint"
    if q in known.METRIC_LOGGERS:
        return "logging"
    if q in known.GRAD_CLIPPERS:
        return "clipping"
    return None


def is_device_move(m: SemanticModel, call: ast.Call, scope) -> bool:
    """``x.cuda()``, ``x.to(device)``, ``x.to("cuda")``, ``x.to(device=d, non_blocking=True)``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "cuda":
        return m.resolve(func, scope) is None
    if func.attr != "to":
        return False
    if any(k.arg == "non_blocking" for k in call.keywords):
        return True
    targets = call.args[:1] + [k.value for k in call.keywords if k.arg == "device"]
    return any(is_device_value(m, t, scope) for t in targets)


def is_device_value(m: SemanticModel, expr: ast.expr, scope) -> bool:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value.split(":")[0] in DEVICE_STRINGS
    if isinstance(expr, ast.JoinedStr) and expr.values and isinstance(expr.values[0], ast.Constant):
        return str(expr.values[0].value).split(":")[0] in DEVICE_STRINGS
    if isinstance(expr, ast.Call):
        return m.resolve(expr.func, scope) in known.DEVICE_CONSTRUCTORS
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", None)
    if name is None:
        return False
    if name in DEVICE_NAMES or name.endswith("_device"):
        return True
    return "device" in m.kinds(expr, scope)


def is_accumulation_step(m: SemanticModel, site: Site) -> bool:
    """An optimizer step under ``if (i + 1) % k == 0:`` (or any ``%`` test)."""
    return accumulation_modulus(m, site.node) is not None


def accumulation_modulus(m: SemanticModel, node: ast.AST) -> Optional[ast.expr]:
    """The ``k`` of the innermost enclosing ``if ... % k ...:`` test, within the function."""
    stops = (ast.FunctionDef, ast.AsyncFunctionDef, ast.For, ast.While, ast.Module)
    current = m.parent(node)
    while current is not None and not isinstance(current, stops):
        if isinstance(current, ast.If):
            for sub in ast.walk(current.test):
                if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Mod) and not (
                        isinstance(sub.left, ast.Constant) and isinstance(sub.left.value, str)):
                    return sub.right
        current = m.parent(current)
    return None


def describe(found: Dict[str, Site]) -> str:
    return ", ".join(LABELS[c] for c in found)


def describe_short(found: Dict[str, Site]) -> str:
    """The concerns in a word each, for TL901's one-line message."""
    return ", ".join(SHORT_LABELS[c] for c in found)


# ------------------------------------------------------------ the loop's shape
def _most_together(m: SemanticModel, nodes: List[ast.AST]) -> int:
    """How many of these calls one pass can run: not two in different branches of the
    same ``if`` (``if amp: scaler.scale(loss).backward()`` / ``else: loss.backward()``)."""
    def branch_path(node):
        path, child, current = {}, node, m.parent(node)
        while current is not None:
            if isinstance(current, ast.If):
                path[id(current)] = any(child is s for s in current.body)
            child, current = current, m.parent(current)
        return path

    paths = [branch_path(n) for n in nodes]

    def exclusive(a, b):
        return any(k in b and b[k] != v for k, v in a.items())

    best = 1
    for mask in range(1, 1 << min(len(nodes), 10)):
        chosen = [paths[i] for i in range(len(paths)) if mask >> i & 1]
        if len(chosen) > best and not any(exclusive(a, b) for i, a in enumerate(chosen)
                                          for b in chosen[i + 1:]):
            best = len(chosen)
    return best


def fabric_reasons(m: SemanticModel, loop: LoopInfo, evs) -> List[str]:
    """What a ``LightningModule`` + ``Trainer`` cannot take over as it stands, one short
    phrase each, with the script's names (empty: a plain loop)."""
    out: List[str] = []
    optimizers = optimizer_receivers(m, evs)
    if len(optimizers) > 1:
        out.append(f"steps {len(optimizers)} optimizers ({', '.join(optimizers)})")
    sites = list({id(e.site.node): e.site.node for e in evs if e.kind == loops.BACKWARD}.values())
    if len(sites) > 1:
        together = _most_together(m, sites)
        out.append(f"calls backward() {together} times a step" if together > 1 else
                   f"calls backward() in {len(sites)} exclusive branches")
    if loop.function is not None and loop.function.cls is not None \
            and not m.is_nn_module(loop.function.cls):
        out.append(f"runs in class {loop.function.cls.name}")
    batch = batch_loop(m, loop, evs)
    if batch is not None and feeds_from_loader(m, batch) is False:
        kind = "a while loop" if isinstance(batch.node, ast.While) else short_text(
            _unwrapped(m, batch.node.iter, batch.scope), 24)
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
    if "dataloader" in m.kinds(_unwrapped(m, lp.node.iter, lp.scope), lp.scope):
        return True
    origins = data.iterated(m, lp.node.iter, lp.scope)
    if any(data.is_dataloader(m, node, scope) or "dataloader" in m.kinds(node, scope)
           for node, scope in origins):
        return True
    if origins and all(is_range(node) or isinstance(node, (ast.List, ast.Tuple, ast.Constant))
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
    skip = target_names(getattr(batch.node, "target", None))
    bodies = [batch.node.body]
    backward = next(e for e in evs if e.kind == loops.BACKWARD)
    if backward.via and backward.site.function is not None and not backward.site.loops:
        bodies.append(backward.site.function.node.body)
    out: List[str] = []
    for body in bodies:
        called = {n for s in body for n in _call_bound(s)}
        for name in carried_names(body, skip):
            if name in called and name not in out and _read_by_call(body, name):
                out.append(name)
    return out


def _call_bound(stmt: ast.stmt):
    for node in walk_local(stmt):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for t in node.targets:
                yield from target_names(t)


def _read_by_call(body, name: str) -> bool:
    for stmt in body:
        for node in walk_local(stmt):
            if isinstance(node, ast.Call) and any(
                    isinstance(a, ast.Name) and a.id == name for a in node.args):
                return True
    return False


def sets_lr_by_hand(m: SemanticModel, loop: LoopInfo) -> bool:
    """``group["lr"] = ...`` in the loop (or the helpers it calls), or in the code
    around it after the optimizer exists (a loop that anneals between epochs)."""
    nodes = [loop.node]  # each helper once, however many of its calls the loop reaches
    for s, via in m.sites_in(loop):
        if via and s.function and s.function.node not in nodes:
            nodes.append(s.function.node)
    owner = loop.function.node if loop.function is not None else m.tree
    nodes.append(owner)
    for node in nodes:
        for sub in walk_local(node) if node is not owner else _after(owner, loop.node):
            if isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Store) \
                    and isinstance(sub.slice, ast.Constant) and sub.slice.value == "lr":
                return True
    return False


def _after(owner: ast.AST, loop_node: ast.AST):
    """Nodes of ``owner``'s own code that come at or after ``loop_node``."""
    for sub in walk_local(owner):
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


def _unwrapped(m: SemanticModel, expr: ast.expr, scope) -> ast.expr:
    """``loader`` of ``enumerate(tqdm(loader))``."""
    for _ in range(4):
        if not (isinstance(expr, ast.Call) and expr.args):
            break
        q = m.resolve(expr.func, scope) or ""
        if not (known.is_iter_wrapper(q) or q == "builtins.enumerate"):
            break
        expr = expr.args[0]
    return expr


# ------------------------------------------------------- statement helpers
# Pure ``ast`` questions the loop-shape facts ask (the Lightning conversion builds its
# slicing on them too).
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def walk_local(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` that does not enter nested functions, classes or lambdas."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(c for c in ast.iter_child_nodes(current) if not isinstance(c, _SCOPES))


def binds(stmt: ast.AST) -> Set[str]:
    """Names a statement assigns (``for`` targets and ``with ... as`` included)."""
    return {n.id for n in walk_local(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def target_names(target) -> Set[str]:
    if target is None:
        return set()
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def is_range(expr) -> bool:
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "range"


def carried_names(body: List[ast.stmt], skip=frozenset()) -> List[str]:
    """Names a loop body reads before it assigns them, and assigns again: state carried
    from one iteration to the next (``output, hidden = model(x, hidden)``), in order of
    their first read. In-place counters (``step += 1``) count; ``skip`` does not."""
    assigned: Set[str] = set()
    for stmt in body:
        assigned |= binds(stmt)
    out: List[str] = []
    bound: Set[str] = set()
    for stmt in body:
        for node in _reads_then_writes(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in assigned and node.id not in bound and node.id not in skip \
                        and node.id not in out:
                    out.append(node.id)
            elif isinstance(node, ast.Name):
                bound.add(node.id)
    return out


def _reads_then_writes(stmt: ast.AST) -> Iterator[ast.AST]:
    """Names of a statement in evaluation order: an assignment's value before its targets,
    a loop's iterable before its target and body."""
    if isinstance(stmt, ast.Assign):
        yield from _names(stmt.value)
        for t in stmt.targets:
            yield from _names(t)
    elif isinstance(stmt, ast.AugAssign):
        if isinstance(stmt.target, ast.Name):
            yield ast.Name(stmt.target.id, ast.Load())
        yield from _names(stmt.value)
        yield from _names(stmt.target)
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        yield from _names(stmt.iter)
        yield from _names(stmt.target)
        for s in stmt.body + stmt.orelse:
            yield from _reads_then_writes(s)
    elif isinstance(stmt, (ast.If, ast.While)):
        yield from _names(stmt.test)
        for s in stmt.body + stmt.orelse:
            yield from _reads_then_writes(s)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        for item in stmt.items:
            yield from _names(item.context_expr)
            if item.optional_vars is not None:
                yield from _names(item.optional_vars)
        for s in stmt.body:
            yield from _reads_then_writes(s)
    elif isinstance(stmt, ast.Try):
        for s in stmt.body + stmt.orelse + stmt.finalbody:
            yield from _reads_then_writes(s)
        for h in stmt.handlers:
            for s in h.body:
                yield from _reads_then_writes(s)
    elif not isinstance(stmt, _SCOPES):
        yield from _names(stmt)


def _names(node: ast.AST) -> Iterator[ast.Name]:
    """Names under ``node`` in source order (not inside nested scopes)."""
    found = [n for n in walk_local(node) if isinstance(n, ast.Name)]
    found.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    yield from found
