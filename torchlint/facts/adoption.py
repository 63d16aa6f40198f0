"""What a hand-written training loop re-implements that Lightning's Trainer provides.

Shared by TL901 (the suggestion) and ``torchlint lightning`` (the generator). Facts
come from the semantic model and :mod:`torchlint.loops`; nothing here imports torch.

A loop's *context* is what runs around it: the loop body (same-file helpers
followed), the function that holds the loop (or the module, for a script-level
loop), and the functions that call that function (two levels up), where setup
such as ``DistributedDataParallel(model)`` or ``GradScaler()`` usually sits.
"""
from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Tuple

from torchlint import known
from torchlint.facts import loops
from torchlint.semantic import LoopInfo, SemanticModel, Site, memoized

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
