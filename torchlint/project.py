"""Cross-module facts about the user's own modules (DESIGN.md, "Cross-module facts").

Real training code is split across files: ``train.py`` calls ``set_seed`` from
``utils``, ``train_one_epoch`` from ``engine``, ``build_loader`` from ``data``.
When a rule asks about a call whose callee is imported into the linted file
(``from utils import set_seed``, ``from .engine import train_one_epoch``,
``import mypkg.utils as U``), this module answers from the file that defines it:

* the module file is located by astroid's module resolution
  (``astroid.modutils.file_info_from_modpath`` and its spec finders: packages,
  relative imports, namespace packages) without importing anything, searched
  only in the linted file's project: its folder, the parents up to the project
  root (the first folder holding ``setup.cfg``, ``pyproject.toml``, ``setup.py``
  or ``.git``) and ``<root>/src``;
* that file is parsed with stdlib ``ast`` and analysed by the same
  :class:`~torchlint.semantic.SemanticModel` the plugin uses; the answer
  (:class:`Facts`) says what the function does, seen from the call: the
  training events it contributes (gradient clearing, ``backward``, optimizer
  ``step``, optimizers handed to unknown code), every qualified name it calls
  (seeders), whether it runs a training loop, what it returns.

Hard limits, each of which ends in "unknown" (``None``), which rules treat as
"do not flag":

* never imports or executes user code; no astroid inference; astroid itself is
  imported only when a question reaches a name whose top-level module exists
  as a file or folder in the project (so files that import only torch and the
  stdlib never import it);
* never reads third-party or stdlib modules: a location outside the project
  root, in ``site-packages``/``dist-packages`` or the interpreter's library is
  unknown, as are top-level names that shadow a stdlib module, ``.pyi`` stubs
  and extension modules;
* at most ``MAX_HOPS`` import hops (the linted file's import is hop 1, an
  import inside that module hop 2); at most ``MAX_FILES`` module files touched
  per linted file; files over ``MAX_BYTES`` or that do not parse are unknown;
* parsed modules are cached per process by path, mtime and size; answers are
  cached with the stamps of every file they were read from.

Editors lint unsaved buffers through stdin (``flake8 --stdin-display-name
path/to/train.py -``): flake8 hands the plugin the display name as filename,
and resolution is relative to it; the linted file itself is never read from
disk.
"""
from __future__ import annotations

import ast
import codecs
import functools
import os
import sys
import sysconfig
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple, Union

from torchlint import known
from torchlint.facts import loops
from torchlint.semantic import ClassInfo, FunctionInfo, SemanticModel
from torchlint.syntax import unparse

ENABLED = True  # tests and the benchmark switch cross-module facts off here
MAX_HOPS = 2
MAX_FILES = 16
MAX_BYTES = 1_000_000
MAX_LINTED_TREES = 64  # flake8 trees of recently linted files kept for reuse (see for_file)
ROOT_MARKERS = ("setup.cfg", "pyproject.toml", "setup.py", ".git")
NOT_A_PATH = frozenset({"", "-", "stdin", "<stdin>", "(none)", "<string>", "<unknown>"})
_THIRD_PARTY_PARTS = frozenset({"site-packages", "dist-packages"})

Stamp = Tuple[int, int]  # (mtime_ns, size)


@dataclass(frozen=True)
class HelperEvent:
    """A training event inside an imported helper, as the caller sees it."""

    kind: str  # loops.BACKWARD / STEP / ZERO_GRAD / SCHEDULER_STEP / OPAQUE
    receiver: Optional[str]  # in the caller's names where the helper's parameter maps to an argument
    path: str  # where it happens
    line: int
    in_loop: bool  # inside a loop of the helper's own code (that module's lint reports it)


@dataclass(frozen=True)
class Facts:
    """What a function of the user's project does, seen from a call to it."""

    path: str
    line: int
    events: Tuple[HelperEvent, ...]  # in source order, helpers inlined
    # qualified names of every call made (same-file and imported helpers too); a call
    # whose callee does not resolve, ``fabric.seed_everything(0)``, is ``"?.seed_everything"``
    calls: FrozenSet[str]
    trains: bool  # runs a training loop (backward and step in a loop) or trainer.fit(...)
    returns: FrozenSet[str]  # binding kinds of the returned values
    deps: FrozenSet[str]  # module files the answer was read from

    @property
    def kinds(self) -> FrozenSet[str]:
        return frozenset(e.kind for e in self.events)

    @property
    def clears_gradients(self) -> bool:
        return loops.ZERO_GRAD in self.kinds

    def seeds(self, seeders: Iterable[str] = known.TORCH_SEEDERS) -> bool:
        """Does it call (transitively) one of ``seeders`` (qualified names)?"""
        return not self.calls.isdisjoint(seeders)


@dataclass(frozen=True)
class Alias:
    """An imported name that the project re-exports from elsewhere (``from torch import manual_seed``)."""

    qualname: str


class Unknown:
    """A name of the user's project that cannot be analysed: the module does not
    parse or is too large, the name is not a plain function or class there, or
    the bounds (hops, files) are reached. Rules treat it as "do not flag"."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()

# (module, function or class, hop of that module), an Alias, or UNKNOWN
Target = Union[Tuple["_Module", Union[FunctionInfo, ClassInfo], int], Alias, Unknown]


class _Module:
    """One parsed module of the user's project (cached per process)."""

    __slots__ = ("path", "stamp", "model", "facts")

    def __init__(self, path: str, stamp: Stamp, model: Optional[SemanticModel]):
        self.path = path
        self.stamp = stamp
        self.model = model
        self.facts: Dict[tuple, Tuple[Optional[Facts], Tuple[Tuple[str, Stamp], ...]]] = {}


_MODULES: Dict[str, _Module] = {}  # path -> parsed module
# path -> (tree, lines) flake8 handed the plugin for a recently linted file
_LINTED: "OrderedDict[str, Tuple[ast.AST, list]]" = OrderedDict()
_ROOTS: Dict[str, Tuple[str, Tuple[str, ...]]] = {}  # folder -> (project root, search roots)
STATS = {"parsed": 0, "read_bytes": 0, "reused_trees": 0}  # for tests and the benchmark


def clear_cache() -> None:
    _MODULES.clear()
    _LINTED.clear()
    _ROOTS.clear()
    _THIRD_PARTY.clear()
    _REALPATHS.clear()


def for_file(filename: Optional[str], tree: Optional[ast.AST] = None,
             lines: Optional[list] = None) -> Optional["Project"]:
    """The cross-module provider for a linted file (flake8's filename: the
    display name for stdin), or None when it has no usable location.

    ``tree``/``lines``: what flake8 parsed for this file. They are remembered
    (the last ``MAX_LINTED_TREES`` files), so that when another file of the
    project asks about this one, the tree is reused instead of parsing the file
    again - only if the file on disk still holds exactly ``lines`` (an unsaved
    buffer linted through stdin does not)."""
    if not ENABLED or filename is None or filename in NOT_A_PATH:
        return None
    origin = os.path.abspath(filename)
    if _third_party(origin):
        return None
    if tree is not None and lines is not None:
        _LINTED[origin] = (tree, lines)
        _LINTED.move_to_end(origin)
        while len(_LINTED) > MAX_LINTED_TREES:
            _LINTED.popitem(last=False)
    return Project(origin)


def _guarded(default):
    """A question that fails on some odd project is unknown (``default``), never a
    crash: every rule reads loop events through it, one TL000 would be many."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception:  # RecursionError included
                return default
        return guarded
    return wrap


class Project:
    """Cross-module questions asked while linting one file. Everything is lazy:
    creating one touches nothing."""

    def __init__(self, origin: str):
        self.origin = origin
        self._root: Optional[str] = None
        self._roots: Optional[Tuple[str, ...]] = None
        self.touched: Set[str] = set()  # module files touched for this linted file
        self._stats: Dict[str, Optional[Stamp]] = {}
        self._tops: Dict[Tuple[str, str], bool] = {}
        self._files: Dict[tuple, Optional[str]] = {}
        self._targets: Dict[tuple, Optional[Target]] = {}
        self._real: Optional[Tuple[str, str]] = None  # realpaths of root and origin

    # ------------------------------------------------------------ questions
    @_guarded(UNKNOWN)
    def target(self, m: SemanticModel, func: ast.expr, scope) -> Optional[Target]:
        """What a call's ``func`` refers to through the linted file's imports:
        ``(module, FunctionInfo | ClassInfo, hop)`` for a function or class of the
        project, an :class:`Alias` for a name the project re-exports from
        elsewhere, :data:`UNKNOWN` for a project name that cannot be analysed, and
        None when the name is not the project's (not imported, not found in the
        project: third-party or stdlib)."""
        q = m.resolve(func, scope)
        if not _candidate(q):
            return None
        return self._find(q, self.origin, 1)

    @_guarded(None)
    def facts(self, m: SemanticModel, call: ast.Call, scope) -> Optional[Facts]:
        """Facts about the project function ``call`` calls; None when it is not
        one or cannot be analysed (unknown: do not flag)."""
        found = self.target(m, call.func, scope)
        if not isinstance(found, tuple) or not isinstance(found[1], FunctionInfo):
            return None
        mod, fn, hop = found
        args = _param_args(fn, call)
        opt_params = frozenset(p for p, a in args.items() if "optimizer" in m.kinds(a, scope))
        facts = self._facts(mod, fn, hop, opt_params, ())
        if facts is None:
            return None
        texts = {p: _text(a) for p, a in args.items()}
        first_opt = next((_text(a) for p, a in args.items() if p in opt_params), None)
        events = tuple(
            HelperEvent(e.kind, _caller_receiver(e, texts, first_opt), e.path, e.line, e.in_loop)
            for e in facts.events
        )
        return Facts(facts.path, facts.line, events, facts.calls, facts.trains, facts.returns,
                     facts.deps)

    @_guarded(frozenset())
    def call_kinds(self, m: SemanticModel, call: ast.Call, scope) -> FrozenSet[str]:
        """Binding kinds of what an imported project function returns, or of an
        instance of an imported project class (``model = Net()``: module)."""
        found = self.target(m, call.func, scope)
        if not isinstance(found, tuple):
            return frozenset()
        mod, obj, _hop = found
        if isinstance(obj, ClassInfo):
            return mod.model.class_kinds(obj)
        out: set = set()
        for value in obj.returns:
            out |= mod.model.kinds(value, obj.scope)
        return frozenset(out)

    @_guarded(None)
    def whole_dataset_loader(self, m: SemanticModel, call: ast.Call, scope) -> Optional[str]:
        """TL501 across modules: when ``call`` calls an imported project function
        that returns one ``DataLoader`` (``return DataLoader(...)`` or a name bound
        to one; not a tuple) that provably draws from the whole dataset on every
        rank (no sampler, or a RandomSampler / SequentialSampler, judged by
        ``torchlint.data`` on the helper's own model, with arguments completely
        known and a dataset that does not depend on the rank), the dataset's text
        in the caller's names; None otherwise (shards, or unknown)."""
        from torchlint.facts import data  # the TL5xx facts, applied to the helper's model

        found = self.target(m, call.func, scope)
        if not isinstance(found, tuple) or not isinstance(found[1], FunctionInfo):
            return None
        mod, fn, _hop = found
        hm = mod.model
        texts = []
        for value in fn.returns:
            for node, ns in hm.origins(value, fn.scope):
                if not data.is_dataloader(hm, node, ns):
                    return None  # returns something else too (a tuple, None, a wrapper)
                text = self._whole_dataset(m, call, scope, hm, fn, node, ns, data)
                if text is None:
                    return None
                texts.append(text)
        return texts[0] if texts else None

    def _whole_dataset(self, m, call, scope, hm, fn, loader, ns, data) -> Optional[str]:
        given, complete = data.arguments(hm, loader, ns)
        if not complete:
            return None
        for name in ("sampler", "batch_sampler"):
            if any(_from_parameters(hm, v, vs, fn) for v, vs in given.get(name, ())):
                return None  # the caller may pass the sampler
        samplers, samplers_known = data.sampler_origins(hm, loader, ns)
        if not samplers_known or any(data.sampler_shards(hm, s, ss) is not False for s, ss in samplers):
            return None
        datasets = given.get("dataset", [])
        if len(datasets) != 1:
            return None
        value, vs = datasets[0]
        if isinstance(value, ast.Name) and _from_parameters(hm, value, vs, fn):
            arg = _param_args(fn, call).get(value.id)  # the caller's dataset
            if arg is None or data.depends_on_rank(m, arg, scope):
                return None
            return data.source_text(arg)
        if _from_parameters(hm, value, vs, fn) or data.depends_on_rank(hm, value, vs):
            return None
        return data.source_text(value)

    @_guarded(None)
    def seeds(self, m: SemanticModel, call: ast.Call, scope,
              seeders: Iterable[str] = known.TORCH_SEEDERS) -> Optional[bool]:
        """Does the imported project function (or re-exported name) ``call``
        calls seed, transitively? None when unknown."""
        seeders = frozenset(seeders)
        found = self.target(m, call.func, scope)
        if isinstance(found, Alias):
            return found.qualname in seeders
        if not isinstance(found, tuple):
            return None
        facts = self.facts(m, call, scope)
        return None if facts is None else facts.seeds(seeders)

    def star_export(self, m: SemanticModel, name: str) -> Optional[str]:
        return None  # names through ``from x import *``: not followed (unknown)

    # ---------------------------------------------------------- resolution
    @property
    def root(self) -> str:
        if self._root is None:
            self._root, self._roots = _project_roots(os.path.dirname(self.origin))
        return self._root

    @property
    def roots(self) -> Tuple[str, ...]:
        """Search roots for absolute imports: the linted file's folder, its
        parents up to the project root, then ``<root>/src``."""
        if self._roots is None:
            self._root, self._roots = _project_roots(os.path.dirname(self.origin))
        return self._roots

    def _find(self, q: str, from_path: str, hop: int) -> Optional[Target]:
        """What the qualified name ``q`` (as written in ``from_path``) is defined as."""
        if hop > MAX_HOPS:
            return UNKNOWN
        key = (q, from_path, hop)
        if key not in self._targets:
            self._targets[key] = UNKNOWN  # cycle guard (a re-export loop)
            self._targets[key] = self._find_uncached(q, from_path, hop)
        return self._targets[key]

    def _find_uncached(self, q: str, from_path: str, hop: int) -> Optional[Target]:
        level = len(q) - len(q.lstrip("."))
        parts = q[level:].split(".") if q[level:] else []
        if not parts or not all(p.isidentifier() for p in parts):
            return UNKNOWN if level else None
        name, modparts = parts[-1], parts[:-1]
        path = self._module_file(tuple(modparts), level, from_path)
        if path is None:  # not in the project; a relative import always is
            return UNKNOWN if level else None
        mod = self._load(path)
        if mod is None:
            return UNKNOWN
        bindings = mod.model.module_scope.bindings.get(name)
        if not bindings:
            return UNKNOWN
        b = bindings[-1]
        if b.kind == "function" and b.node in mod.model.functions:
            return mod, mod.model.functions[b.node], hop
        if b.kind == "class" and b.node in mod.model.classes:
            return mod, mod.model.classes[b.node], hop
        if b.kind == "import" and b.full_name:
            if _candidate(b.full_name):  # re-exported from another project module
                found = self._find(b.full_name, path, hop + 1)
                return UNKNOWN if found is None else found
            if not b.full_name.startswith("builtins."):
                return Alias(b.full_name)  # e.g. ``from torch import manual_seed as set_seed``
        return UNKNOWN

    def _module_file(self, modparts: Tuple[str, ...], level: int, from_path: str) -> Optional[str]:
        if level:
            base = os.path.dirname(from_path)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            if not _inside(base, self.root):
                return None
            if not modparts:
                init = os.path.join(base, "__init__.py")
                return init if self._allowed(init) and os.path.isfile(init) else None
            search: Tuple[str, ...] = (base,) if self._has_top(base, modparts[0]) else ()
        else:
            if not modparts:
                return None
            search = tuple(r for r in self.roots if self._has_top(r, modparts[0]))
        # A local name shadowing a stdlib module would send astroid's frozen-module
        # fallback to importlib.util.find_spec, which imports parent packages.
        if not search or modparts[0] in _STDLIB_NAMES:
            return None
        key = (modparts, search)
        if key not in self._files:
            location = _locate(modparts, search)
            ok = location is not None and location.endswith(".py") and self._allowed(location)
            self._files[key] = os.path.abspath(location) if ok else None
        return self._files[key]

    def _has_top(self, folder: str, name: str) -> bool:
        key = (folder, name)
        if key not in self._tops:
            self._tops[key] = os.path.isfile(os.path.join(folder, name + ".py")) or os.path.isdir(
                os.path.join(folder, name))
        return self._tops[key]

    def _allowed(self, path: str) -> bool:
        """Only the project's own source files, never the linted file itself."""
        if self._real is None:
            self._real = (_realpath(self.root), _realpath(self.origin))
        real = _realpath(path)
        return _inside(real, self._real[0]) and not _third_party(real) and real != self._real[1]

    def _stat(self, path: str) -> Optional[Stamp]:
        if path not in self._stats:
            try:
                st = os.stat(path)
                self._stats[path] = (st.st_mtime_ns, st.st_size)
            except OSError:
                self._stats[path] = None
        return self._stats[path]

    def _load(self, path: str) -> Optional[_Module]:
        """The parsed module at ``path`` (cached by path and stamp); None when it
        cannot be read or parsed, or the per-file budget is spent."""
        if not self._allowed(path):
            return None
        stamp = self._stat(path)
        if stamp is None:
            return None
        if path not in self.touched:
            if len(self.touched) >= MAX_FILES:
                return None
            self.touched.add(path)
        mod = _MODULES.get(path)
        if mod is None or mod.stamp != stamp:
            mod = _MODULES[path] = _Module(path, stamp, _parse(path, stamp))
        return mod if mod.model is not None else None

    # ---------------------------------------------------------------- facts
    def _facts(self, mod: _Module, fn: FunctionInfo, hop: int, opt_params: FrozenSet[str],
               stack: tuple) -> Optional[Facts]:
        key = (fn.node, hop, opt_params, self.roots)
        if (mod.path, fn.node) in stack:
            return None  # mutual recursion across modules: unknown
        cached = mod.facts.get(key)
        if cached is not None:
            facts, stamps = cached
            if all(self._stat(p) == s for p, s in stamps):
                if facts is None:
                    return None
                if len(self.touched | facts.deps) > MAX_FILES:
                    return None
                self.touched |= facts.deps
                return facts
        facts = self._compute(mod, fn, hop, opt_params, stack + ((mod.path, fn.node),))
        if facts is not None:
            stamps = tuple((p, self._stat(p)) for p in sorted(facts.deps))
            mod.facts[key] = (facts, stamps)
        return facts

    def _compute(self, mod: _Module, fn: FunctionInfo, hop: int, opt_params: FrozenSet[str],
                 stack: tuple) -> Optional[Facts]:
        hm = mod.model
        train_nodes = {lp.node for lp, _ in loops.training_loops(hm)}
        events: List[HelperEvent] = []
        calls: Set[str] = set()
        deps = {mod.path}
        trains = False
        for site, via in hm.sites_in(fn):
            chain = (site,) + via
            in_loop = any(lp in train_nodes for s in chain for lp in s.loops)
            if not site.is_call:
                ev = loops.classify(hm, site)
                if ev is not None:
                    events.append(HelperEvent(ev.kind, ev.receiver, mod.path, _line(site.node), in_loop))
                continue
            call = site.node
            q = hm.resolve(call.func, site.scope)
            if q is not None:
                calls.add(q)
            elif isinstance(call.func, ast.Attribute):
                calls.add("?." + call.func.attr)
            sub = self._nested(hm, mod, site, q, hop, stack)
            if sub is not None:
                in_any_loop = any(s.loops for s in chain)
                events.extend(HelperEvent(e.kind, e.receiver, e.path, e.line, e.in_loop or in_any_loop)
                              for e in sub.events)
                calls |= sub.calls
                deps |= sub.deps
                trains = trains or sub.trains
                continue
            ev = _classify(hm, fn, site, q, opt_params)
            if ev is not None:
                events.append(HelperEvent(ev.kind, ev.receiver, mod.path, _line(call), in_loop))
            if (isinstance(call.func, ast.Attribute) and call.func.attr == "fit"
                    and "trainer" in hm.kinds(call.func.value, site.scope)):
                trains = True
        looped = {e.kind for e in events if e.in_loop}
        trains = trains or {loops.BACKWARD, loops.STEP} <= looped
        returns: set = set()
        for value in fn.returns:
            returns |= hm.kinds(value, fn.scope)
        return Facts(mod.path, _line(fn.node), tuple(events), frozenset(calls), trains,
                     frozenset(returns), frozenset(deps))

    def _nested(self, hm: SemanticModel, mod: _Module, site, q: Optional[str], hop: int,
                stack: tuple) -> Optional[Facts]:
        """Facts of a project function called from inside a helper (one more hop)."""
        if not _candidate(q) or hop >= MAX_HOPS or hm.function_for(site.node.func, site.scope):
            return None
        found = self._find(q, mod.path, hop + 1)
        if not isinstance(found, tuple) or not isinstance(found[1], FunctionInfo):
            return None
        sub_mod, sub_fn, sub_hop = found
        args = _param_args(sub_fn, site.node)
        opt_params = frozenset(p for p, a in args.items() if "optimizer" in hm.kinds(a, site.scope))
        sub = self._facts(sub_mod, sub_fn, sub_hop, opt_params, stack)
        if sub is None:
            return None
        texts = {p: _text(a) for p, a in args.items()}
        events = tuple(HelperEvent(e.kind, texts.get(e.receiver, e.receiver), e.path, e.line, e.in_loop)
                       for e in sub.events)
        return Facts(sub.path, sub.line, events, sub.calls, sub.trains, sub.returns, sub.deps)


# ------------------------------------------------------------------ helpers
def _candidate(q: Optional[str]) -> bool:
    """Could ``q`` name something in the user's project? (cheap, no I/O)"""
    if not q:
        return False
    if q.startswith("."):
        return True
    top = q.split(".", 1)[0]
    return top not in known.TORCH_PACKAGES and top not in _STDLIB_NAMES and top != "builtins"


def _classify(hm: SemanticModel, fn: FunctionInfo, site, q: Optional[str], opt_params: FrozenSet[str]):
    """loops.classify on a helper's site, knowing which parameters of ``fn`` the
    caller bound to optimizers (``def train_step(m, o, batch)`` called with one)."""
    ev = loops.classify(hm, site)
    if ev is not None or not opt_params:
        return ev
    call = site.node

    def is_opt(expr) -> bool:
        if not isinstance(expr, ast.Name) or expr.id not in opt_params:
            return False
        bindings = hm.lookup(expr.id, site.scope)
        return bool(bindings) and bindings[-1].kind == "argument" and bindings[-1].scope is fn.scope

    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "step" and is_opt(func.value):
        return loops.Event(loops.STEP, site, (), func.value.id)
    if (q is None or not q.startswith(("torch.", "builtins."))) and hm.function_for(func, site.scope) is None:
        for arg in list(call.args) + [k.value for k in call.keywords]:
            if is_opt(arg):
                return loops.Event(loops.OPAQUE, site, (), arg.id)
    return None


def _param_args(fn: FunctionInfo, call: ast.Call) -> Dict[str, ast.expr]:
    """Parameter name -> argument expression at ``call`` (plain positionals and keywords)."""
    args = fn.node.args
    params = [a.arg for a in args.posonlyargs + args.args]
    out: Dict[str, ast.expr] = {}
    for pname, value in zip(params, call.args):
        if isinstance(value, ast.Starred):
            break
        out[pname] = value
    for k in call.keywords:
        if k.arg:
            out[k.arg] = k.value
    return out


def _from_parameters(hm: SemanticModel, expr: ast.AST, scope, fn: FunctionInfo, depth: int = 0) -> bool:
    """Does ``expr`` read a parameter of ``fn`` (directly or through local names)?"""
    for node in ast.walk(expr):
        if not isinstance(node, ast.Name):
            continue
        for b in hm.lookup(node.id, scope) or ():
            if b.kind == "argument" and b.scope is fn.scope:
                return True
            if (b.kind == "assign" and b.value is not None and b.scope is fn.scope and depth < 3
                    and _from_parameters(hm, b.value, b.scope, fn, depth + 1)):
                return True
    return False


def _caller_receiver(e: HelperEvent, texts: Dict[str, str], first_opt: Optional[str]) -> Optional[str]:
    if e.receiver in texts:
        return texts[e.receiver]
    if e.kind in (loops.STEP, loops.ZERO_GRAD, loops.OPAQUE) and first_opt is not None:
        return first_opt
    return e.receiver


def _text(expr: ast.AST) -> str:
    return unparse(expr)


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", 1)


def _parse(path: str, stamp: Stamp) -> Optional[SemanticModel]:
    """Read and analyse one project file; None when it is too large or does not parse."""
    if stamp[1] > MAX_BYTES:
        return None
    try:
        with open(path, "rb") as fh:
            source = fh.read(MAX_BYTES + 1)
        STATS["parsed"] += 1
        STATS["read_bytes"] += len(source)
        tree = _linted_tree(path, source)
        if tree is None:
            tree = ast.parse(source, filename=path)
        return SemanticModel(tree, path)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError):
        return None


def _linted_tree(path: str, source: bytes) -> Optional[ast.AST]:
    """flake8's tree of ``path`` when it was linted in this process from exactly
    ``source`` (the SemanticModel never mutates nodes, so the tree is shared)."""
    linted = _LINTED.get(path)
    if linted is None:
        return None
    tree, lines = linted
    body = source[len(codecs.BOM_UTF8):] if source.startswith(codecs.BOM_UTF8) else source
    try:
        if "".join(lines).encode("utf-8") != body:
            return None
    except (TypeError, UnicodeError):
        return None
    STATS["reused_trees"] += 1
    return tree


def _locate(modparts: Tuple[str, ...], search: Tuple[str, ...]) -> Optional[str]:
    """astroid's spec finders, restricted to ``search``: the module's source file or None."""
    from astroid import modutils  # lazy: only when a cross-module question gets this far

    try:
        spec = modutils.file_info_from_modpath(list(modparts), path=list(search))
    except ImportError:
        return None
    except Exception:  # astroid on an odd tree: unknown, never a crash
        return None
    return spec.location or None


def _project_roots(folder: str) -> Tuple[str, Tuple[str, ...]]:
    """(project root, search roots) for a linted file in ``folder`` (cached per process)."""
    if folder in _ROOTS:
        return _ROOTS[folder]
    chain = [folder]
    root = None
    current = folder
    while True:
        if any(os.path.exists(os.path.join(current, marker)) for marker in ROOT_MARKERS):
            root = current
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
        chain.append(current)
    if root is None:  # no marker: the folder and the package folders above it
        chain = [folder]
        while os.path.isfile(os.path.join(chain[-1], "__init__.py")):
            parent = os.path.dirname(chain[-1])
            if parent == chain[-1]:
                break
            chain.append(parent)
        root = chain[-1]
    src = os.path.join(root, "src")
    if os.path.isdir(src):
        chain.append(src)
    result = (root, tuple(chain))
    _ROOTS[folder] = result
    return result


def _realpath(path: str) -> str:
    """os.path.realpath, cached per process (it costs an lstat per path component)."""
    real = _REALPATHS.get(path)
    if real is None:
        real = _REALPATHS[path] = os.path.realpath(path)
    return real


_REALPATHS: Dict[str, str] = {}


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives
        return False


def _library_dirs() -> Tuple[str, ...]:
    global _LIBRARY_DIRS
    if _LIBRARY_DIRS is not None:
        return _LIBRARY_DIRS
    dirs = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            p = sysconfig.get_paths().get(key)
        except Exception:  # pragma: no cover - broken sysconfig
            p = None
        if p:
            dirs.add(os.path.realpath(p))
    _LIBRARY_DIRS = tuple(sorted(dirs))
    return _LIBRARY_DIRS


_LIBRARY_DIRS: Optional[Tuple[str, ...]] = None
_STDLIB_NAMES = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)


def _third_party(path: str) -> bool:
    """In site-packages/dist-packages or the interpreter's library? (cached per folder)"""
    folder, name = os.path.split(path)
    if folder not in _THIRD_PARTY:
        real = _realpath(folder)
        _THIRD_PARTY[folder] = bool(_THIRD_PARTY_PARTS.intersection(real.split(os.sep))) or any(
            _inside(real, d) for d in _library_dirs())
    if _THIRD_PARTY[folder]:
        return True
    real = _realpath(path)
    return real != path and _third_party(real)


_THIRD_PARTY: Dict[str, bool] = {}
