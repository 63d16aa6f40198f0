"""Data-pipeline facts shared by the TL5xx rules.

Which ``DataLoader`` / sampler calls feed a training loop, whether a DataLoader
splits its dataset across DDP ranks, which loops repeat a training loop (epoch
loops), and where a sampler escapes into code torchlint cannot see. Everything
is read from the semantic model's value flow (:meth:`SemanticModel.origins`,
:meth:`SemanticModel.call_arguments`); this module resolves no names itself.
Unknown means "do not flag": callers get ``None`` and stay quiet.
"""
from __future__ import annotations

import ast
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from torchlint import known
from torchlint.facts import autograd, loops
from torchlint.semantic import ClassInfo, LoopInfo, Scope, SemanticModel, memoized
from torchlint.syntax import short_text, walk

# hot node tests use ``type(x) is ast.X``: parsed trees hold exact node classes (no isinstance walk)

Origin = Tuple[ast.AST, Scope]
MAX_WRAP_DEPTH = 4  # enumerate(tqdm(zip(...))) ...
MAX_RANK_DEPTH = 2  # name hops followed when asking whether a value depends on the rank


def qualname(m: SemanticModel, node: ast.AST, scope: Scope) -> Optional[str]:
    """The qualified name of the callee when ``node`` is a call, else None."""
    return m.resolve(node.func, scope) if type(node) is ast.Call else None


def is_dataloader(m: SemanticModel, node: ast.AST, scope: Scope) -> bool:
    return qualname(m, node, scope) in known.DATALOADERS


def is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def arguments(m: SemanticModel, call: ast.Call, scope: Scope):
    """``call_arguments`` named by the callee's known signature (DataLoader, samplers)."""
    params = known.constructor_parameters(qualname(m, call, scope) or "")
    return m.call_arguments(call, scope, params)


def argument_origins(m: SemanticModel, given, name: str) -> List[Origin]:
    out: List[Origin] = []
    for value, vscope in given.get(name, ()):
        out.extend(m.origins(value, vscope))
    return out


# ------------------------------------------------------------ what loops consume
def iterated(m: SemanticModel, expr: ast.AST, scope: Scope) -> List[Origin]:
    """What iterating ``expr`` draws from: its origins, through enumerate/zip/iter/tqdm."""
    return [(node, ns) for node, ns, _pass in passes(m, expr, scope)]


def passes(m: SemanticModel, expr: ast.AST, scope: Scope) -> List[Tuple[ast.AST, Scope, Optional[LoopInfo]]]:
    """:func:`iterated`, each with the loop of a same-file generator that makes the
    passes over it (``def forever(loader): while True: for b in loader: yield b``: the
    ``for b in loader``), or None when the iteration of ``expr`` itself makes them."""
    out: Dict[int, Tuple[ast.AST, Scope, Optional[LoopInfo]]] = {}
    todo = [(expr, scope, 0, None)]
    while todo:
        e, s, depth, through = todo.pop()
        for node, ns in m.origins(e, s):
            q = qualname(m, node, ns)
            if q is not None and known.is_iter_wrapper(q) and depth < MAX_WRAP_DEPTH:
                todo.extend((a, ns, depth + 1, through) for a in node.args if not isinstance(a, ast.Starred))
                continue
            generator = m.function_for(node.func, ns) if isinstance(node, ast.Call) else None
            yields = _yielded_iterations(m, generator) if generator is not None else ()
            if yields and depth < MAX_WRAP_DEPTH:
                todo.extend((it, its, depth + 1, lp) for it, its, lp in yields)
            else:
                out.setdefault(id(node), (node, ns, through))
    return list(out.values())


@memoized
def _yielded_iterations(m: SemanticModel, function) -> Tuple[Tuple[ast.expr, Scope, LoopInfo], ...]:
    """For a same-file generator: (iterable, scope, loop) of each ``for`` loop whose body
    yields (``for b in loader: yield b``); empty for any other function."""
    own = [lp for lp in function.loops if isinstance(lp.node, (ast.For, ast.AsyncFor))]
    found = []
    for node in _own_nodes(function.node):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            around = [lp for lp in own if lp.node.lineno <= node.lineno <= (lp.node.end_lineno or 0)
                      and not _in_orelse(lp.node, node)]
            if around:
                lp = max(around, key=lambda x: x.node.lineno)
                found.append((lp.node.iter, lp.scope, lp))
    return tuple({id(f[2]): f for f in found}.values())


def _own_nodes(function: ast.AST):
    """The nodes of a function's own body (not of functions or classes nested in it)."""
    todo = list(function.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


def _in_orelse(loop: ast.AST, node: ast.AST) -> bool:
    return any(s.lineno <= node.lineno <= (s.end_lineno or 0) for s in loop.orelse)


class Feed(NamedTuple):
    """Something a training loop draws batches from."""

    key: ast.AST  # what consumes it: the training loop, or the call handing it to a project helper
    node: ast.AST  # what is iterated (a DataLoader call ...)
    scope: Scope
    passes: Optional[LoopInfo]  # the loop of this file one pass of which is one pass over it
    around: Optional[LoopInfo] = None  # handed to a project helper: the loop around that call


def feed_epoch(m: SemanticModel, feed: Feed) -> Optional[LoopInfo]:
    """The loop that repeats the feed's passes (None: a single pass). On demand: finding
    it can mean scanning the file's loops."""
    return epoch_loop(m, feed.passes) if feed.passes is not None else feed.around


def loop_sources(m: SemanticModel, loop: LoopInfo) -> List[Origin]:
    """What a loop consumes: its ``for`` iterable, and ``next(it)`` called directly in its
    body (not under ``no_grad``: ``next(iter(val_loader))`` for a look at held-out data)."""
    return [(node, scope) for node, scope, _passes in loop_passes(m, loop)]


def loop_passes(m: SemanticModel, loop: LoopInfo):
    """:func:`loop_sources`, each with :func:`passes`' generator loop."""
    out = []
    if isinstance(loop.node, (ast.For, ast.AsyncFor)):
        out.extend(passes(m, loop.node.iter, loop.scope))
    for site, _via in m.sites_in(loop, follow=False):
        if (site.is_call and site.loops and site.loops[-1] is loop.node and site.node.args
                and m.resolve(site.node.func, site.scope) == "builtins.next"
                and autograd.grad_mode(m, site.node, site.scope) is not False):
            out.extend(passes(m, site.node.args[0], site.scope))
    return out


@memoized
def training_feeds(m: SemanticModel, helpers: bool = True) -> List[Feed]:
    """Everything a training loop iterates: in this file, and (``helpers``) in a project
    helper the value is handed to (``train(model, iter(loader), opt)``: the helper's
    training loop iterates that parameter, torchlint/facts/crossmodule.py)."""
    out = [Feed(loop.node, node, scope, through or loop)
           for loop, _evs in loops.training_loops(m) for node, scope, through in loop_passes(m, loop)]
    if helpers and m.reaches_project():
        for site in m.sites:
            # ``may_provide`` is false exactly where ``fed_arguments`` has nothing to say
            if site.is_call and m.project.may_provide(m, site.node, site.scope, "trains") and any(
                    _may_be_loader(m, a, site.scope)
                    for a in site.node.args + [k.value for k in site.node.keywords]):
                for arg in m.project.fed_arguments(m, site.node, site.scope):
                    around = _loop_infos(m).get(id(site.loops[-1])) if site.loops else None
                    out.extend(Feed(site.node, node, scope, None, around) for node, scope in
                               iterated(m, arg, site.scope))
    return out


def _may_be_loader(m: SemanticModel, arg: ast.AST, scope: Scope) -> bool:
    """``loader``, ``iter(loader)``, ``enumerate(tqdm(loader))``: a DataLoader, bare or in
    iteration wrappers - the only arguments worth asking a project helper about (asking
    summarizes the helper's module)."""
    while isinstance(arg, ast.Call) and arg.args and known.is_iter_wrapper(m.resolve(arg.func, scope) or ""):
        arg = arg.args[0]
    return "dataloader" in m.kinds(arg, scope)


# ------------------------------------------------------------- how loaders sample
def sampler_origins(m: SemanticModel, call: ast.Call, scope: Scope, depth: int = 0):
    """The samplers a ``DataLoader(...)`` / ``BatchSampler(...)`` call draws indices from
    (``sampler=`` and ``batch_sampler=``, BatchSamplers unwrapped), and whether the call's
    arguments are completely known."""
    if not isinstance(call, ast.Call):
        return [], False
    given, complete = arguments(m, call, scope)
    out: List[Origin] = []
    for name in ("sampler", "batch_sampler"):
        for node, ns in argument_origins(m, given, name):
            if qualname(m, node, ns) in known.BATCH_SAMPLERS and depth < MAX_WRAP_DEPTH:
                inner, ok = sampler_origins(m, node, ns, depth + 1)
                complete &= ok
                out.extend(inner or [(node, ns)])
            else:
                out.append((node, ns))
    return out, complete


def sampler_shards(m: SemanticModel, node: ast.AST, scope: Scope) -> Optional[bool]:
    """True: the sampler splits indices across ranks (a DistributedSampler, or a sampler
    class defined in this file); False: every rank draws from the whole dataset (no
    sampler, RandomSampler, SequentialSampler); None: unknown."""
    if is_none(node):
        return False
    if not isinstance(node, ast.Call):
        return None
    if qualname(m, node, scope) in known.WHOLE_DATASET_SAMPLERS:
        return False
    if m.kinds(node, scope) & {"distributed_sampler", "custom_sampler"}:
        return True
    if m.class_for(node.func, scope) is not None:
        return True
    return None


class EpochSampler(NamedTuple):
    """A DistributedSampler that iterating a value draws from (TL502)."""

    node: ast.AST  # the ``DistributedSampler(...)`` call; for one a project helper builds, the helper call
    scope: Scope
    imported: Optional[str]  # built by a project helper: the attribute path to it ("" or ".sampler")


def distributed_samplers(m: SemanticModel, holder: ast.AST, scope: Scope) -> List[EpochSampler]:
    """The DistributedSamplers iterating ``holder`` draws from: ``holder`` itself, the
    ``sampler=`` / ``batch_sampler=`` of a DataLoader or BatchSampler call, or the one in
    the loader (or the sampler) a project helper returns (torchlint/facts/crossmodule.py)."""
    q = qualname(m, holder, scope)
    if q in known.DISTRIBUTED_SAMPLERS:
        return [EpochSampler(holder, scope, None)]
    if q in known.DATALOADERS or q in known.BATCH_SAMPLERS:
        found, _complete = sampler_origins(m, holder, scope)
        return [EpochSampler(s, ss, None) for s, ss in found
                if qualname(m, s, ss) in known.DISTRIBUTED_SAMPLERS]
    if m.project is not None and isinstance(holder, ast.Call):
        path = m.project.epoch_sampler(m, holder, scope)
        if path is not None:
            return [EpochSampler(holder, scope, path)]
    return []


def sampler_shuffles(m: SemanticModel, sampler: EpochSampler) -> bool:
    """shuffle= is not given, or may be true (only a constant false value turns it off);
    one a project helper builds was judged there."""
    if sampler.imported is not None:
        return True
    given, complete = arguments(m, sampler.node, sampler.scope)
    if "shuffle" not in given:
        return complete
    values = argument_origins(m, given, "shuffle")
    return not all(isinstance(v, ast.Constant) and not v.value for v, _s in values)


def sampler_feeds(m: SemanticModel) -> List[Feed]:
    """The feeds that may draw from a DistributedSampler (TL502): those of the file's
    training loops (a project helper may build the sampler), and the values handed to a
    project helper's training loop when the file builds one itself. None without a
    DistributedSampler to find: a file that names none resolves none (a star import's
    names come from the project), and every project answer needs ``reaches``."""
    builds = m.mentions("DistributedSampler")
    if not builds and not m.reaches_project():
        return []
    return training_feeds(m, builds)


@memoized
def class_reads_rank(m: SemanticModel, cls: ClassInfo) -> bool:
    """A same-file class whose code (own or same-file bases) reads the process rank."""
    return any(_mentions_rank(c.node) for c in m.local_bases(cls))


def is_iterable_dataset_class(m: SemanticModel, cls: ClassInfo) -> bool:
    return bool(m.base_names(cls) & known.ITERABLE_DATASET_BASES)


def _mentions_rank(node: ast.AST) -> bool:
    for sub in walk(node):
        if type(sub) is ast.Name and sub.id in known.RANK_NAMES:
            return True
        if type(sub) is ast.Attribute and sub.attr in known.RANK_NAMES:
            return True
        if type(sub) is ast.Constant and isinstance(sub.value, str) and sub.value in known.RANK_NAMES:
            return True
    return False


def depends_on_rank(m: SemanticModel, expr: ast.AST, scope: Scope, depth: int = 0) -> bool:
    """The value is built from the process rank (``Subset(ds, range(rank, n, world))``,
    ``split_dataset_by_node(ds, rank=...)``, a same-file dataset class that reads it)."""
    for node, ns in m.origins(expr, scope):
        if isinstance(node, ast.Call):
            cls = m.class_for(node.func, ns)
            if cls is not None and (class_reads_rank(m, cls) or is_iterable_dataset_class(m, cls)):
                return True
        if _mentions_rank(node):
            return True
        if depth < MAX_RANK_DEPTH:
            for sub in walk(node):
                if isinstance(sub, ast.Name) and sub is not node and isinstance(sub.ctx, ast.Load):
                    if depends_on_rank(m, sub, ns, depth + 1):
                        return True
    return False


def ddp_sites(m: SemanticModel) -> list:
    """Calls that wrap a model in DistributedDataParallel."""
    return m.calls_to(known.DDP_CLASSES)


# ------------------------------------------------------------------ epochs
@memoized
def _loop_infos(m: SemanticModel) -> Dict[int, LoopInfo]:
    return {id(lp.node): lp for lp in m.loops}


@memoized
def repeated_functions(m: SemanticModel) -> Set[int]:
    """ids of same-file functions called (through helpers) from inside some loop."""
    found = set()
    for loop in m.loops:
        if loop.parents:
            continue  # an outer loop's sites hold this loop's
        for site, via in m.sites_in(loop):
            if via and site.function is not None:
                found.add(id(site.function.node))
    return found


def runs_repeatedly(m: SemanticModel, site) -> bool:
    """The site is inside a loop, or in a function called from inside one."""
    return bool(site.loops) or (site.function is not None and id(site.function.node) in repeated_functions(m))


def runs_within(m: SemanticModel, site, loop: LoopInfo) -> bool:
    """The site runs on every pass of ``loop``: it lies inside it, or in a same-file helper
    called from inside it. A site in some other loop (``for phase in datasets:`` before
    the epoch loop) runs repeatedly, but not once per pass of this one."""
    if loop.node in site.loops:
        return True
    return any(s is site for s, via in m.sites_in(loop) if via)


def epoch_loop(m: SemanticModel, loop: LoopInfo) -> Optional[LoopInfo]:
    """The loop that runs ``loop`` again and again: its innermost enclosing loop, or the
    innermost loop around the first helper call that leads to it."""
    infos = _loop_infos(m)
    if loop.parents:
        return infos.get(id(loop.parents[-1]))
    for outer in m.loops:
        if outer is loop:
            continue
        for site, via in m.sites_in(outer):
            if via and loop.node in site.loops and via[0].loops:
                return infos.get(id(via[0].loops[-1]))
    return None


def escapes(m: SemanticModel, holds, method: str = "") -> bool:
    """Some value for which ``holds(node, scope)`` is true is passed to a call torchlint
    cannot follow (not torch, not a builtin, not a same-file function or class, not an
    iteration wrapper such as tqdm, not a project helper that never calls ``.<method>()``):
    that code may do what the rule looks for."""
    for site in m.sites:
        if not site.is_call:
            continue
        call = site.node
        if m.function_for(call.func, site.scope) is not None or m.class_for(call.func, site.scope):
            continue
        if method and m.project is not None and m.project.never_calls(m, call, site.scope, method):
            continue
        q = m.resolve(call.func, site.scope)
        if q is not None and (q.startswith(("torch.", "builtins.")) or known.is_iter_wrapper(q)):
            continue
        for arg in list(call.args) + [k.value for k in call.keywords]:
            value = arg.value if isinstance(arg, ast.Starred) else arg
            if any(holds(node, ns) for node, ns in m.origins(value, site.scope)):
                return True
    return False


def source_text(node: ast.AST, limit: int = 30) -> str:
    return short_text(node, limit)


def bound_name(m: SemanticModel, value: ast.AST) -> Optional[str]:
    """The name (``x`` or ``self.x``) a value expression is assigned to, if any."""
    for scope in m.scopes.values():
        for name, bindings in scope.bindings.items():
            for i, b in enumerate(bindings):
                if b.value is value and b.unpack is None:
                    later = [c.value for c in bindings[i + 1:] if c.value is not None]
                    if not any(_reads(v, name) for v in later):  # not ``x = wrap(x)`` later
                        return name
    for cls in m.classes.values():
        for attr, values in cls.attrs.items():
            if any(v is value for v, _s in values):
                return f"self.{attr}"
    return None


def _reads(expr: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in walk(expr))
