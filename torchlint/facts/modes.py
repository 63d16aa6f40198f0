"""Training/evaluation mode facts, shared by the TL6xx rules.

* *mode calls*: ``m.eval()``, ``m.train()``, ``m.train(False)`` on a module;
* *module identity*: whether two expressions hold the same module, through
  names, parameters, ``self.x``, ``.to(device)``, ``DDP(m)``, ``torch.compile(m)``
  and ``m.module`` (:func:`same_module`);
* *mode at a point*: the training flag a module has when a call runs, from the
  mode calls before it in its function (helpers inlined), around the loops
  that enclose it, and in the same-file callers of that function
  (:func:`mode_at`);
* *mode dependence*: whether a module's output depends on its training flag at
  all (dropout, batch norm, ``self.training``) (:func:`mode_dependent`).

Everything unresolvable answers UNKNOWN / False, and rules treat that as "do not flag".
"""
from __future__ import annotations

import ast
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from torchlint import known
from torchlint.facts import autograd, inline, loops
from torchlint.semantic import FunctionInfo, SemanticModel, Site, memoized
from torchlint.semantic.control import MAX_HELPER_DEPTH
from torchlint.syntax import fold, node_text, short_text

# hot node tests use ``type(x) is ast.X``: parsed trees hold exact node classes (no isinstance walk)

EVAL = "eval"
TRAIN = "train"
UNKNOWN = "unknown"  # ``train(flag)`` with a flag torchlint cannot read, or paths disagree

YES, NO, MAYBE = "yes", "no", "maybe"
MAX_CALLER_DEPTH = 6


class ModeCall(NamedTuple):
    mode: str  # EVAL / TRAIN / UNKNOWN
    site: Site
    via: Tuple[Site, ...]
    # the modules it sets, each with its scope (:func:`mode_in`); () means the receiver
    receivers: Tuple[Tuple[ast.expr, object], ...] = ()

    @property
    def receiver(self) -> ast.expr:
        return self.site.node.func.value

    def sets(self, m: SemanticModel, expr: ast.expr, scope) -> str:
        """Does this call set the mode of ``expr``'s module? (YES / NO / MAYBE, as
        :func:`same_module`, over every module it sets)."""
        rels = {same_module(m, r, rs, expr, scope)
                for r, rs in (self.receivers or ((self.receiver, self.site.scope),))}
        return YES if YES in rels else NO if rels == {NO} else MAYBE

    def overlaps(self, m: SemanticModel, other: "ModeCall") -> str:
        """May the two calls set one module's mode? (YES / NO / MAYBE)"""
        rels = {other.sets(m, r, rs) for r, rs in (self.receivers or ((self.receiver, self.site.scope),))}
        return YES if YES in rels else NO if rels == {NO} else MAYBE

    @property
    def anchor(self) -> ast.AST:
        return self.via[0].node if self.via else self.site.node


def mode_call(m: SemanticModel, site: Site) -> Optional[str]:
    """EVAL for ``x.eval()`` / ``x.train(False)``, TRAIN for ``x.train()`` /
    ``x.train(True)``, UNKNOWN for ``x.train(flag)``; None when the site is no mode
    call: another method, a same-file method named ``train`` (a ``Trainer.train``),
    or a receiver known to be something other than a module."""
    node = site.node
    if not site.is_call or type(node.func) is not ast.Attribute:
        return None
    func = node.func
    if func.attr not in ("eval", "train"):
        return None
    if m.function_for(func, site.scope) is not None or inline.instance_method(m, site):
        return None
    kinds = m.kinds(func.value, site.scope)
    if kinds and "module" not in kinds:
        return None
    for origin, scope in module_origins(m, func.value, site.scope):
        if isinstance(origin, ast.Call):
            cls = _class_of(m, origin, scope)
            if cls is not None and not cls.is_module:
                return None
    given = len(node.args) + len(node.keywords)
    if func.attr == "eval":
        return None if given else EVAL
    if not given:
        return TRAIN
    if given > 1 or (node.keywords and node.keywords[0].arg != "mode"):
        return None
    flag = node.args[0] if node.args else node.keywords[0].value
    if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
        return TRAIN if flag.value else EVAL
    return UNKNOWN


def mode_in(m: SemanticModel, site: Site, via: Tuple[Site, ...]) -> Optional[ModeCall]:
    """The mode call ``site`` is where ``via`` inlines it (:mod:`torchlint.facts.inline`):
    :func:`mode_call` with the helper's parameters read at that call (``m.train(train)``
    in ``set_mode(nets, train=False)``: EVAL), the modules it sets (every element of the
    literal list a loop walks: ``for net in [enc, dec]: net.eval()``), and None when an
    ``if`` on those parameters skips it (``if mode == "train": model.train()`` in
    ``set_mode("eval")``)."""
    mode = mode_call(m, site)
    if mode is None or not inline.runs(m, site, via):
        return None
    node = site.node
    if mode == UNKNOWN:
        value = inline.constant(m, node.args[0] if node.args else node.keywords[0].value, site.scope, via)
        if isinstance(value, bool):
            mode = TRAIN if value else EVAL
    receivers = inline.elements(m, node.func.value, site, via)
    if receivers is None:  # a parameter: the module the call passes (else: every caller's)
        found = inline.bound(m, node.func.value, site.scope, via)
        receivers = (found[:2],) if found is not None else ()
    return ModeCall(mode, site, via, receivers)


def _mode_call_at(m: SemanticModel, site: Site, via: Tuple[Site, ...]) -> Optional[ModeCall]:
    """:func:`mode_in`, or the modes a call into the user's other modules sets
    (:func:`inline.imported_modes`), as one mode call at that call."""
    call = mode_in(m, site, via)
    if call is None and site.is_call and m.reaches_project():
        found = inline.imported_modes(m, site, via)
        call = ModeCall(found[0], site, via, found[1]) if found is not None else None
    return call


# ------------------------------------------------------------------ identity
@memoized(guard=())
def module_origins(m: SemanticModel, expr: ast.expr, scope) -> Tuple[Tuple[ast.AST, object], ...]:
    """:meth:`SemanticModel.origins`, seen through what hands back the same module:
    ``.to()``/``.cuda()``/``.train()``... (known.SELF_RETURNING_METHODS), wrappers
    (DDP, DataParallel, FSDP, ``torch.compile``) and ``wrapper.module``."""
    out: Dict[int, Tuple[ast.AST, object]] = {}
    todo, seen = [(expr, scope)], set()
    while todo and len(seen) < 64:
        e, s = todo.pop()
        if (id(e), id(s)) in seen:
            continue
        seen.add((id(e), id(s)))
        for origin, oscope in m.origins(e, s):
            inner = _unwrap(m, origin, oscope)
            if inner is not None:
                todo.append((inner, oscope))
            else:
                out.setdefault(id(origin), (origin, oscope))
    return tuple(out.values())


def _unwrap(m: SemanticModel, origin: ast.AST, scope) -> Optional[ast.expr]:
    if type(origin) is ast.Attribute and origin.attr == "module":
        return origin.value
    if type(origin) is not ast.Call:
        return None
    func = origin.func
    if type(func) is ast.Attribute and func.attr in known.SELF_RETURNING_METHODS:
        return func.value
    if origin.args and m.resolve(func, scope) in known.MODULE_WRAPPERS:
        return origin.args[0]
    return None


def same_module(m: SemanticModel, a: ast.expr, a_scope, b: ast.expr, b_scope) -> str:
    """YES when both may hold one module (a shared origin), NO when both come from
    known, different constructor calls, MAYBE otherwise."""
    oa = module_origins(m, a, a_scope)
    ob = module_origins(m, b, b_scope)
    if {id(o) for o, _ in oa} & {id(o) for o, _ in ob}:
        return YES
    if oa and ob and all(isinstance(o, ast.Call) for o, _ in oa + ob):
        return NO
    return MAYBE


def is_fresh(m: SemanticModel, expr: ast.expr, scope) -> bool:
    """The module is built in this file (a same-file ``nn.Module`` subclass or a
    ``torch.nn`` layer): it starts in training mode. Loaded or imported models
    (``torch.load``, ``from_pretrained``, which returns a model in eval mode) are not."""
    origins = module_origins(m, expr, scope)
    if not origins:
        return False
    for origin, oscope in origins:
        if not isinstance(origin, ast.Call):
            return False
        cls = _class_of(m, origin, oscope)
        if cls is not None:
            if not cls.is_module:
                return False
            continue
        if not known.nn_layer_name(m.resolve(origin.func, oscope) or ""):
            return False
    return True


# ------------------------------------------------------------------ mode flow
class _Flow:
    """One function's sites (helpers inlined) in source order, with the mode calls."""

    def __init__(self, m: SemanticModel, entries: List[Tuple[Site, Tuple[Site, ...]]],
                 index: Dict[tuple, int], calls: Dict[int, ModeCall], loops_of: List[Tuple[ast.AST, ...]]):
        self.m = m
        self.entries = entries
        self.index = index
        self.calls = calls  # entry index -> mode call
        self.loops_of = loops_of  # entry index -> loops of its anchor
        self._backwards: Optional[List[int]] = None

    @property
    def backwards(self) -> List[int]:
        """Entry indices of ``backward()`` calls (classified on first use)."""
        if self._backwards is None:
            self._backwards = [i for i, (site, _via) in enumerate(self.entries) if i not in self.calls
                               and any(e.kind == loops.BACKWARD for e in loops.classify_all(self.m, site))]
        return self._backwards


def _key(site: Site, via: Sequence[Site]) -> tuple:
    return (id(site.node),) + tuple(id(v.node) for v in via)


@memoized
def _flow(m: SemanticModel, function: Optional[FunctionInfo]) -> _Flow:
    entries = list(expand(m, function.sites if function is not None else m.module_sites))
    calls = {}
    for i, (site, via) in enumerate(entries):
        call = _mode_call_at(m, site, via)
        if call is not None:
            calls[i] = call
    return _Flow(m, entries, {_key(s, v): i for i, (s, v) in reversed(list(enumerate(entries)))}, calls,
                 [(v[0] if v else s).loops for s, v in entries])


def expand(m: SemanticModel, sites, via=(), active=None):
    """``sites`` in source order with same-file code they call inlined, like
    :meth:`SemanticModel.sites_in`, and also methods called on an instance of a
    same-file class (``runner.fit()``) and ``__init__`` of a class instantiated
    (``Predictor()``): a mode call may hide in any of them. Cycle-safe, bounded."""
    active = active if active is not None else set()
    for site in sites:
        yield site, via
        if not site.is_call or len(via) >= MAX_HELPER_DEPTH:
            continue
        func = site.node.func
        if not m.may_run_local(func):
            continue  # the questions below answer None for it (their own first test)
        helper = m.function_for(func, site.scope) or m.instance_method_for(func, site.scope)
        if helper is None:
            cls = m.class_for(func, site.scope)
            helper = m.method(cls, "__init__") if cls is not None else None
        if helper is None or id(helper.node) in active:
            continue
        active.add(id(helper.node))
        yield from expand(m, helper.sites, via + (site,), active)
        active.discard(id(helper.node))


def mode_at(m: SemanticModel, site: Site, via: Tuple[Site, ...], module: ast.expr) -> str:
    """The mode ``module`` (an expression in ``site``'s scope) is in when ``site``
    runs: the last mode call on it before the site in the site's function (helpers
    inlined); inside loops, joined with the mode the previous iteration ends in; with
    none, the mode the function's same-file callers call it in; with no callers, a
    module built in the file is in training mode (TRAIN), anything else UNKNOWN.
    Methods nobody in the file calls (``validation_step``, hooks) are UNKNOWN."""
    function = (via[0] if via else site).function
    target = (module, site.scope)
    return _state(m, function, _key(site, via), target, 0, set())


def _state(m, function, key, target, depth, active) -> str:
    flow = _flow(m, function)
    idx = flow.index.get(key)
    if idx is None:
        return UNKNOWN
    return _state_at(m, flow, function, idx, flow.loops_of[idx], target, depth, active)


def _state_at(m, flow: _Flow, function, idx, chain, target, depth, active) -> str:
    if chain:
        loop = chain[-1]
        inside = [j for j in sorted(flow.calls) if loop in flow.loops_of[j]]
        before = _last(m, flow, [j for j in inside if j < idx], target, idx)
        if before is not None:
            return before
        after = _last(m, flow, [j for j in inside if j > idx], target, idx)
        start = next((j for j in range(len(flow.entries)) if loop in flow.loops_of[j]), idx)
        entry = _state_at(m, flow, function, start, chain[:-1], target, depth, active)
        return _join([entry, after]) if after is not None else entry
    before = _last(m, flow, [j for j in sorted(flow.calls) if j < idx], target, idx)
    if before is not None:
        return before
    return _entry(m, function, target, depth, active)


def _last(m, flow: _Flow, indices, target, idx) -> Optional[str]:
    """The mode the last mode call among ``indices`` that may concern ``target`` sets.
    ``train()`` counts as TRAIN only when a ``backward()`` runs between it and ``idx``
    (after it, for a call later in the loop): a ``train()`` right before a no_grad
    loop is deliberate (Monte Carlo dropout, ``update_bn``), UNKNOWN."""
    for j in reversed(indices):
        call = flow.calls[j]
        rel = call.sets(m, *target)
        if rel == NO:
            continue
        if call.mode == EVAL:
            return EVAL
        if call.mode == TRAIN and rel == YES and any(
                j < b < idx or idx < j < b for b in flow.backwards):
            return TRAIN
        return UNKNOWN
    return None


def _entry(m, function, target, depth, active) -> str:
    if function is None:
        return TRAIN if is_fresh(m, *target) else UNKNOWN
    if id(function.node) in active or depth > MAX_CALLER_DEPTH:
        return UNKNOWN
    sites = m.callers(function)
    if not sites:
        if function.cls is not None or not is_fresh(m, *target):
            return UNKNOWN
        return TRAIN
    active = active | {id(function.node)}
    return _join([_state(m, c.function, _key(c, ()), target, depth + 1, active) for c in sites])


def no_grad_target(m: SemanticModel, found, fw) -> ast.AST:
    """Where ``with torch.no_grad():`` belongs for an eval-mode forward ``fw`` of the
    inference loop ``found`` (loops.inference_loops): the loop, unless the loop also runs
    a forward in training mode with autograd on - one helper serving training and
    evaluation (``model.train(); run_epoch(...); model.eval(); run_epoch(...)``) whose
    training step torchlint cannot see; wrapping the loop would stop training, so the
    place is the call in the loop that leads to the eval-mode forward (or the forward)."""
    if not _trains_too(m, found):
        return found.loop.node
    return fw.via[0].node if fw.via else fw.site.node


@memoized
def _trains_too(m: SemanticModel, found) -> bool:
    """Some forward of the loop, autograd on, runs right after the loop itself calls
    ``train()`` on its module (no eval() between): the loop trains as well."""
    loop = found.loop.node
    for fw in found.forwards:
        if fw.grad is not True:
            continue
        flow = _flow(m, (fw.via[0] if fw.via else fw.site).function)
        idx = flow.index.get(_key(fw.site, fw.via))
        if idx is None:
            continue
        for j in sorted((j for j in flow.calls if j < idx and loop in flow.loops_of[j]), reverse=True):
            call = flow.calls[j]
            rel = call.sets(m, fw.module, fw.site.scope)
            if rel != NO:
                if call.mode == TRAIN and rel == YES:
                    return True
                break
    return False


def backward_follows(m: SemanticModel, loop) -> bool:
    """A ``backward()`` runs after ``loop`` at the same nesting level of its function
    (helpers inlined): the loop's outputs may be collected for it (the graphs are used)."""
    flow = _flow(m, loop.function)
    inside = [i for i, lo in enumerate(flow.loops_of) if loop.node in lo]
    if not inside:
        return False
    return any(b > inside[-1] and tuple(flow.loops_of[b]) == tuple(loop.parents)
               for b in flow.backwards)


def _join(states) -> str:
    states = set(states)
    return states.pop() if len(states) == 1 else UNKNOWN


# ------------------------------------------------------------------ eval left on
class EvalLeftOn(NamedTuple):
    """A mode call that puts a trained module in eval mode inside a training loop (or a
    loop around one), after which the next ``backward()`` runs with no ``train()``."""

    call: ModeCall
    module: ast.expr  # the trained module, as its forward call names it
    module_scope: object


@memoized
def evals_left_on(m: SemanticModel) -> List[EvalLeftOn]:
    """For every training loop (loops.training_loops; an epoch loop around a batch loop
    is one too), its sites in order (helpers inlined) are read as a cycle: from each
    EVAL mode call on a module the loop trains (a forward not under no_grad) that is
    mode-dependent, the next ``backward()`` must come after a ``train()``/``train(flag)``
    on that module (or one that may be it), wrapping around to the top of the loop."""
    out: List[EvalLeftOn] = []
    seen = set()
    for loop, _evs in loops.training_loops(m):
        tokens: List[Tuple[str, Optional[ModeCall]]] = []
        calls = []  # the other calls: the forwards among them are read only when needed
        entries = list(expand(m, m.loop_sites(loop)))
        imports = m.reaches_project()
        if not any(_named(s.node) == "eval" or _named(s.node) == "train" and (s.node.args or s.node.keywords)
                   for s, _via in entries) and not (imports and any(
                inline.imported_modes(m, s, v) for s, v in entries)):
            continue  # no eval() / train(flag) in this loop: nothing to restore
        for site, via in entries:
            if any(e.kind == loops.BACKWARD for e in loops.classify_all(m, site)):
                tokens.append((loops.BACKWARD, None))
                continue
            # a mode call is named eval/train; only a file that reaches its project imports one
            call = _mode_call_at(m, site, via) if imports or _named(site.node) in ("eval", "train") else None
            if call is not None:
                tokens.append((call.mode, call))
            elif site.is_call:
                calls.append((site, via))
        trained = None
        for i, (kind, call) in enumerate(tokens):
            # the cheap conditions first: most eval() calls are undone before the next backward()
            if kind != EVAL or id(call.anchor) in seen or not _reaches_backward(m, tokens, i, call) or \
                    _chosen_per_iteration(m, call, [o for k, o in tokens if k in (TRAIN, UNKNOWN)]):
                continue
            trained = _trained(m, calls) if trained is None else trained
            hit = next((t for t in trained if call.sets(m, *t) == YES and mode_dependent(m, *t)), None)
            if hit is not None:
                seen.add(id(call.anchor))
                out.append(EvalLeftOn(call, hit[0], hit[1]))
    return out


def _trained(m: SemanticModel, calls) -> List[Tuple[ast.expr, object]]:
    """The modules that the forwards among ``calls`` (site, via) run with autograd on."""
    trained = []
    for site, via in calls:
        if loops.is_forward(m, site) and autograd.grad_at(m, site, via) is not False:
            func = site.node.func
            forward = isinstance(func, ast.Attribute) and func.attr == "forward"  # model.forward(x)
            trained.append((func.value if forward else func, site.scope))
    return trained


def _named(node) -> Optional[str]:
    """The method name a call calls (``x.name(...)``), else None."""
    return getattr(getattr(node, "func", None), "attr", None)


def _chosen_per_iteration(m, call: ModeCall, restores: List[ModeCall]) -> bool:
    """``if phase == "train": model.train() else: model.eval()``: a ``train()`` in a
    branch exclusive with the ``eval()`` (``if``/``else``, ``match`` cases) sets the
    mode each iteration; which branch runs before training torchlint cannot tell."""
    scope = (call.via[0] if call.via else call.site).scope
    path = m.statement_path(call.anchor, scope)
    for other in restores:
        other_path = m.statement_path(other.anchor, scope) if path else None
        for x, y in zip(path or (), other_path or ()):
            if x == y:
                continue
            if x[0] is y[0] and (isinstance(x[0], ast.If) and {x[1], y[1]} == {"body", "orelse"}
                                 or x[1] == y[1] == "cases"):
                if other.overlaps(m, call) != NO:
                    return True
            break
    return False


def _reaches_backward(m, tokens, i, call: ModeCall) -> bool:
    for kind, other in tokens[i + 1:] + tokens[:i]:
        if kind == loops.BACKWARD:
            return True
        if kind in (TRAIN, UNKNOWN) and other.overlaps(m, call) != NO:
            return False
    return False


# ------------------------------------------------------------------ dependence
def mode_dependent(m: SemanticModel, expr: ast.expr, scope) -> bool:
    """True when the module ``expr`` holds is known to compute differently in training
    and eval mode: it is, or builds (same-file classes and helpers followed), a dropout,
    batch-norm or transformer layer (known.MODE_DEPENDENT_LAYERS), an RNN/attention
    with ``dropout=``, a model-zoo model (torchvision, timm, transformers), or reads
    ``self.training``. False when unknown (precision first)."""
    return any(_call_dependent(m, o, s, 0) for o, s in module_origins(m, expr, scope)
               if isinstance(o, ast.Call))


def _call_dependent(m: SemanticModel, call: ast.Call, scope, depth: int) -> bool:
    if depth > 6:
        return False
    cls = _class_of(m, call, scope)
    if cls is not None:
        return cls.is_module and cls.dependent
    qualname = m.resolve(call.func, scope) or ""
    if known.is_model_zoo_constructor(qualname):
        return True
    layer = known.nn_layer_name(qualname)
    if layer in known.MODE_DEPENDENT_LAYERS:
        return True
    if layer in known.DROPOUT_ARGUMENT_LAYERS:
        value = next((k.value for k in call.keywords if k.arg == "dropout"), None)
        return value is not None and not (isinstance(value, ast.Constant) and not value.value)
    if layer in known.RUNNING_STATS_LAYERS:
        return any(k.arg == "track_running_stats" and not (
            isinstance(k.value, ast.Constant) and not k.value.value) for k in call.keywords)
    if layer in known.MODULE_CONTAINERS:
        return any(_value_dependent(m, a.value if isinstance(a, ast.Starred) else a, scope, depth)
                   for a in call.args)
    return False


def _value_dependent(m, expr, scope, depth) -> bool:
    for origin, oscope in m.origins(expr, scope):
        if type(origin) is ast.Call and _call_dependent(m, origin, oscope, depth + 1):
            return True
        if isinstance(origin, (ast.List, ast.Tuple, ast.Set)):
            if any(_value_dependent(m, e, oscope, depth + 1) for e in origin.elts):
                return True
        if type(origin) is ast.Dict:
            if any(_value_dependent(m, v, oscope, depth + 1) for v in origin.values):
                return True
        if isinstance(origin, (ast.ListComp, ast.GeneratorExp)):
            if _value_dependent(m, origin.elt, oscope, depth + 1):
                return True
    return False


@memoized(guard=False)
def class_dependent(m: SemanticModel, cls) -> bool:
    """A same-file ``nn.Module`` subclass (and its same-file bases) builds a
    mode-dependent layer, calls one, assigns one to ``self.x`` or reads ``self.training``."""
    for c in m.local_bases(cls):
        text = node_text(m.lines, c.node)  # the walk only for a class that says ".training"
        if ((text is None or "training" in text and _DOT_TRAINING.search(fold(text)))
                and _reads_self_training(c.node)) or any(
                known.nn_layer_name(q) in known.MODE_DEPENDENT_LAYERS or known.is_model_zoo_constructor(q)
                for q in (m.resolve(b, c.outer) or "" for b in c.node.bases)):
            return True
        if any(site.is_call and _call_dependent(m, site.node, site.scope, 1)
               for method in c.methods.values() for site in method.sites):
            return True
        if any(_value_dependent(m, v, s, 1) for values in c.attrs.values() for v, s in values):
            return True
    return False


# ``x.training`` in source read as Python reads names (fold): the dot, blanks, line joins or
# comments, the name; a walk that finds the attribute implies it
_DOT_TRAINING = re.compile(r"\.(?:[\s\\]|#[^\r\n]*)*training\b")


def _reads_self_training(node: ast.ClassDef) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "training" and isinstance(n.value, ast.Name)
               and n.value.id == "self" for n in ast.walk(node))


# ------------------------------------------------------------------ helpers
class _Class:
    """A class a call instantiates: is it an ``nn.Module``, does it depend on the mode?"""

    def __init__(self, is_module: bool, dependent):
        self.is_module = is_module
        self._dependent = dependent  # a bool, or a callable computing it (same-file classes)

    @property
    def dependent(self) -> bool:
        if callable(self._dependent):
            self._dependent = self._dependent()
        return self._dependent


def _class_of(m: SemanticModel, call: ast.Call, scope) -> Optional[_Class]:
    """The same-file class a call instantiates, or one imported from the user's project
    (its summary, torchlint.facts.summaries), else None."""
    cls = m.class_for(call.func, scope)
    if cls is not None:
        return _Class(m.is_nn_module(cls), lambda: class_dependent(m, cls))
    if m.project is not None:
        found = m.project.class_summary(m, call, scope)
        if found is not None:
            return _Class(found.is_module, found.mode_dependent)
    return None


@memoized
def freezes_parameters(m: SemanticModel) -> bool:
    """``p.requires_grad = False`` or ``x.requires_grad_(False)`` somewhere in the file: a
    frozen model records no graph even with autograd on."""
    if any(s.is_call and type(s.node.func) is ast.Attribute and s.node.func.attr == "requires_grad_"
           and s.node.args and isinstance(s.node.args[0], ast.Constant) and s.node.args[0].value is False
           for s in m.sites):
        return True
    return "requires_grad" in m.attr_writes


text = short_text  # source text for messages (one helper for every rule)
