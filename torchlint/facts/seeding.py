"""Seeding facts, shared by TL401 and TL402: which calls seed which random number
generators, and which global generators the file draws from.

Three generators matter to a training run: torch's (weight init, dropout,
``DataLoader`` shuffling), Python's ``random`` and NumPy's global one (data
order and augmentation written by hand). A *seeding call* is a call to a known
seeder (``known.TORCH_SEEDERS``, ``known.SEED_ALL``, ``random.seed``,
``numpy.random.seed``) or generator-state restorer (``torch.set_rng_state``),
any ``X.manual_seed(...)`` / ``X.seed_everything(...)``, a ``LightningCLI`` (it
seeds by default), a same-file helper whose body seeds (followed through
helpers, methods and same-file classes' ``__init__``), a name given in
``--torchlint-seed-functions``, or a function imported from the user's own
project: the cross-module facts (torchlint/project.py) say what it seeds; when
they are unknown it is assumed to seed everything (precision first).
:func:`seeding_calls` is the one entry point.
"""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from torchlint import known
from torchlint.project import candidate
from torchlint.semantic import Binding, FunctionInfo, SemanticModel, Site, memoized

# exact node classes, tested by ``type(x) is``: parsed trees hold no subclasses, and a failing
# isinstance against an AST class costs a subclass walk (hot per-site tests)
_Attribute, _Name = ast.Attribute, ast.Name

TORCH = "torch"
RANDOM = "random"
NUMPY = "numpy"
ALL_RNGS: FrozenSet[str] = frozenset({TORCH, RANDOM, NUMPY})
NONE: FrozenSet[str] = frozenset()
MAX_HELPER_DEPTH = 6

# how a call seeds: a known seeder, a same-file helper, a user option, an unknown project
# import, a library's seeding helper named so (known.SEEDER_NAMES)
DIRECT, HELPER, OPTION, PROJECT, LIBRARY = "direct", "helper", "option", "project", "library"


class SeedCall(NamedTuple):
    site: Site
    rngs: FrozenSet[str]  # the generators it seeds
    how: str  # DIRECT | HELPER | OPTION | PROJECT

    @property
    def text(self) -> str:
        return ast.unparse(self.site.node.func)


def seeding_calls(m: SemanticModel, extra: Sequence[str] = ()) -> List[SeedCall]:
    """Every call in the file that seeds a generator, in source order.

    ``extra``: names from ``--torchlint-seed-functions``; a bare name (``my_seed``)
    matches any call whose function is called that, a dotted one
    (``utils.seeding.fix``) the qualified name or the call text.
    """
    return _seeding_calls(m, tuple(extra))


@memoized
def _seeding_calls(m: SemanticModel, extra: Tuple[str, ...]) -> List[SeedCall]:
    found = []
    cache = _cache(m, "call_seeds", extra)  # call_seeds' table, read here without its call
    for site in m.sites:
        if site.is_call:
            answer = cache.get(site.node)
            if answer is None:
                answer = cache[site.node] = _call_seeds(m, site, extra, 0, set())
            if answer[0]:
                found.append(SeedCall(site, answer[0], answer[1]))
    return found


@memoized
def direct_seeds(m: SemanticModel) -> FrozenSet[str]:
    """The generators the file's *direct* seeding calls seed (a known seeder, ``X.manual_seed``,
    ``X.seed_everything``, a ``LightningCLI``): no helper, option or project is followed,
    so it is cheap. Always a subset of :func:`seeded_rngs` of :func:`seeding_calls`
    (a direct seeder is one whatever else is asked): rules ask it first and skip the
    whole analysis when it already decides (TL401: something seeds; TL402: all three)."""
    out: set = set()
    for q in _SEEDERS.keys() & m.called_names().keys():  # known seeders, by the name they resolve to
        out |= _SEEDERS[q]
    classes = m.defined_names()[1]
    for site in m.sites:  # the rest of what _direct_seeds accepts: by attribute, same-file CLIs
        func = site.node.func if site.is_call else None
        if (func.attr in _SEED_METHODS if type(func) is _Attribute
                else type(func) is _Name and func.id in classes):
            out |= _direct_seeds(m, m.resolve(func, site.scope), func, site)
    return frozenset(out)


def seeded_rngs(calls: Sequence[SeedCall]) -> FrozenSet[str]:
    out: set = set()
    for c in calls:
        out |= c.rngs
    return frozenset(out)


def call_seeds(m: SemanticModel, site: Site, extra: Tuple[str, ...], depth: int,
               active: set) -> Tuple[FrozenSet[str], str]:
    """The generators one call seeds, and how (``NONE`` when it seeds nothing known).
    Cached per call site: the first answer (at whatever helper depth) is kept."""
    cache = _cache(m, "call_seeds", extra)
    if site.node not in cache:
        cache[site.node] = _call_seeds(m, site, extra, depth, active)
    return cache[site.node]


@memoized
def _cache(m: SemanticModel, name: str, extra: Tuple[str, ...]) -> Dict:
    """A table for answers that depend on more than their key (helper depth, the
    functions being computed), which the plain memo cannot key on."""
    return {}


def _call_seeds(m: SemanticModel, site: Site, extra: Tuple[str, ...], depth: int,
                active: set) -> Tuple[FrozenSet[str], str]:
    call = site.node
    func = call.func
    qualname = m.resolve(func, site.scope)
    direct = _direct_seeds(m, qualname, func, site)
    if direct:
        return direct, DIRECT
    if extra and _named_in_option(func, qualname, extra):
        return ALL_RNGS, OPTION
    if depth < MAX_HELPER_DEPTH:
        rngs: set = set()
        for helper in m.call_targets(site):
            rngs |= function_seeds(m, helper, extra, depth + 1, active)
        if rngs:
            return frozenset(rngs), HELPER
    binding = m.import_binding(func, site.scope)
    if binding is not None and m.function_for(func, site.scope) is None \
            and m.class_for(func, site.scope) is None:
        if (m.project.owns(m, binding) if m.project is not None
                else m.is_project_import(binding)):
            rngs = imported_seeds(m, site, binding, qualname)
            if rngs:
                return rngs, PROJECT
        elif _library_seeder(qualname):
            return ALL_RNGS, LIBRARY
    return NONE, DIRECT


def _library_seeder(qualname: Optional[str]) -> bool:
    """A library's seeding helper, by its name (``known.SEEDER_NAMES``): torchlint does
    not read third-party code, and such a helper seeds what the library uses."""
    return qualname is not None and "." in qualname and qualname.rsplit(".", 1)[-1] in known.SEEDER_NAMES


def _direct_seeds(m: SemanticModel, qualname: Optional[str], func: ast.expr,
                  site: Site) -> FrozenSet[str]:
    if qualname is not None:
        rngs = _direct_seeds_by_name(qualname)
        if rngs:
            return rngs
    if type(func) is _Attribute and func.attr in _SEED_METHODS:
        return _SEED_METHODS[func.attr]
    cls = m.class_for(func, site.scope)
    if cls is not None and m.base_names(cls) & known.LIGHTNING_CLIS:
        return ALL_RNGS
    return NONE


def _seeders_by_name() -> Dict[str, FrozenSet[str]]:
    out: Dict[str, FrozenSet[str]] = {}
    for rng, restorers in known.RNG_STATE_RESTORERS.items():
        out.update(dict.fromkeys(restorers, frozenset({rng})))
    out.update(dict.fromkeys(known.NUMPY_SEEDERS, frozenset({NUMPY})))
    out.update(dict.fromkeys(known.RANDOM_SEEDERS, frozenset({RANDOM})))
    out.update(dict.fromkeys(known.TORCH_SEEDERS, frozenset({TORCH})))
    out.update(dict.fromkeys(known.SEED_ALL | known.LIGHTNING_CLIS, ALL_RNGS))
    return out


_SEEDERS = _seeders_by_name()
# seeding methods on any receiver: fabric.seed_everything(...), torch.Generator().manual_seed(...)
_SEED_METHODS: Dict[str, FrozenSet[str]] = {"seed_everything": ALL_RNGS, "manual_seed": frozenset({TORCH})}


def _direct_seeds_by_name(qualname: str) -> FrozenSet[str]:
    return _SEEDERS.get(qualname, NONE)


def _named_in_option(func: ast.expr, qualname: Optional[str], extra: Tuple[str, ...]) -> bool:
    text = ast.unparse(func)
    last = text.rsplit(".", 1)[-1]
    for name in extra:
        if "." in name:
            if name in (qualname, text) or (qualname or "").endswith("." + name):
                return True
        elif name == last:
            return True
    return False


def function_seeds(m: SemanticModel, function: FunctionInfo, extra: Tuple[str, ...] = (),
                   depth: int = 0, active: Optional[set] = None) -> FrozenSet[str]:
    """The generators a same-file function seeds when called (through its helpers)."""
    cache = _cache(m, "function_seeds", extra)
    node_id = id(function.node)
    if node_id in cache:
        return cache[node_id]
    active = set() if active is None else active
    if node_id in active:  # recursion: contributes nothing new
        return NONE
    active.add(node_id)
    out: set = set()
    for site in function.sites:
        if site.is_call:
            out |= call_seeds(m, site, extra, depth, active)[0]
    active.discard(node_id)
    result = frozenset(out)
    cache[node_id] = result
    return result


def imported_seeds(m: SemanticModel, site: Site, binding: Binding,
                   qualname: Optional[str]) -> FrozenSet[str]:
    """What a function imported from the user's own project seeds.

    Answered by the cross-module facts (``m.project``, torchlint/project.py) when
    it can locate and analyse the module: the seeders the function calls,
    transitively (``frozenset()``: it seeds nothing); an absolute import it does not
    find in the project is third-party code (``fsspec``, ``boto3``) and seeds nothing
    (unless the provider's per-file budget of module files is spent).
    When the facts are unknown (no provider: stdin, tests; a relative import or a
    project class it cannot analyse), precision first: a called lower-case function
    (not a class: ``Trainer(...)``, ``Net()``) is assumed to seed every generator.
    """
    call = site.node
    project = m.project
    if project is not None:
        called = project.called_seeders(m, call, site.scope)
        if called is not None:
            return _rngs_of(m, called)
        target = project.target(m, call.func, site.scope)
        alias = getattr(target, "qualname", None)  # a re-exported external name
        if alias is not None:
            return _rngs_of(m, {alias})
        if target is None and not binding.level:  # not the project's: a third-party function
            return ALL_RNGS if _library_seeder(qualname) else NONE
    name = ast.unparse(call.func).rsplit(".", 1)[-1]
    if name[:1].isupper():
        return NONE
    return ALL_RNGS


def _rngs_of(m: SemanticModel, qualnames) -> FrozenSet[str]:
    out: set = set()
    for q in qualnames:
        out |= _direct_seeds_by_name(q)
        if q == "?.seed_everything":  # unresolved callee (project.Facts.calls), as _direct_seeds
            out |= ALL_RNGS
        elif q == "?.manual_seed":
            out.add(TORCH)
    return frozenset(out)


# ---------------------------------------------------------------- global draws
def global_draws(m: SemanticModel, extra: Sequence[str] = ()) -> Dict[str, List[Site]]:
    """Calls that draw from Python's ``random`` or NumPy's global generator,
    ``{"random": [...], "numpy": [...]}``: :func:`draw_sites`, less the draws in
    ``Dataset`` methods when a DataLoader may use workers (they reseed both
    generators from torch's seed), plus the calls of the file into the user's project
    (a function, or a class it builds) whose code draws (``CrossModule.draws``)."""
    return _global_draws(m, tuple(extra))


@memoized
def _global_draws(m: SemanticModel, extra: Tuple[str, ...]) -> Dict[str, List[Site]]:
    found = draw_sites(m, extra)
    # workers only filter sites: not asked where there is none, local or of the project
    workers = (any(found.values()) or m.reaches_project()) and _loader_workers(m)
    out = {g: [s for s in sites if not (workers and _in_dataset_method(m, s))] for g, sites in found.items()}
    if m.reaches_project():  # the file imports a project module
        seed_exprs = None  # the seeding analysis only once a project call draws
        for site in _project_candidate_calls(m):
            if workers and _in_dataset_method(m, site):
                continue
            drawn = m.project.draws(m, site.node, site.scope, workers)
            if drawn and seed_exprs is None:
                seed_exprs = _seed_producing_calls(m, extra)
            if drawn and id(site.node) not in seed_exprs:
                for g in drawn:
                    out[g].append(site)
        for sites in out.values():
            sites.sort(key=lambda s: (s.node.lineno, s.node.col_offset))
    return out


def _project_candidate_calls(m: SemanticModel) -> List[Site]:
    """The calls, in source order, whose callee resolves to a name that could be the
    project's (``project.candidate``): ``CrossModule.draws`` answers "nothing" for
    every other call before it looks anything up, so asking only these is exact."""
    indexes = [i for q, found in m.called_names().items() if candidate(q) for i in found]
    return [m.sites[i] for i in sorted(indexes)]


@memoized
def draw_sites(m: SemanticModel, extra: Tuple[str, ...] = ()) -> Dict[str, List[Site]]:
    """Every call in the file to a drawing function of ``random`` or ``numpy.random``,
    by generator, less the draws that only pick a seed (an argument of a seeding call,
    or a value assigned to a ``*seed*`` name or attribute)."""
    out: Dict[str, List[Site]] = {RANDOM: [], NUMPY: []}
    if not (m.mentions("random") or m.star_imports):
        return out  # a callee resolves to random.* / numpy.random.* only by a name or import spelling it
    drawing = {RANDOM: [], NUMPY: []}  # indexes of the sites, by generator
    for q, indexes in m.called_names().items():
        if not q.startswith(_DRAW_MODULES):  # implied by the module tests below
            continue
        module, _, fn = q.rpartition(".")
        if module == "random" and fn not in known.RANDOM_NON_DRAWS and not fn.startswith("_"):
            drawing[RANDOM].extend(indexes)
        elif (module in ("numpy.random", "numpy.random.mtrand")
              and fn not in known.NUMPY_RANDOM_NON_DRAWS and not fn.startswith("_")):
            drawing[NUMPY].extend(indexes)
    for g, indexes in drawing.items():
        out[g] = [m.sites[i] for i in sorted(indexes)]
    if out[RANDOM] or out[NUMPY]:  # the seeding analysis only for a file that draws
        seed_exprs = _seed_producing_calls(m, extra)
        out = {g: [s for s in sites if id(s.node) not in seed_exprs] for g, sites in out.items()}
    return out


_DRAW_MODULES = ("random.", "numpy.random.")


def _loader_workers(m: SemanticModel) -> bool:
    """Some DataLoader may use worker processes (``num_workers`` not literally 0, or
    options splatted in): each worker seeds ``random`` and NumPy from torch's seed."""
    for site in m.calls_to(known.DATALOADERS):
        for kw in site.node.keywords:
            if kw.arg is None or (kw.arg == "num_workers" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value == 0)):
                return True
    return False


def _in_dataset_method(m: SemanticModel, site: Site) -> bool:
    f = site.function
    return f is not None and f.cls is not None and "dataset" in m.class_kinds(f.cls)


@memoized
def _seed_producing_calls(m: SemanticModel, extra: Tuple[str, ...]) -> set:
    roots: List[ast.AST] = []
    for call in seeding_calls(m, extra):
        roots.extend(call.site.node.args)
        roots.extend(k.value for k in call.site.node.keywords)
    for scope in m.scopes.values():
        for name, bindings in scope.bindings.items():
            if "seed" in name.lower():
                roots.extend(b.value for b in bindings if b.kind == "assign" and b.value is not None)
    for attr, writes in m.attr_writes.items():
        if "seed" in attr.lower():
            roots.extend(value for _target, value, _scope in writes)
    ids = set()
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Call):
                ids.add(id(node))
    return ids
