"""Training-loop discovery, shared by the TL1xx, TL5xx and TL6xx rules.

A *training loop* (RULES.md) is a ``for``/``while`` whose body, at any depth and
through same-file helpers, calls both ``<tensor>.backward()`` (or
``scaler.scale(loss).backward()``, ``accelerator.backward(loss)``,
``torch.autograd.backward``) and ``<optimizer>.step()`` (or
``scaler.step(optimizer)``). Each site in a loop is classified once into an
*event*; rules read events, never raw calls.
"""
from __future__ import annotations

import ast
import re
from typing import Iterator, List, NamedTuple, Optional, Tuple

from torchlint import known
from torchlint.facts import autograd, inline
from torchlint.semantic import LoopInfo, SemanticModel, Site, memoized
from torchlint.syntax import unparse, walk

# exact node classes, tested by ``type(x) is``: parsed trees hold no subclasses, and a failing
# isinstance against an AST class costs a subclass walk (hot per-site tests)
_Attribute = ast.Attribute

BACKWARD = "backward"
STEP = "step"  # optimizer step
ZERO_GRAD = "zero_grad"  # any gradient clearing
SCHEDULER_STEP = "scheduler_step"
OPAQUE = "opaque"  # an optimizer handed to code torchlint cannot see (might clear)
UNSEEN_CALL = "unseen_call"  # in events(): a call it cannot see, OPAQUE if is_opaque() says so

# GradScaler methods other than step(): none of them clears or steps
_SCALER_METHODS = frozenset({"unscale_", "scale", "update"})
# in-place tensor methods that clear ``p.grad`` when called on it
_GRAD_CLEARING = frozenset({"zero_", "detach_", "fill_", "requires_grad_"})
# method names :func:`_local_event` tells an event (or none) by, before the generic tests
_NAMED_EVENTS = frozenset({"backward", "manual_backward", "zero_grad", "step"}) | _SCALER_METHODS \
    | _GRAD_CLEARING
_UNSET = object()  # a qualified name not asked yet


class Origin(NamedTuple):
    """Where an event contributed by an imported project helper happens (torchlint.project)."""

    path: str
    line: int
    in_loop: bool  # inside a loop of that module's own code: its own lint reports it


class Event(NamedTuple):
    kind: str
    site: Site
    via: Tuple[Site, ...]  # helper call chain from the loop to this site
    receiver: Optional[str] = None  # source text of the receiver, for messages
    origin: Optional[Origin] = None  # set when the event happens inside an imported project helper

    @property
    def node(self) -> ast.AST:
        return self.site.node

    @property
    def anchor(self) -> ast.AST:
        """Where a report belongs in the loop's own function: the site, or the first helper call."""
        return self.via[0].node if self.via else self.site.node


def classify(m: SemanticModel, site: Site) -> Optional[Event]:
    """The training event a site is, or None. ``via`` is filled in by the caller."""
    ev = _classify(m, site)
    return handed_optimizer(m, site) if ev is not None and ev.kind == UNSEEN_CALL else ev


def is_backward(m: SemanticModel, site: Site) -> bool:
    """:func:`classify` says BACKWARD (asked without what unseen calls are handed)."""
    ev = _classify(m, site)
    return ev is not None and ev.kind == BACKWARD


def is_opaque(m: SemanticModel, ev: Event) -> bool:
    """An optimizer handed to code torchlint cannot see: OPAQUE, or an UNSEEN_CALL that is one."""
    return ev.kind == OPAQUE or ev.kind == UNSEEN_CALL and handed_optimizer(m, ev.site) is not None


def resolved(m: SemanticModel, evs: List[Event]) -> List[Event]:
    """``evs`` as a reader of every event (not of some kinds) needs them: each UNSEEN_CALL
    made the OPAQUE event it is, or dropped."""
    out = []
    for ev in evs:
        if ev.kind == UNSEEN_CALL:
            found = handed_optimizer(m, ev.site)
            if found is None:
                continue
            ev = found._replace(via=ev.via)
        out.append(ev)
    return out


@memoized
def handed_optimizer(m: SemanticModel, site: Site) -> Optional[Event]:
    """The OPAQUE event of a call torchlint cannot follow (an UNSEEN_CALL), when it is
    handed something that may be an optimizer; else None."""
    node = site.node
    for arg in list(node.args) + [k.value for k in node.keywords]:
        if "optimizer" in m.kinds(arg, site.scope):
            return Event(OPAQUE, site, (), unparse(arg))
    return None


def _classify(m: SemanticModel, site: Site) -> Optional[Event]:
    """:func:`classify`, with a call it cannot follow left an UNSEEN_CALL (whose arguments'
    kinds only some questions need): the one event of :func:`classify_all`, or for an
    imported helper its clearing (else its first event)."""
    evs = classify_all(m, site)
    if len(evs) == 1:
        return evs[0]
    return next((e for e in evs if e.kind == ZERO_GRAD), evs[0] if evs else None)


def _local_event(m: SemanticModel, site: Site) -> Optional[Event]:
    """The event of a site that is no call into an imported project helper."""
    node = site.node
    if not site.is_call:  # p.grad = None, del p.grad, p.grad += ...
        if type(node) is _Attribute and node.attr == "grad":
            return Event(ZERO_GRAD, site, ())
        return None
    func = node.func
    qualname = _UNSET  # the callee's qualified name, asked once it is needed
    if type(func) is not _Attribute:
        qualname = m.resolve(func, site.scope)
        if qualname in known.AUTOGRAD_BACKWARD:
            return Event(BACKWARD, site, ())
    else:
        attr = func.attr
        if attr in _NAMED_EVENTS:
            recv = func.value
            if attr == "backward":
                return Event(BACKWARD, site, (), unparse(recv))
            if attr == "manual_backward":
                return Event(BACKWARD, site, ())
            if attr == "zero_grad":
                return Event(ZERO_GRAD, site, (), unparse(recv))
            if attr == "step":
                kinds = m.kinds(recv, site.scope)
                if "grad_scaler" in kinds and node.args:
                    return Event(STEP, site, (), unparse(node.args[0]))
                if "optimizer" in kinds:
                    return Event(STEP, site, (), unparse(recv))
                if "scheduler" in kinds:
                    return Event(SCHEDULER_STEP, site, (), unparse(recv))
                return None
            if attr in _SCALER_METHODS:
                if "grad_scaler" in m.kinds(recv, site.scope):
                    return None  # scaler.unscale_(optimizer) rescales .grad in place, clears nothing
            elif _mentions_grad(recv):  # p.grad.zero_(), p.grad.detach_() ...
                return Event(ZERO_GRAD, site, ())
        # (an attribute's qualified name ends in its own name: never torch.autograd.backward here;
        # a gradient method is a method of a same-file class)
        if attr in m.method_names and autograd.computes_gradients(m, site):
            # model.compute_grads(x): runs backward() itself (a method call, no other)
            return Event(BACKWARD, site, (), unparse(func.value))
    # an optimizer passed to a call torchlint cannot follow may be cleared there
    if not (node.args or node.keywords) or not may_hold_optimizers(m) \
            or m.function_for(func, site.scope) is not None:
        return None
    if qualname is _UNSET:
        qualname = m.resolve(func, site.scope)
    if qualname is None or not qualname.startswith(("torch.", "builtins.")):
        return Event(UNSEEN_CALL, site, ())
    return None


# Every word an optimizer kind needs in a file's text (known.is_optimizer_class, the
# optimizer annotations and parameter names, Lightning's self.optimizers()).
_OPTIMIZER_WORDS = known.OPTIMIZER_WORDS + ("opt",) + tuple(
    n for n, k in known.PARAMETER_NAME_KINDS.items() if k == "optimizer")


@memoized
def may_hold_optimizers(m: SemanticModel) -> bool:
    """Can any value of the file be an optimizer? False only for a file that has no
    cross-module facts (a helper module being summarised) and none of the words an
    optimizer kind comes from: then no call there is handed one (no OPAQUE event)."""
    if m.project is not None or m.lines is None:
        return True
    return any(m.mentions(word) for word in _OPTIMIZER_WORDS)


def _mentions_grad(expr: ast.AST) -> bool:
    """``p.grad``, ``p.grad.data`` ..."""
    while isinstance(expr, ast.Attribute):
        if expr.attr == "grad":
            return True
        expr = expr.value
    return False


def events(m: SemanticModel, owner, follow: bool = True) -> List[Event]:
    """Events in a loop or function body, in source order (helpers inlined); a call it
    cannot follow that is handed arguments is an UNSEEN_CALL (OPAQUE if :func:`is_opaque`)."""
    return _events(m, owner, follow)


@memoized(guard=[])
def _events(m: SemanticModel, owner, follow: bool) -> List[Event]:
    out = []
    names = m.method_names if follow else ()  # inline.instance_method runs only these
    for site, via in m.sites_in(owner, follow=follow):
        for ev in classify_all(m, site):  # classified events have no ``via`` (shared, frozen)
            out.append(Event(ev.kind, ev.site, via, ev.receiver, ev.origin) if via else ev)
        if names and site.is_call and getattr(site.node.func, "attr", None) in names:
            method = inline.instance_method(m, site)  # ``runner.step(x)``, ``layer.train(h)``
            if method is not None:
                chain = via + (site,)
                out.extend(ev._replace(via=chain + ev.via) for ev in _events(m, method, True))
    return out


@memoized
def classify_all(m: SemanticModel, site: Site) -> Tuple[Event, ...]:
    """Every event a site contributes (an UNSEEN_CALL left as one): one, or those of an
    imported project helper. Once per site: a site in nested loops is asked about for
    each of them."""
    if site.is_call and m.reaches_project():  # most files reach no project module
        imported = _project_events(m, site)
        if imported is not None:
            return tuple(imported)
    ev = _local_event(m, site)
    return (ev,) if ev is not None else ()


@memoized
def _project_events(m: SemanticModel, site: Site) -> Optional[List[Event]]:
    """The events a call into a function imported from the user's own project
    contributes, in the helper's order (torchlint.project: clearing, backward,
    step, optimizers handed to unknown code); None when the call is not one or
    the helper cannot be analysed (the call then stays opaque). Asked of a call
    in a file that reaches the project."""
    facts = m.project.facts(m, site.node, site.scope)
    if facts is None:
        return None
    return [Event(e.kind, site, (), e.receiver, Origin(e.path, e.line, e.in_loop)) for e in facts.events]


def is_training(evs: List[Event]) -> bool:
    kinds = {e.kind for e in evs}
    return BACKWARD in kinds and STEP in kinds


def training_loops(m: SemanticModel) -> Iterator[Tuple[LoopInfo, List[Event]]]:
    """Every loop that is a training loop, with its events."""
    return iter(_training_loops(m))


def is_training_loop(m: SemanticModel, loop: LoopInfo) -> bool:
    """Is ``loop`` one of :func:`training_loops`?"""
    return loop in _training_set(m)


@memoized
def _training_set(m: SemanticModel) -> frozenset:
    return frozenset(loop for loop, _evs in _training_loops(m))


@memoized
def _training_loops(m: SemanticModel) -> List[Tuple[LoopInfo, List[Event]]]:
    out = []
    for loop in m.loops:
        if not may_train(m, loop):
            continue
        evs = events(m, loop)
        if is_training(evs):
            out.append((loop, evs))
    return out


def may_train(m: SemanticModel, loop: LoopInfo) -> bool:
    """The cheap necessary condition for a training loop, before any site is classified
    (which asks about the user's other modules): the loop (helpers and methods called
    on same-file instances inlined, as :func:`events` does) calls something named
    ``backward`` / ``manual_backward`` or a project function whose module could call
    one, and something named ``step`` or such a function."""
    return _calls_words(m, loop, 0) == (True, True)


@memoized
def _calls_words(m: SemanticModel, owner, depth: int) -> Tuple[bool, bool]:
    """(calls a backward, calls a step) for :func:`may_train`."""
    back = step = False
    names = m.method_names if depth < 3 else ()
    project = m.reaches_project()
    defined = m.method_names  # the names a gradient method can have (those of same-file classes)
    for site, _via in m.sites_in(owner):
        if not site.is_call:
            continue
        func = site.node.func
        name = func.attr if type(func) is _Attribute else getattr(func, "id", None)
        if name in ("backward", "manual_backward") or name in defined \
                and autograd.is_gradient_method(m, name):
            back = True
        elif name == "step":  # ``trainer.step(x)`` may run a project helper's backward too
            step = True
            back = back or (project and m.project.may_provide(m, site.node, site.scope, "backward"))
        elif project:
            back = back or m.project.may_provide(m, site.node, site.scope, "backward")
            step = step or m.project.may_provide(m, site.node, site.scope, "step")
        if name in names:
            method = inline.instance_method(m, site)
            if method is not None:
                b, s = _calls_words(m, method, depth + 1)
                back, step = back or b, step or s
        if back and step:
            break
    return back, step


def runs_before(m: SemanticModel, a: Event, b: Event) -> bool:
    """``a`` runs, then ``b`` can run, in the same iteration of the loop both came from:
    compared where their helper-call chains part (in the loop's function, or inside the
    helper both go through) with :meth:`SemanticModel.falls_through`. False when unsure
    (the same call site, events of an imported helper, exclusive branches)."""
    first = _first_difference(a, b)
    if first is None:
        return False
    _k, x, y = first
    return x.scope is y.scope and m.falls_through(x.node, y.node, x.scope)


_CONSTANT_TESTS = (ast.Name, ast.Attribute, ast.Constant, ast.BoolOp, ast.UnaryOp, ast.Load,
                   ast.And, ast.Or, ast.Not, ast.Is, ast.IsNot)


def same_every_iteration(m: SemanticModel, test: ast.expr, site: Site, via: Tuple[Site, ...] = ()) -> bool:
    """Does an ``if`` test around ``site`` (reached through ``via``) have one value in
    every iteration of the loops around it? Only names, attributes and constants
    (``use_amp``, ``args.fp16``, ``not self.amp``, ``scaler is not None``), none of them
    written inside those loops (no loop target, assignment, ``+=`` or attribute store
    of that name). False when unsure (a call, a subscript, a comparison of values)."""
    nodes = list(ast.walk(test))
    if not all(isinstance(n, _CONSTANT_TESTS) or isinstance(n, ast.Compare) and all(
            isinstance(op, (ast.Is, ast.IsNot)) for op in n.ops) for n in nodes):
        return False
    read = {n.id for n in nodes if isinstance(n, ast.Name)} | {
        n.attr for n in nodes if isinstance(n, ast.Attribute)}
    outer = [s.loops[0] for s in via + (site,) if s.loops]
    return not any(read & _stored_names(m, lp) for lp in outer)


@memoized
def _stored_names(m: SemanticModel, loop: ast.AST) -> frozenset:
    """Names and attribute names written anywhere inside a loop statement."""
    out = set()
    for n in walk(loop):
        if type(n) is ast.Name and isinstance(n.ctx, ast.Store):
            out.add(n.id)
        elif type(n) is _Attribute and isinstance(n.ctx, ast.Store):
            out.add(n.attr)
    return frozenset(out)


def exclusive(m: SemanticModel, a: Event, b: Event) -> bool:
    """``a`` and ``b`` lie in branches of one statement that exclude each other in a
    pass (``if``/``else``, two ``match`` cases, two ``except`` clauses), compared where
    their helper-call chains part. False when unsure."""
    parting = _parting(m, a, b)
    if parting is None:
        return False
    owner, (fa, ia), (fb, ib), _site = parting
    return isinstance(owner, ast.If) and {fa, fb} == {"body", "orelse"} \
        or fa == fb and fa in ("cases", "handlers") and ia != ib


def never_together(m: SemanticModel, a: Event, b: Event) -> bool:
    """``a`` and ``b`` lie in the two branches of an ``if`` whose test has one value in
    every iteration (``if args.amp: ... else: ...``): an iteration that runs one never
    runs the other, nor does any other iteration of the same run. False when unsure."""
    first = _first_difference(a, b)
    if first is None or not m.truncated and m.root_of(first[1].scope) not in m.branching \
            or _one_block(m, first[1], first[2]):
        return False  # where the two part there is no ``if`` (no statement index needed)
    parting = _parting(m, a, b)
    if parting is None:
        return False
    owner, (fa, _ia), (fb, _ib), (site, via) = parting
    return isinstance(owner, ast.If) and {fa, fb} == {"body", "orelse"} \
        and same_every_iteration(m, owner.test, site, via)


def _parting(m: SemanticModel, a: Event, b: Event):
    """Where the statement paths of ``a`` and ``b`` part, compared where their helper-call
    chains part: ``(owner, (field, index) of a, (field, index) of b, (b's site there,
    the helper calls leading to it))``, or None when they part in different functions
    or one statement holds the other."""
    first = _first_difference(a, b)
    if first is None:
        return None
    k, x, y = first
    if x.scope is not y.scope:
        return None
    pa, pb = m.statement_path(x.node, x.scope), m.statement_path(y.node, y.scope)
    for sa, sb in zip(pa or (), pb or ()):
        if sa == sb:
            continue
        if sb[0] is not sa[0]:
            return None
        return sa[0], sa[1:], sb[1:], (y, (b.via + (b.site,))[:k])
    return None


def _one_block(m: SemanticModel, x: Site, y: Site) -> bool:
    """The statements of ``x`` and ``y`` both lie directly in the body of ``x``'s innermost
    loop (or of its function): their statement paths, equal down to that block, part
    there (:func:`_parting` finds that block's owner, a loop or a function: no ``if``)."""
    stmt_x, stmt_y = m.stmt_of.get(x.node), m.stmt_of.get(y.node)
    if stmt_x is None or stmt_y is None:
        return False
    owner = x.loops[-1] if x.loops else x.function.node if x.function is not None else m.tree
    body = getattr(owner, "body", None)
    return isinstance(body, list) and stmt_x in body and stmt_y in body


def _first_difference(a: Event, b: Event) -> Optional[Tuple[int, Site, Site]]:
    """Where the helper-call chains of ``a`` and ``b`` part: (depth, a's site there, b's
    site there), or None when one chain holds the other."""
    for k, (x, y) in enumerate(zip(a.via + (a.site,), b.via + (b.site,))):
        if x is not y:
            return k, x, y
    return None


# ------------------------------------------------------------- evaluation loops
# RULES.md TL6xx: an *evaluation loop* is a loop that runs a module forward but
# trains nothing (no backward, no optimizer step, no other use of gradients),
# under ``torch.no_grad()`` / ``torch.inference_mode()`` or over held-out data.
_EVAL_DATA = re.compile(
    r"(%s)(%s)s?" % ("|".join(known.EVAL_DATA_WORDS), "|".join(known.EVAL_DATA_SUFFIXES))
)


class Forward(NamedTuple):
    """A module forward (``model(x)``, ``self.net(x)``, ``model.forward(x)``) in a loop."""

    site: Site
    via: Tuple[Site, ...]  # helper call chain from the loop's function to the call
    grad: Optional[bool]  # autograd records here: True, False, None (depends on a value)

    @property
    def module(self) -> ast.expr:
        func = self.site.node.func
        return func.value if isinstance(func, ast.Attribute) and func.attr == "forward" else func

    @property
    def anchor(self) -> ast.AST:
        return self.via[0].node if self.via else self.site.node


class InferenceLoop(NamedTuple):
    """An outermost loop that runs module forwards and trains nothing."""

    loop: LoopInfo
    forwards: Tuple[Forward, ...]
    held_out: bool  # iterates val/test data, or sits in an evaluate()/validate() function

    @property
    def grad_off(self) -> bool:
        return any(f.grad is False for f in self.forwards)

    @property
    def is_evaluation(self) -> bool:
        """RULES.md: under no_grad/inference_mode, or over a val/test loader."""
        return self.grad_off or self.held_out


@memoized
def inference_loops(m: SemanticModel) -> List[InferenceLoop]:
    """Every outermost loop (per function) that calls a module and trains nothing:
    no backward, optimizer step or optimizer handed away, no ``torch.autograd.grad``
    / ``torch.func`` / ``requires_grad_()`` / ``retain_grad()``. Loops in test
    files and functions and in methods of ``nn.Module`` subclasses (a model's own forward,
    Lightning hooks, which the Trainer runs in the right mode) are skipped."""
    out: List[InferenceLoop] = []
    # loops whose inner loops are not asked about: those taken, and those that call no module
    # (an inner loop's sites, helpers followed, are some of the outer one's)
    taken = set()
    training = _training_set(m)  # their events hold a backward and a step
    for loop in m.loops if not m.is_test_module() else ():
        if loop in training or (taken and any(id(p) in taken for p in loop.parents)) \
                or m.is_test_function(loop.function):
            continue
        if loop.function is not None and loop.function.cls is not None and m.is_nn_module(
                loop.function.cls):  # part of a model's own computation, or a Lightning hook
            continue
        evs = events(m, loop)
        if any(e.kind in (BACKWARD, STEP, OPAQUE) for e in evs):
            continue
        forwards = []
        uses_grad = False
        for site, via in m.sites_in(loop):
            if not site.is_call:
                continue
            if _uses_gradients(m, site):
                uses_grad = True
                break
            if is_forward(m, site):
                forwards.append(Forward(site, via, autograd.grad_at(m, site, via)))
        if not uses_grad and not forwards:
            taken.add(id(loop.node))
        if uses_grad or not forwards or any(is_opaque(m, e) for e in evs):
            continue
        taken.add(id(loop.node))
        out.append(InferenceLoop(loop, tuple(forwards), _held_out(m, loop)))
    return out


def is_forward(m: SemanticModel, site: Site) -> bool:
    """A call that runs a module's forward; loss modules (``nn.CrossEntropyLoss()``) excluded."""
    func = site.node.func
    if type(func) is _Attribute and func.attr == "forward":
        func = func.value
    if "module" not in m.kinds(func, site.scope):
        return False
    origins = m.origins(func, site.scope)
    return not origins or not all(
        isinstance(o, ast.Call) and known.nn_layer_name(m.resolve(o.func, s) or "").endswith("Loss")
        for o, s in origins)


def _uses_gradients(m: SemanticModel, site: Site) -> bool:
    node = site.node
    if type(node.func) is _Attribute and node.func.attr in known.GRADIENT_USE_METHODS:
        return not (node.func.attr == "requires_grad_" and node.args
                    and isinstance(node.args[0], ast.Constant) and node.args[0].value is False)
    if node.keywords and any(k.arg == "requires_grad" and not (isinstance(k.value, ast.Constant)
                                                               and not k.value.value) for k in node.keywords):
        return True
    qualname = m.resolve(node.func, site.scope) or ""
    return qualname in known.GRADIENT_USES or qualname.startswith(known.GRADIENT_USE_PREFIXES)


def _held_out(m: SemanticModel, loop: LoopInfo) -> bool:
    function = loop.function
    if function is not None and _words(function.name)[:1] and \
            _words(function.name)[0] in known.EVAL_FUNCTION_WORDS:
        return True
    if not isinstance(loop.node, (ast.For, ast.AsyncFor)):
        return False
    expr = loop.node.iter
    for _ in range(4):  # enumerate(tqdm(val_loader)) ...
        if not isinstance(expr, ast.Call):
            break
        qualname = m.resolve(expr.func, loop.scope) or ""
        if expr.args and (known.is_iter_wrapper(qualname) or qualname == "builtins.enumerate"):
            expr = expr.args[0]
        elif isinstance(expr.func, ast.Attribute):  # datamodule.val_dataloader()
            expr = expr.func
            break
        else:
            break
    names = []
    if isinstance(expr, ast.Subscript):  # dataloaders["val"]
        key = expr.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.append(key.value)
        expr = expr.value
    if isinstance(expr, ast.Name):
        names.append(expr.id)
    elif isinstance(expr, ast.Attribute):
        names.append(expr.attr)
    return any(_EVAL_DATA.fullmatch(w) for n in names for w in _words(n))


def _words(name: str) -> List[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
