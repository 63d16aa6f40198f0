"""The linted file's questions about its project's other modules, answered from
summaries (:mod:`torchlint.facts.summaries`).

:class:`CrossModule` is the ``project`` a :class:`~torchlint.semantic.SemanticModel`
is given: it maps a helper's parameters to the caller's arguments and follows
calls into further modules up to ``project.MAX_HOPS`` import hops. A module
whose text cannot hold what a question is about (no word an event, a seeder or
``fit`` needs, and no import of a project module) is answered without parsing
it. Every "cannot tell" is None / unknown, which rules read as "do not flag".
"""
from __future__ import annotations

import ast
import functools
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Tuple, Union

from torchlint import known, project
from torchlint.project import candidate
from torchlint.facts import data, lexicon, loops, summaries
from torchlint.facts.summaries import Alias, ClassSummary, Event, FunctionSummary, NestedCall, Reexport
from torchlint.semantic import Scope, SemanticModel
from torchlint.syntax import unparse


# ------------------------------------------------------------------ answers
class HelperEvent(NamedTuple):
    """A training event inside an imported helper, as the caller sees it."""

    kind: str
    receiver: Optional[str]  # in the caller's names where the helper's parameter maps to an argument
    path: str
    line: int
    in_loop: bool  # inside a loop of the helper's own code (that module's lint reports it)


class Facts(NamedTuple):
    """What a function of the user's project does, seen from a call to it."""

    path: str
    line: int
    events: Tuple[HelperEvent, ...]  # in source order, helpers inlined
    calls: FrozenSet[str]
    trains: bool
    returns: FrozenSet[str]
    returns_graph: bool = False

    @property
    def kinds(self) -> FrozenSet[str]:
        return frozenset(e.kind for e in self.events)

    @property
    def clears_gradients(self) -> bool:
        return loops.ZERO_GRAD in self.kinds

    def seeds(self, seeders: Iterable[str] = known.TORCH_SEEDERS) -> bool:
        return not self.calls.isdisjoint(seeders)


class Target(NamedTuple):
    path: str
    name: str
    summary: Union[FunctionSummary, ClassSummary]
    hop: int


def _guarded(default):
    """A question that fails on some odd project is unknown (``default``), never a crash:
    every rule reads loop events through it, so one TL000 would be many."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception:  # RecursionError included
                return default
        return guarded
    return wrap


class CrossModule:
    """The linted file's questions about its project's other modules (one per linted file)."""

    def __init__(self, proj: project.Project):
        self.project = proj
        self._targets: Dict[tuple, object] = {}
        self._facts: Dict[ast.Call, Optional[Facts]] = {}
        self._methods: Dict[ast.Attribute, object] = {}
        self._imported: Optional[Tuple[str, ...]] = None  # project modules the file imports
        self._reaches: Optional[bool] = None
        self._defined: Dict[str, bool] = {}  # method name -> one of them says ``def name(``
        self._held: Dict[tuple, bool] = {}  # (path, word, hop, strict) -> :func:`lexicon.holds`
        self._owned: Dict[int, bool] = {}  # id(binding) -> :meth:`owns` (bindings live as long as self)
        self._modules: Dict[ast.Call, Optional[str]] = {}  # call -> :meth:`_module_of`
        self._inert: Dict[tuple, Optional[str]] = {}  # (call, word) -> :meth:`_inert_module`

    def close(self) -> None:
        self.project.close()  # the linted file is done: the models kept for its questions go

    @property
    def touched(self) -> set:
        return self.project.touched

    def owns(self, m: SemanticModel, binding) -> bool:
        """Does an import name the project's own code? A relative import, a module no
        known library has (:meth:`SemanticModel.is_project_import`), or a top-level
        package named like a library that the project holds itself (a timm checkout's
        ``from timm import utils``: the import system finds the checkout's copy first)."""
        found = self._owned.get(id(binding))
        if found is None:
            found = self._owned[id(binding)] = self._owns(m, binding)
        return found

    def _owns(self, m: SemanticModel, binding) -> bool:
        if m.is_project_import(binding):
            return True
        if binding.kind != "import":
            return False
        top = (binding.module or binding.full_name or "").split(".")[0]
        # ``import torch`` / ``import os``: never looked for in the project (no file probe)
        return lexicon.project_top(top) and \
            self.project.module_file((top,), 0, self.project.origin) is not None

    @_guarded(project.UNKNOWN)
    def target(self, m: SemanticModel, func: ast.expr, scope: Scope):
        """What a call's ``func`` refers to through the linted file's imports: a
        :class:`Target`, an :class:`Alias`, :data:`project.UNKNOWN` for a project name that
        cannot be analysed, or None when the name is not the project's."""
        if not self.reaches(m):
            return None
        q = m.resolve(func, scope)
        return self._find(q, self.project.origin, 1) if candidate(q) else None

    def _find(self, q: str, from_path: str, hop: int):
        key = (q, from_path, hop)
        if key not in self._targets:
            self._targets[key] = project.UNKNOWN  # cycle guard (a re-export loop)
            self._targets[key] = self._find_uncached(q, from_path, hop)
        return self._targets[key]

    def _find_uncached(self, q: str, from_path: str, hop: int):
        if hop > project.MAX_HOPS:
            return project.UNKNOWN
        level = len(q) - len(q.lstrip("."))
        parts = q[level:].split(".") if q[level:] else []
        if not parts:
            return project.UNKNOWN if level else None
        path = self.project.module_file(tuple(parts[:-1]), level, from_path)
        if path is None:  # not in the project; a relative import always is
            return project.UNKNOWN if level else None
        located = self.project.module(path, hop)
        if located is project.UNKNOWN:
            return project.UNKNOWN
        entry = located.summary.get(parts[-1], functools.partial(self.project.model, path))
        if isinstance(entry, (FunctionSummary, ClassSummary)):
            return Target(path, parts[-1], entry, hop)
        if isinstance(entry, Reexport):
            full = entry.qualname
            if candidate(full):
                found = self._find(full, path, hop + 1)
                return project.UNKNOWN if found is None else found
            if not full.startswith("builtins."):
                return Alias(full)  # e.g. ``from torch import manual_seed as set_seed``
        return project.UNKNOWN

    # ------------------------------------------------------------ questions
    def facts(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[Facts]:
        """Facts about the project function ``call`` calls; None: not one, or unknown. Once per call."""
        if not self.reaches(m):
            return None
        if call not in self._facts:
            self._facts[call] = self._call_facts(m, call, scope)
        return self._facts[call]

    @_guarded(None)
    def _call_facts(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[Facts]:
        if self._module_of(m, call, scope) is None and (  # callee's Target: in the module
                type(call.func) is not ast.Attribute or self._method_class(m, call.func, scope) is None):
            return None  # _module_of names (the name resolves), or from _method_class: none here
        inert = self._inert_module(m, call, scope)
        if inert is not None:
            if m.resolve(call.func, scope) is None:
                return None  # a method: classified as the call it looks like (``opt.step()``)
            return Facts(inert, 0, (), frozenset(), False, frozenset())
        found, this = self.callee(m, call, scope)
        if found is None:
            return None
        bound = found.summary.bind(call, method=this is not None)
        opt = frozenset(p for p, a in bound.items() if "optimizer" in m.kinds(a, scope))
        texts = {p: unparse(a) for p, a in bound.items()}
        first_opt = next((texts[p] for p in bound if p in opt), None)
        out = self._expand(found, opt, ((found.path, found.name),))
        if out is None:
            return None
        events, calls, trains = out
        if this is not None and not events and not found.summary.returns_graph:
            return None  # a method that does nothing torchlint follows: as the call it looks like
        events = tuple(HelperEvent(e.kind, _receiver(e, texts, first_opt, this), e.path, e.line, e.in_loop)
                       for e in events)
        return Facts(found.path, found.summary.line, events, calls, trains, found.summary.returns,
                     found.summary.returns_graph)

    def callee(self, m: SemanticModel, call: ast.Call,
               scope: Scope) -> Tuple[Optional[Target], Optional[str]]:
        """The project function a call runs (a :class:`Target` over a FunctionSummary), and
        for a method the caller's text for its ``self`` (``"trainer"`` in
        ``trainer.train_step(x)`` on an instance of an imported class; ``"self"`` for a
        method a same-file class inherits from a base in another module); (None, None)
        when it is none or cannot be analysed."""
        found = self.target(m, call.func, scope)
        if type(found) is Target and type(found.summary) is FunctionSummary:
            return found, None
        func = call.func
        if found is not None or type(func) is not ast.Attribute:
            return None, None
        where = self._method_class(m, func, scope)
        if where is None:
            return None, None
        cls_expr, cls_scope, this = where
        cls = self.target(m, cls_expr, cls_scope)
        if not isinstance(cls, Target) or not isinstance(cls.summary, ClassSummary):
            return None, None
        method = self._method(cls, func.attr)
        return (method, this) if method is not None else (None, None)

    def _method_class(self, m: SemanticModel, func: ast.Attribute, scope: Scope):
        if func not in self._methods:
            self._methods[func] = self._find_method_class(m, func, scope)
        return self._methods[func]

    def _find_method_class(self, m: SemanticModel, func: ast.Attribute, scope: Scope):
        """``(class expression, its scope, the caller's text for self)`` when ``obj.name``
        runs a method that a class of the project defines, in a module whose text says
        ``def name(`` (no parse): the class every value of ``obj`` is an instance of, or
        for ``self`` in a same-file class that does not define it, a base from another
        module. Anything else (``model.zero_grad()`` inherited from ``nn.Module``) is None."""
        obj, name = func.value, func.attr
        if type(obj) is ast.Name and obj.id == "self":
            cls = m.enclosing_class(scope)
            if cls is None or m.method(cls, name) is not None:
                return None
            bases = [(b, c.outer) for c in m.local_bases(cls) for b in c.node.bases
                     if m.class_for(b, c.outer) is None]
            this = "self"
        else:
            if not self._imported_defines(m, name):
                return None  # no imported project module has such a method: no flow needed
            origins = m.origins(obj, scope)
            if not origins or not all(isinstance(o, ast.Call) for o, _s in origins):
                return None
            bases = [(o.func, s) for o, s in origins]
            if len({m.resolve(b, s) for b, s in bases}) != 1:
                return None
            this = None
        for expr, escope in bases:
            path = self._path_of(m.resolve(expr, escope))
            if path is not None and self._defines(path, name):
                return expr, escope, this or unparse(obj)
        return None

    def imported_paths(self, m: SemanticModel) -> Tuple[str, ...]:
        """The project modules the file imports, at any scope (``from pkg import Net``,
        ``import pkg``, ``from pkg import sub``; a package named like a library that the
        project holds counts, :meth:`owns`). No parse."""
        if self._imported is None:
            # every import's top-level name (relative: ``.data``) is in m.imported_modules:
            # when all are libraries' (most files), none names a candidate
            others = m.imported_modules - project.LIBRARY_TOPS
            absolute = any(not name.startswith(".") for name in others)
            paths = set()
            for scope in m.scopes.values() if others else ():
                for bindings in scope.bindings.values():
                    for b in bindings:
                        # a library's or the stdlib's name has no project path (_path_of)
                        if b.kind == "import" and (absolute or b.level) and b.full_name \
                                and candidate(b.full_name) and self.owns(m, b):
                            paths.update(p for p in (self._path_of(b.full_name),
                                                     self._path_of(b.full_name + ".x")) if p)
            self._imported = tuple(sorted(paths))
        return self._imported

    def reaches(self, m: SemanticModel) -> bool:
        """Can any answer here be other than "nothing"? Only when the file imports a
        module of its project, or star-imports something (which may be one): every name
        a question follows into the project comes through one of its imports. The gate
        every question passes first: most training scripts import no module of their own."""
        if self._reaches is None:
            self._reaches = bool(m.star_imports) or bool(self.imported_paths(m))
        return self._reaches

    def _imported_defines(self, m: SemanticModel, name: str) -> bool:
        """Some project module the file imports says ``def name(``: the cheap test before
        following where a receiver comes from (the class of a receiver resolves through
        one of the file's imports, and :meth:`_find_method_class` asks the same of its
        module)."""
        if name not in self._defined:
            self._defined[name] = bool(m.star_imports) or any(
                self._defines(p, name) for p in self.imported_paths(m))
        return self._defined[name]

    def _path_of(self, q: Optional[str]) -> Optional[str]:
        """The project module a qualified name of the linted file comes from (no parse)."""
        if not candidate(q):
            return None
        level = len(q) - len(q.lstrip("."))
        parts = q[level:].split(".")
        return self.project.module_file(tuple(parts[:-1]), level, self.project.origin)

    def _defines(self, path: str, name: str) -> bool:
        """The module's text says ``def name(`` (or cannot be read)."""
        found = self.project.scan(path, lexicon.scan)
        return found is None or name.encode() in found.defined

    def _method(self, cls: Target, name: str) -> Optional[Target]:
        """The method ``name`` of a project class, its own or its bases' (within the hops)."""
        found = cls.summary.methods.get(name, functools.partial(self.project.model, cls.path))
        if found is project.UNKNOWN:
            return None
        if found is not None:
            return Target(cls.path, f"{cls.name}.{name}", found, cls.hop)
        for q in cls.summary.bases:
            base = self._find(q, cls.path, cls.hop + 1)
            if isinstance(base, Target) and isinstance(base.summary, ClassSummary):
                return self._method(base, name)
        return None

    @_guarded(frozenset())
    def attribute_kinds(self, m: SemanticModel, cls, attr: str) -> FrozenSet[str]:
        """Kinds of ``self.attr`` that a same-file class gets from a base defined in
        another module of the project (``self.optimizer`` set by an engine base)."""
        for c in m.local_bases(cls):
            for base in c.node.bases:
                if m.class_for(base, c.outer) is None:
                    found = self.target(m, base, c.outer)
                    kinds = self._attribute(found, attr) if isinstance(found, Target) else None
                    if kinds:
                        return kinds
        return frozenset()

    def _attribute(self, cls: Target, attr: str) -> FrozenSet[str]:
        if not isinstance(cls.summary, ClassSummary):
            return frozenset()
        kinds = cls.summary.attrs.get(attr, functools.partial(self.project.model, cls.path))
        if kinds is project.UNKNOWN:
            return frozenset()
        if kinds:
            return kinds
        for q in cls.summary.bases:
            base = self._find(q, cls.path, cls.hop + 1)
            if isinstance(base, Target):
                return self._attribute(base, attr)
        return frozenset()

    @_guarded(False)
    def returns_graph(self, m: SemanticModel, call: ast.Call, scope: Scope) -> bool:
        """Does the project function or method ``call`` runs return a tensor that a
        ``backward()`` ran on (``return loss`` after ``loss.backward()``)?"""
        facts = self.facts(m, call, scope)
        return bool(facts is not None and facts.returns_graph)

    def trains(self, m: SemanticModel, call: ast.Call, scope: Scope) -> bool:
        """Does the project function ``call`` calls run a training loop or ``trainer.fit``?
        A module whose text (and imports) cannot hold a backward or a fit is not parsed."""
        if self._inert_module(m, call, scope, "trains") is not None:
            return False
        facts = self.facts(m, call, scope)
        return bool(facts is not None and facts.trains)

    def called_seeders(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[FrozenSet[str]]:
        """The qualified names the project function ``call`` calls that could be seeders
        (transitively); None when unknown. A module without "seed" is not parsed."""
        if self._inert_module(m, call, scope, "seeds") is not None:
            return frozenset()
        facts = self.facts(m, call, scope)
        return None if facts is None else facts.calls

    @_guarded(frozenset())
    def draws(self, m: SemanticModel, call: ast.Call, scope: Scope, in_workers: bool) -> FrozenSet[str]:
        """The global generators (``random``, ``numpy``) the project function ``call``
        calls, or the methods of the project class it builds, draw from without seeding
        them (TL402); a ``Dataset``'s draws do not count when ``in_workers`` (DataLoader
        workers reseed both). Empty when unknown. A module without "random" is not parsed."""
        if not self.reaches(m) or not candidate(m.resolve(call.func, scope)) \
                or self._inert_module(m, call, scope, "draws") is not None:
            return frozenset()
        found = self.target(m, call.func, scope)
        if not isinstance(found, Target):
            return frozenset()
        if in_workers and isinstance(found.summary, ClassSummary) and "dataset" in found.summary.kinds:
            return frozenset()
        return found.summary.draws

    def may_provide(self, m: SemanticModel, call: ast.Call, scope: Scope, word: str) -> bool:
        """Could the project function ``call`` calls contribute what ``lexicon.WORDS[word]`` is
        needed for (a ``backward`` call, an optimizer ``step``)? False when the call is
        not into the project, or its module and the project modules that one imports
        (all the analysis could read, within the hops) lack the word. No parse."""
        return self._module_of(m, call, scope) is not None and \
            self._inert_module(m, call, scope, word) is None

    def _module_of(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[str]:
        """The project module the callee comes from (a method's: its class's module)."""
        if not self.reaches(m):
            return None
        if call not in self._modules:
            self._modules[call] = self._find_module_of(m, call, scope)
        return self._modules[call]

    def _find_module_of(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[str]:
        q = m.resolve(call.func, scope)
        if q is None and type(call.func) is ast.Attribute:  # a method of a project class?
            where = self._method_class(m, call.func, scope)
            return self._path_of(m.resolve(where[0], where[1])) if where is not None else None
        return self._path_of(q)

    def _inert_module(self, m: SemanticModel, call: ast.Call, scope: Scope,
                      word: str = "acts") -> Optional[str]:
        """The path of the project module the callee comes from when that module, and
        the project modules it imports (one level: all an answer could read within
        ``MAX_HOPS``), lack ``lexicon.WORDS[word]`` - and, for events, no optimizer is passed in:
        then the question's answer is "nothing" without parsing. None when that cannot
        be told this cheaply."""
        key = (call, word)
        if key not in self._inert:
            self._inert[key] = self._find_inert_module(m, call, scope, word)
        return self._inert[key]

    def _find_inert_module(self, m: SemanticModel, call: ast.Call, scope: Scope, word: str) -> Optional[str]:
        path = self._module_of(m, call, scope)
        # events and training: a name the hops cannot reach has none either (no facts);
        # "nothing" for any other question must not turn an unknown into a known
        strict = word not in ("backward", "step", "trains")
        if path is None or lexicon.holds(self.project, path, word, strict, self._held):
            return None
        if word == "acts":  # an optimizer handed in may be stepped or handed on (events)
            args = list(call.args) + [k.value for k in call.keywords]
            if any("optimizer" in m.kinds(a, scope) for a in args if not isinstance(a, ast.Starred)):
                return None
        return path

    def _expand(self, target: Target, opt: FrozenSet[str], stack: tuple):
        """(events, calls, trains) of a function given which parameters hold optimizers."""
        fs = target.summary
        events: List[HelperEvent] = []
        calls = set(fs.calls)
        trains = fs.trains
        for item in fs.items:
            if isinstance(item, NestedCall):
                sub = self._nested(item, target, stack)
                if sub is not None:
                    sub_events, sub_calls, sub_trains = sub
                    events.extend(e._replace(in_loop=e.in_loop or item.looped) for e in sub_events)
                    calls |= sub_calls
                    trains = trains or sub_trains
                    continue
                for ev in item.fallback:
                    events.extend(_materialize(ev, opt, target.path))
            else:
                events.extend(_materialize(item, opt, target.path))
        looped = {e.kind for e in events if e.in_loop}
        return events, frozenset(calls), trains or {loops.BACKWARD, loops.STEP} <= looped

    def _nested(self, item: NestedCall, outer: Target, stack: tuple):
        if outer.hop >= project.MAX_HOPS:
            return None
        found = self._find(item.qualname, outer.path, outer.hop + 1)
        if not isinstance(found, Target) or not isinstance(found.summary, FunctionSummary):
            return None
        if (found.path, found.name) in stack:
            return None  # mutual recursion across modules: unknown
        fs = found.summary
        texts, opt = {}, set()
        for where, text, is_opt in item.args:
            name = fs.positional[where] if isinstance(where, int) and where < len(fs.positional) else where
            if isinstance(name, str):
                texts[name] = text
                if is_opt:
                    opt.add(name)
        sub = self._expand(found, frozenset(opt), stack + ((found.path, found.name),))
        if sub is None:
            return None
        events, calls, trains = sub
        return [e._replace(receiver=texts.get(e.receiver, e.receiver)) for e in events], calls, trains

    @_guarded(frozenset())
    def call_kinds(self, m: SemanticModel, call: ast.Call, scope: Scope) -> FrozenSet[str]:
        """Kinds of what an imported project function returns, or of an instance of an
        imported project class (``model = Net()``: module)."""
        found = self.target(m, call.func, scope)
        if type(found) is not Target:
            return frozenset()
        fs = found.summary
        return fs.kinds if isinstance(fs, ClassSummary) else fs.returns

    @_guarded(None)
    def class_summary(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[ClassSummary]:
        found = self.target(m, call.func, scope)
        if type(found) is Target and type(found.summary) is ClassSummary:
            return found.summary
        return None

    @_guarded(None)
    def seeds(self, m: SemanticModel, call: ast.Call, scope: Scope,
              seeders: Iterable[str] = known.TORCH_SEEDERS) -> Optional[bool]:
        seeders = frozenset(seeders)
        found = self.target(m, call.func, scope)
        if isinstance(found, Alias):
            return found.qualname in seeders
        facts = self.facts(m, call, scope)
        return None if facts is None else facts.seeds(seeders)

    @_guarded(None)
    def whole_dataset_loader(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[str]:
        """TL501 across modules: the dataset's text when ``call`` calls a project function
        returning one DataLoader over the whole dataset on every rank; None otherwise."""
        found = self.target(m, call.func, scope)
        if not isinstance(found, Target) or not isinstance(found.summary, FunctionSummary):
            return None
        loader = found.summary.loader
        if loader is None:
            return None
        how, what = loader
        if how == "text":
            return what
        arg = found.summary.bind(call).get(what)
        if arg is None or data.depends_on_rank(m, arg, scope):
            return None
        return data.source_text(arg)

    @_guarded(())
    def fed_arguments(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Tuple[ast.expr, ...]:
        """The arguments of ``call`` that the training loop of the project function it
        calls draws batches from (``train(model, iter(loader), opt)``). No parse of a
        module whose text cannot train."""
        if self._module_of(m, call, scope) is None or self._inert_module(m, call, scope, "trains"):
            return ()
        found, this = self.callee(m, call, scope)
        if found is None or not found.summary.feeds:
            return ()
        bound = found.summary.bind(call, method=this is not None)
        return tuple(bound[p] for p in sorted(found.summary.feeds) if p in bound)

    @_guarded(False)
    def never_calls(self, m: SemanticModel, call: ast.Call, scope: Scope, method: str) -> bool:
        """The project function ``call`` calls is known never to call ``X.<method>(...)``
        (``set_epoch``), itself or in what it calls within the hops."""
        facts = self.facts(m, call, scope)
        return facts is not None and not any(q.rsplit(".", 1)[-1] == method for q in facts.calls)

    @_guarded(None)
    def epoch_sampler(self, m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[str]:
        """TL502 across modules: when ``call`` calls a project function returning a
        DistributedSampler it builds (that may shuffle), ``""``; a DataLoader over one,
        ``".sampler"`` (the way to it from the returned value); else None."""
        found, this = self.callee(m, call, scope)
        return found.summary.epoch_sampler if found is not None and this is None else None

    @_guarded(None)
    def star_export(self, m: SemanticModel, name: str) -> Optional[str]:
        """The qualified name ``name`` has through the file's ``from x import *`` of a
        project module (``torch`` for a ``models.py`` that does ``import torch``)."""
        for stmt in m.star_imports:
            module = ("." * stmt.level) + (stmt.module or "")
            parts = tuple(p for p in (stmt.module or "").split(".") if p)
            path = self.project.module_file(parts, stmt.level, self.project.origin)
            if path is None:
                continue
            located = self.project.module(path, 1)
            if located is project.UNKNOWN:
                return None
            if name in located.summary.star_names:
                imported = located.summary.star_names[name]
                return imported or f"{module}.{name}"
        return None


def _materialize(ev: Event, opt: FrozenSet[str], path: str) -> List[HelperEvent]:
    if ev.if_opt:
        hit = next((p for p in ev.if_opt if p in opt), None)
        if hit is None:
            return []
        return [HelperEvent(ev.kind, hit, path, ev.line, ev.in_loop)]
    return [HelperEvent(ev.kind, ev.receiver, path, ev.line, ev.in_loop)]


def _receiver(e: HelperEvent, texts: Dict[str, str], first_opt: Optional[str],
              this: Optional[str] = None) -> Optional[str]:
    if e.receiver in texts:
        return texts[e.receiver]
    if this is not None and e.receiver is not None and e.receiver.split(".", 1)[0] == "self":
        return this + e.receiver[4:]  # ``self.optimizer`` in a method: ``trainer.optimizer``
    if e.kind in (loops.STEP, loops.ZERO_GRAD, loops.OPAQUE) and first_opt is not None:
        return first_opt
    return e.receiver


def for_file(filename: Optional[str]) -> Optional[CrossModule]:
    """The cross-module answers for a linted file, or None (no usable location)."""
    proj = project.for_file(filename, summaries.summarize)
    return CrossModule(proj) if proj is not None else None
