"""What a function or class of the user's other modules does, in a summary.

A module of the project (located and read by :mod:`torchlint.project`) is
analysed once per process into a :class:`ModuleSummary`: for each module-level
function, its training events in source order (gradient clearing,
``backward``, optimizer ``step``, optimizers handed to unknown code), the
calls it makes into further project modules, every qualified name it calls
(seeders), whether it trains, the kinds of what it returns, and whether it
returns a ``DataLoader`` over the whole dataset; for each class, the kinds of
its instances, whether it has train/eval-dependent layers and whether its
``forward`` returns softmax probabilities; for a
``from x import *``, the names it exports. A function, class or method is
summarised when a question first names it (most names of a module are never
asked), from the module's model that the project keeps while the linted file's
questions last; summaries are small, and cached (bounded) by the project.
Questions are answered from summaries by :mod:`torchlint.facts.crossmodule`.
"""
from __future__ import annotations

import ast
from typing import Callable, Dict, FrozenSet, List, NamedTuple, Optional, Tuple, Union

from torchlint.project import UNKNOWN, candidate
from torchlint.facts import data, loops, modes, seeding, values
from torchlint.semantic import ClassInfo, FunctionInfo, Scope, SemanticModel, Site, memoized
from torchlint.syntax import bind_arguments, fold, node_text, parameters, unparse

# hot node tests use ``type(x) is ast.X``: parsed trees hold exact node classes (no isinstance walk)

Receivers = Tuple[str, ...]


# ------------------------------------------------------------------ summaries
class Event(NamedTuple):
    """A training event in a summarised function (receivers in the helper's names)."""

    kind: str  # loops.BACKWARD / STEP / ZERO_GRAD / SCHEDULER_STEP / OPAQUE
    receiver: Optional[str]
    line: int
    in_loop: bool  # inside a training loop of that module's own code (its lint reports it)
    looped: bool  # inside any loop of the function
    if_opt: Receivers = ()  # only when the caller binds one of these parameters to an optimizer


class NestedCall(NamedTuple):
    """A call into a further project function, expanded at query time (one more hop)."""

    qualname: str  # as resolved in the helper's module
    line: int
    looped: bool
    args: Tuple[Tuple[Union[int, str], str, bool], ...]  # (position or keyword, text, is an optimizer)
    fallback: Tuple[Event, ...]  # the events it stands for when not expanded


class FunctionSummary(NamedTuple):
    line: int
    positional: Tuple[str, ...]  # a method's start with ``self``
    kwonly: Tuple[str, ...]
    items: Tuple[Union[Event, NestedCall], ...]
    calls: FrozenSet[str]  # qualified names called; ``"?.attr"`` when the callee does not resolve
    trains: bool  # a training loop, or trainer.fit(...), in its own code
    returns: FrozenSet[str]  # binding kinds of the returned values
    loader: Optional[Tuple[str, str]]  # ("text", dataset) | ("param", name): a whole-dataset loader
    returns_graph: bool = False  # returns a tensor a backward() ran on (its graph kept: TL104)
    # returns a DistributedSampler that may shuffle (""), or a DataLoader over one (".sampler")
    epoch_sampler: Optional[str] = None
    feeds: FrozenSet[str] = frozenset()  # parameters its own training loops draw batches from
    draws: FrozenSet[str] = frozenset()  # global generators it draws from and does not seed itself (TL402)
    modes: Tuple["ModeEffect", ...] = ()  # the mode calls of its own code, on its parameters (TL6xx)

    def bind(self, call: ast.Call, method: bool = False) -> Dict[str, ast.expr]:
        """Parameter -> the argument surely passed at ``call`` (a method's ``self`` is not)."""
        positional = self.positional[1:] if method else self.positional
        shim = ast.FunctionDef(name="f", args=ast.arguments(
            posonlyargs=[], args=[ast.arg(arg=p) for p in positional], vararg=None,
            kwonlyargs=[ast.arg(arg=p) for p in self.kwonly], kw_defaults=[None] * len(self.kwonly),
            kwarg=None, defaults=[]), body=[], decorator_list=[])
        return bind_arguments(shim, call).exact


class ModeEffect(NamedTuple):
    """A mode call of a summarised function, in its parameters' terms (TL6xx)."""

    mode: str  # modes.EVAL / TRAIN / UNKNOWN (``flag`` given: the caller's value decides)
    flag: Optional[str]  # ``m.train(train)``: the parameter that holds the flag
    receiver: str  # the parameter holding the module; ``*p``: each element of the list ``p``
    # the ``if`` tests around it: (parameter, "==" / "!=" / "in" / "not in" / "not" / "",
    # literal, whether it runs when the test is true)
    conditions: Tuple[Tuple[str, str, object, bool], ...] = ()


class ClassSummary(NamedTuple):
    line: int
    kinds: FrozenSet[str]
    is_module: bool
    mode_dependent: bool  # builds or calls dropout/batch-norm layers, or reads self.training
    # methods (its own, then its same-file bases'), for a class whose text can hold events
    methods: "Members" = None
    attrs: "Members" = None  # ``self.x`` -> training kinds (ATTRIBUTE_KINDS)
    bases: Tuple[str, ...] = ()  # qualified names of the bases defined in other modules
    probabilities: bool = False  # an nn.Module whose forward returns softmax output (TL701)
    draws: FrozenSet[str] = frozenset()  # global generators its methods draw from, unseeded (TL402)


class Reexport(NamedTuple):
    """A module-level name bound by an import."""

    qualname: str


Model = Callable[[], SemanticModel]  # the module's model, built (or kept) by the project on demand


class ModuleSummary:
    """A module's top-level names: ``bindings`` maps each to its FunctionSummary,
    ClassSummary or Reexport. A function's or class's summary is computed when first asked
    (:meth:`get`), from the module's model, then kept: it depends on the module's text
    alone, so an answer never depends on what was asked before."""

    __slots__ = ("bindings", "star_names", "_pending", "_base")

    def __init__(self, bindings: Dict[str, object], pending: FrozenSet[str], star_names: Dict[str, str],
                 base: int):
        self.bindings = bindings
        self.star_names = star_names  # what ``from <this> import *`` binds: name -> qualified name
        self._pending = set(pending)  # functions and classes not summarised yet
        self._base = base

    def get(self, name: str, model: Model):
        """The summary of the top-level ``name``: a FunctionSummary, ClassSummary or Reexport;
        None for another name; UNKNOWN for one whose facts trip on an odd tree."""
        if name in self._pending:
            m = model()
            try:
                b = m.module_scope.bindings[name][-1]
                found = _function(m, m.functions[b.node]) if b.kind == "function" else _class(m, b)
            except Exception:  # an odd tree the facts trip on: unknown, never a crash
                found = UNKNOWN
            self.bindings[name] = found
            self._pending.discard(name)
        return self.bindings.get(name)

    @property
    def size(self) -> int:
        """Estimated bytes, for the project's bounded cache (grows as names are summarised)."""
        return self._base + sum(_size(v) for v in self.bindings.values())


class Members:
    """Facts of a class by name, its own first, then its same-file bases' (its methods'
    summaries, the training kinds of its ``self.x``), each computed on first ask."""

    __slots__ = ("owner", "names", "done", "_compute")

    def __init__(self, owner: str, names: FrozenSet[str], compute):
        self.owner = owner  # the class's top-level name in its module
        self.names = names
        self.done: Dict[str, object] = {}
        self._compute = compute  # (model, the class and its same-file bases, name) -> the fact

    def get(self, name: str, model: Model):
        """The fact for ``name``; None when the class has no member of that name; UNKNOWN
        when the facts trip on an odd tree."""
        if name not in self.names:
            return None
        if name not in self.done:
            m = model()
            try:
                cls = m.classes[m.module_scope.bindings[self.owner][-1].node]
                self.done[name] = self._compute(m, list(m.local_bases(cls)), name)
            except Exception:  # an odd tree the facts trip on: unknown, never a crash
                self.done[name] = UNKNOWN
        return self.done[name]


def _method(m: SemanticModel, chain: List[ClassInfo], name: str) -> FunctionSummary:
    return next(_function(m, c.methods[name]) for c in chain if name in c.methods)


def _attribute(m: SemanticModel, chain: List[ClassInfo], name: str) -> FrozenSet[str]:
    """The training kinds (ATTRIBUTE_KINDS) of ``self.name``: the first class of the chain
    that gives it some."""
    for c in chain:
        if name in c.attrs:
            kinds = frozenset().union(*(m.kinds(v, vs) for v, vs in c.attrs[name])) & ATTRIBUTE_KINDS
            if kinds:
                return kinds
    return frozenset()


def _size(entry) -> int:
    if type(entry) is FunctionSummary:
        return 300 + 150 * (len(entry.items) + len(entry.calls))
    if type(entry) is ClassSummary:
        return 200 + 60 * len(entry.attrs.done) + sum(_size(f) for f in entry.methods.done.values())
    return 120


class Alias(NamedTuple):
    """An imported name the project re-exports from elsewhere (``from torch import manual_seed``)."""

    qualname: str


def summarize(m: SemanticModel) -> ModuleSummary:
    """The summary of one project module (given to :class:`torchlint.project.Project`): its
    names, the functions and classes among them summarised on first ask."""
    bindings: Dict[str, object] = {}
    pending = set()
    for name, found in m.module_scope.bindings.items():
        b = found[-1]
        if (b.kind == "function" and b.node in m.functions) or (b.kind == "class" and b.node in m.classes):
            pending.add(name)
        elif b.kind == "import" and b.full_name:
            bindings[name] = Reexport(b.full_name)
    public = _dunder_all(m)
    star = {n: (v.qualname if isinstance(v, Reexport) and not v.qualname.startswith(".") else "")
            for n, v in [*bindings.items(), *((n, None) for n in pending)]
            if (n in public if public is not None else not n.startswith("_"))}
    return ModuleSummary(bindings, frozenset(pending), star, 400 + 100 * len(star))


# What ``self.x`` may be that a caller's training loop asks about (optimizer steps,
# scheduler steps, scaler steps, loaders, samplers).
ATTRIBUTE_KINDS = frozenset({"optimizer", "scheduler", "grad_scaler", "dataloader", "sampler",
                             "distributed_sampler"})
_SOFTMAX_WORDS = ("softmax", "Softmax")
_METHOD_WORDS = ("backward", "zero_grad", ".grad", ".step", "seed", ".fit", ".train", ".eval")


def _class(m: SemanticModel, binding) -> ClassSummary:
    """A class's summary: its kinds; for an ``nn.Module``, whether it depends on the mode;
    its methods (own first, then its same-file bases', summarised on first ask) when its text
    can hold a training event (a model's ``forward`` has none to tell); the training kinds of
    its ``self.x``."""
    cls = m.classes[binding.node]
    is_module = m.is_nn_module(cls)
    chain = list(m.local_bases(cls))
    events = _holds_any(m, chain, _METHOD_WORDS)  # methods only for a class whose text can hold one
    methods = Members(binding.name, frozenset(n for c in chain for n in c.methods) if events else frozenset(),
                      _method)
    attrs = Members(binding.name, frozenset(a for c in chain for a in c.attrs), _attribute)
    bases = tuple(q for c in chain for b in c.node.bases if m.class_for(b, c.outer) is None
                  for q in (m.resolve(b, c.outer),) if candidate(q))
    # the question costs a walk of forward's values: only for a class that names softmax
    probabilities = is_module and _holds_any(m, chain, _SOFTMAX_WORDS) and \
        values.forward_returns_probabilities(m, cls)
    return ClassSummary(cls.node.lineno, m.class_kinds(cls), is_module,
                        is_module and modes.class_dependent(m, cls), methods, attrs,
                        bases, probabilities, _draws(m, [fn for c in chain for fn in c.methods.values()]))


def _draws(m: SemanticModel, functions: List[FunctionInfo]) -> FrozenSet[str]:
    """The global generators (``random``, ``numpy``) the functions draw from, through
    same-file helpers (:func:`seeding.draw_sites`), less those their own code seeds."""
    if not _mentions(m, "random"):
        return frozenset()
    drawn = {id(s.node): g for g, sites in seeding.draw_sites(m).items() for s in sites}
    if not drawn:
        return frozenset()
    found = [site for fn in functions for site, _via in m.sites_in(fn)]
    gens = {drawn[id(s.node)] for s in found if id(s.node) in drawn}
    if not gens:
        return frozenset()
    seeds = {id(c.site.node): c.rngs for c in seeding.seeding_calls(m)}
    seeded = set().union(*(seeds.get(id(s.node), ()) for s in found))
    return frozenset(gens - seeded)


def _holds_any(m: SemanticModel, classes: List[ClassInfo], words: Tuple[str, ...]) -> bool:
    """Does the text of any of the classes hold one of ``words``? (True when unknown.)"""
    if m.lines is None:
        return True
    for c in classes:
        text = fold(node_text(m.lines, c.node, decorators=False))
        if any(w in text for w in words):
            return True
    return False


def _dunder_all(m: SemanticModel) -> Optional[FrozenSet[str]]:
    """The names of a literal ``__all__``, or None (star imports take public names)."""
    found = m.module_scope.bindings.get("__all__")
    value = found[-1].value if found and len(found) == 1 else None
    if isinstance(value, (ast.List, ast.Tuple)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts):
        return frozenset(e.value for e in value.elts)
    return None


def _in_training_loop(m: SemanticModel, chain: Tuple[Site, ...]) -> bool:
    """Is a site reached through ``chain`` inside a training loop of its module's own code?"""
    return any(_trains(m, lp) for s in chain for lp in s.loops)


@memoized
def _trains(m: SemanticModel, loop: ast.AST) -> bool:
    return loops.is_training(loops.events(m, m.loop_info(loop)))


def _function(m: SemanticModel, fn: FunctionInfo) -> FunctionSummary:
    positional, kwonly = parameters(fn.node)
    own = frozenset(positional) | frozenset(kwonly)
    items: List[Union[Event, NestedCall]] = []
    calls = set()
    trains = False
    for site, via in m.sites_in(fn):
        chain = (site,) + via
        looped = bool(site.loops) or any(s.loops for s in via)
        line = getattr(site.node, "lineno", fn.node.lineno)
        if not site.is_call:
            ev = loops.classify(m, site)
            if ev is not None:
                items.append(Event(ev.kind, ev.receiver, line, looped and _in_training_loop(m, chain),
                                   looped))
            continue
        call = site.node
        q = m.resolve(call.func, site.scope)
        if q is not None:
            calls.add(q)
        elif isinstance(call.func, ast.Attribute):
            calls.add("?." + call.func.attr)
        local = _local_events(m, fn, own, site, q, line, looped)
        if local and looped and _in_training_loop(m, chain):
            local = [e._replace(in_loop=True) for e in local]
        if candidate(q) and m.function_for(call.func, site.scope) is None:
            items.append(NestedCall(q, line, looped, _call_args(m, site), tuple(local)))
        else:
            items.extend(local)
        if (type(call.func) is ast.Attribute and call.func.attr == "fit"
                and "trainer" in m.kinds(call.func.value, site.scope)):
            trains = True
    looped_kinds = {i.kind for i in items if isinstance(i, Event) and i.in_loop and not i.if_opt}
    trains = trains or {loops.BACKWARD, loops.STEP} <= looped_kinds
    returns: set = set()
    for value in fn.returns:
        returns |= m.kinds(value, fn.scope)
    graph = any(values.carries_graph(m, value, fn.scope) is not None for value in fn.returns)
    return FunctionSummary(fn.node.lineno, tuple(positional), tuple(kwonly), tuple(items),
                           frozenset(calls), trains, frozenset(returns), _loader(m, fn), graph,
                           _epoch_sampler(m, fn), _feeds(m, fn, own) if trains else frozenset(),
                           _draws(m, [fn]), _mode_effects(m, fn, own))


def _mode_effects(m: SemanticModel, fn: FunctionInfo, own: FrozenSet[str]) -> Tuple[ModeEffect, ...]:
    """The mode calls in ``fn``'s own code on a parameter (``model.eval()``) or on each
    element of one (``for m in models: m.train(train)``), with the ``if`` tests on
    parameters around them; a test of anything else makes the mode UNKNOWN."""
    if not (_mentions(m, ".eval(") or _mentions(m, ".train(")):
        return ()
    out = []
    for site in fn.sites:
        mode = modes.mode_call(m, site) if site.is_call else None
        receiver = _parameter(m, site.node.func.value, site, own) if mode is not None else None
        if receiver is None:
            continue
        flag = None
        if mode == modes.UNKNOWN:
            value = site.node.args[0] if site.node.args else site.node.keywords[0].value
            flag = _parameter(m, value, site, own)
        conditions = []
        for owner, field, _i in m.statement_path(site.node, site.scope) or ():
            if isinstance(owner, ast.If) and field in ("body", "orelse"):
                test = _condition(owner.test, own)
                if test is None:
                    mode, flag = modes.UNKNOWN, None
                    break
                conditions.append(test + (field == "body",))
        out.append(ModeEffect(mode, flag, receiver, tuple(conditions)))
    return tuple(out)


def _parameter(m: SemanticModel, expr: ast.expr, site: Site, own: FrozenSet[str]) -> Optional[str]:
    """``p`` when ``expr`` is the parameter ``p``; ``*p`` for the variable of a loop over it."""
    if not isinstance(expr, ast.Name):
        return None
    b = m.lookup(expr.id, site.scope) or []
    if len(b) == 1 and b[0].kind == "argument" and expr.id in own:
        return expr.id
    loop = next((lp for lp in reversed(site.loops) if isinstance(lp, ast.For)
                 and isinstance(lp.target, ast.Name) and lp.target.id == expr.id), None)
    if loop is not None and len(b) == 1 and b[0].node is loop.target:
        inner = _parameter(m, loop.iter, site, own)
        return "*" + inner if inner and not inner.startswith("*") else None
    return None


def _condition(test: ast.expr, own: FrozenSet[str]) -> Optional[Tuple[str, str, object]]:
    """``p == "train"``, ``p in ("val", "test")``, ``not p``, ``p`` on a parameter ``p``."""
    ops = {ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in"}
    if isinstance(test, ast.Name) and test.id in own:
        return test.id, "", None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name) \
            and test.operand.id in own:
        return test.operand.id, "not", None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in ops \
            and isinstance(test.left, ast.Name) and test.left.id in own:
        try:
            return test.left.id, ops[type(test.ops[0])], ast.literal_eval(test.comparators[0])
        except (ValueError, TypeError, SyntaxError):
            return None
    return None


def _feeds(m: SemanticModel, fn: FunctionInfo, own: FrozenSet[str]) -> FrozenSet[str]:
    """Parameters of ``fn`` that its own training loops iterate (``for b in loader``,
    ``next(batches)``, through ``enumerate``/``iter``/``tqdm``), as given by the caller."""
    out = set()
    for loop, _evs in loops.training_loops(m):
        if loop.function is fn:
            out.update(node.arg for node, ns, _through in data.loop_passes(m, loop)
                       if isinstance(node, ast.arg) and ns is fn.scope and node.arg in own)
    return frozenset(out)


def _epoch_sampler(m: SemanticModel, fn: FunctionInfo) -> Optional[str]:
    """TL502 across modules: every value ``fn`` returns is a DistributedSampler it builds
    that may shuffle (``""``), or a DataLoader drawing from one (``".sampler"``); else None."""
    if not fn.returns or not _mentions(m, "DistributedSampler"):
        return None
    paths = set()
    for value in fn.returns:
        for node, ns in m.origins(value, fn.scope):
            samplers = data.distributed_samplers(m, node, ns)
            if len(samplers) != 1 or not data.sampler_shuffles(m, samplers[0]):
                return None
            if samplers[0].node is node:
                paths.add("")
            elif data.is_dataloader(m, node, ns) and any(  # sampler=, not inside a batch_sampler=
                    o is samplers[0].node for o, _ in data.argument_origins(m, data.arguments(m, node, ns)[0],
                                                                            "sampler")):
                paths.add(".sampler")
            else:
                return None
    return paths.pop() if len(paths) == 1 else None


def _local_events(m: SemanticModel, fn: FunctionInfo, own: FrozenSet[str], site: Site, q: Optional[str],
                  line: int, looped: bool) -> List[Event]:
    """The site's event in the helper's own terms; when it is none, the events it becomes
    if the caller passes an optimizer for a parameter (``o.step()``, ``clip(o)``)."""
    ev = loops.classify(m, site)
    if ev is not None:
        return [Event(ev.kind, ev.receiver, line, False, looped)]
    call = site.node

    def params_of(exprs) -> Receivers:
        out = []
        for e in exprs:
            if type(e) is ast.Name and e.id in own:
                bindings = m.lookup(e.id, site.scope)
                if bindings and bindings[-1].kind == "argument" and bindings[-1].scope is fn.scope:
                    out.append(e.id)
        return tuple(out)

    func = call.func
    if type(func) is ast.Attribute and func.attr == "step":
        hit = params_of([func.value])
        if hit:
            return [Event(loops.STEP, hit[0], line, False, looped, hit)]
    if (q is None or not q.startswith(("torch.", "builtins."))) and m.function_for(func, site.scope) is None:
        hit = params_of(list(call.args) + [k.value for k in call.keywords])
        if hit:
            return [Event(loops.OPAQUE, None, line, False, looped, hit)]
    return []


def _call_args(m: SemanticModel, site: Site) -> Tuple[Tuple[Union[int, str], str, bool], ...]:
    opt = loops.may_hold_optimizers(m)

    def is_opt(a) -> bool:
        return opt and "optimizer" in m.kinds(a, site.scope)

    out = []
    for i, a in enumerate(site.node.args):
        if isinstance(a, ast.Starred):
            break
        out.append((i, unparse(a), is_opt(a)))
    for k in site.node.keywords:
        if k.arg:
            out.append((k.arg, unparse(k.value), is_opt(k.value)))
    return tuple(out)


def _loader(m: SemanticModel, fn: FunctionInfo) -> Optional[Tuple[str, str]]:
    """TL501 across modules: ``fn`` returns one ``DataLoader`` (not a tuple) that provably
    draws from the whole dataset on every rank (no sampler, or a Random/Sequential
    sampler, arguments completely known, a dataset that does not depend on the rank):
    ("text", dataset) or ("param", the parameter the dataset comes from); else None."""
    if not fn.returns or not _mentions(m, "oader"):  # DataLoader, loader, train_loader ...
        return None
    found = []
    for value in fn.returns:
        for node, ns in m.origins(value, fn.scope):
            if not data.is_dataloader(m, node, ns):
                return None
            given, complete = data.arguments(m, node, ns)
            if not complete or any(_from_parameters(m, v, vs, fn) for name in ("sampler", "batch_sampler")
                                   for v, vs in given.get(name, ())):
                return None
            samplers, samplers_known = data.sampler_origins(m, node, ns)
            if not samplers_known or any(data.sampler_shards(m, s, ss) is not False for s, ss in samplers):
                return None
            datasets = given.get("dataset", [])
            if len(datasets) != 1:
                return None
            value_, vs = datasets[0]
            if isinstance(value_, ast.Name) and _from_parameters(m, value_, vs, fn):
                found.append(("param", value_.id))
            elif _from_parameters(m, value_, vs, fn) or data.depends_on_rank(m, value_, vs):
                return None
            else:
                found.append(("text", data.source_text(value_)))
    return found[0] if found else None


@memoized
def _mentions(m: SemanticModel, word: str) -> bool:
    return m.mentions(word)  # the text read as Python reads names (syntax.fold)


def _from_parameters(m: SemanticModel, expr: ast.AST, scope: Scope, fn: FunctionInfo, depth: int = 0) -> bool:
    """Does ``expr`` read a parameter of ``fn`` (directly or through local names)?"""
    for node in ast.walk(expr):
        if not isinstance(node, ast.Name):
            continue
        for b in m.lookup(node.id, scope) or ():
            if b.kind == "argument" and b.scope is fn.scope:
                return True
            if (b.kind == "assign" and b.value is not None and b.scope is fn.scope and depth < 3
                    and _from_parameters(m, b.value, b.scope, fn, depth + 1)):
                return True
    return False
