"""Which optimizer steps of a training loop no gradient clearing reaches (TL101).

A loop clears the gradients an optimizer steps with when some clearing in it
may touch that optimizer's parameters. Precision first: every clearing counts
for every optimizer - ``p.grad = None``, a helper's ``zero_grad``, an optimizer
handed to code torchlint cannot see - except an ``X.zero_grad()`` whose reach
can be told exactly: ``X`` is an optimizer built over ``M.parameters()`` of
known modules, or a module ``M`` itself (``model.zero_grad()`` clears every
optimizer over that model's parameters), and each such ``M`` is provably a
different object from each module the stepped optimizer is built over (two
constructor calls, ``.to(device)`` and the like seen through, a part ``E.net``
read as ``E``'s own, none built from another module or from the other). A GAN
loop that clears ``opt_d`` but never ``opt_g`` (nor ``G``) then steps ``opt_g``
with stale gradients. A clearing that never runs in the same run as the step
(the other branch of ``if args.amp:``) clears nothing for it.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from torchlint import known
from torchlint.facts import loops
from torchlint.semantic import ClassInfo, Scope, SemanticModel, memoized

Modules = Tuple[Tuple[ast.expr, Scope], ...]  # module expressions, each with its scope
_WRAPPING_BUILTINS = frozenset({"builtins.list", "builtins.tuple", "itertools.chain"})


def uncleared_steps(m: SemanticModel, evs: List[loops.Event]) -> List[loops.Event]:
    """The STEP events of a training loop's events (``loops.training_loops``) whose
    optimizer no clearing in the loop may reach; every step when nothing clears,
    none when an optimizer is handed to code torchlint cannot see. A clearing (or an
    optimizer handed away) in the other branch of an ``if`` whose test is the same in
    every iteration (``if args.amp: opt.zero_grad() ... else: opt.step()``) never
    runs where the step does: it does not count for that step."""
    steps = [e for e in evs if e.kind == loops.STEP]
    out = []
    for step in steps:
        clears = [e for e in evs if e.kind == loops.ZERO_GRAD and not loops.never_together(m, e, step)]
        if any(_clears_the_stepped_name(m, clear, step) for clear in clears):
            continue  # what _misses finds for it, without following the optimizer
        if clears:
            stepped = _stepped_modules(m, step)
            if not stepped or not all(_misses(m, clear, stepped) for clear in clears):
                continue
        if any(loops.is_opaque(m, e) and not loops.never_together(m, e, step) for e in evs):
            continue  # asked last: what unseen calls are handed costs the most to tell
        out.append(step)
    return out


def _stepped_modules(m: SemanticModel, step: loops.Event) -> Optional[Modules]:
    """The modules whose parameters the stepped optimizer holds, or None when unknown."""
    optimizer = _stepped(m, step)
    return None if optimizer is None else optimizer_modules(m, optimizer, step.site.scope)


def _stepped(m: SemanticModel, step: loops.Event) -> Optional[ast.expr]:
    """The optimizer expression of a step: ``opt`` in ``opt.step()`` / ``scaler.step(opt)``."""
    if step.origin is not None or not isinstance(step.node, ast.Call):
        return None
    func = step.node.func
    if not isinstance(func, ast.Attribute):
        return None
    return step.node.args[0] if step.node.args and "grad_scaler" in m.kinds(func.value, step.site.scope) \
        else func.value


def _clears_the_stepped_name(m: SemanticModel, clear: loops.Event, step: loops.Event) -> bool:
    """``opt.zero_grad()`` on the very name the step steps, seeing the same bindings: the
    clearing reaches the step's parameters. (:func:`_misses` says so too, after following
    both: a name's kinds and origins are those of its reaching bindings, so both sides
    find the same optimizer modules - or none, and then nothing is told apart.)"""
    node = clear.node
    if clear.origin is not None or not isinstance(node, ast.Call) \
            or not isinstance(node.func, ast.Attribute) or node.func.attr != "zero_grad" \
            or not isinstance(node.func.value, ast.Name):
        return False
    stepped = _stepped(m, step)
    return (isinstance(stepped, ast.Name) and stepped.id == node.func.value.id
            and m.reaching_bindings(node.func.value, clear.site.scope)
            == m.reaching_bindings(stepped, step.site.scope))


def optimizer_modules(m: SemanticModel, optimizer: ast.expr, scope: Scope) -> Optional[Modules]:
    """``(M, scope)`` for every ``M.parameters()`` the optimizer is built over, on every
    path the model can follow (``Adam(G.parameters())``, ``SGD([*a.parameters(),
    *b.parameters()])``, ``Adam(list(G.parameters()) + list(E.parameters()))``); None
    when any of its parameters comes from something else (a list built elsewhere,
    parameter groups, a filter)."""
    origins = m.origins(optimizer, scope)
    if not origins:
        return None
    out = []
    for origin, oscope in origins:
        if not isinstance(origin, ast.Call) or "optimizer" not in m.kinds(origin, oscope):
            return None
        params = origin.args[0] if origin.args else next(
            (k.value for k in origin.keywords if k.arg == "params"), None)
        found = _parameter_owners(m, params, oscope) if params is not None else None
        if not found:
            return None
        out.extend(found)
    return tuple(out)


def _parameter_owners(m: SemanticModel, expr: ast.expr, scope: Scope) -> Optional[List[ast.expr]]:
    if isinstance(expr, ast.Starred):
        return _parameter_owners(m, expr.value, scope)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args \
            and expr.func.attr in ("parameters", "named_parameters"):
        return [(expr.func.value, scope)]
    parts: List[ast.expr] = []
    if isinstance(expr, (ast.List, ast.Tuple)):
        parts = list(expr.elts)
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        parts = [expr.left, expr.right]
    elif isinstance(expr, ast.Call) and m.resolve(expr.func, scope) in _WRAPPING_BUILTINS:
        parts = list(expr.args)
    out = []
    for part in parts:
        found = _parameter_owners(m, part, scope)
        if not found:
            return None
        out.extend(found)
    return out or None


def _misses(m: SemanticModel, clear: loops.Event, stepped: Modules) -> bool:
    """The clearing provably touches none of ``stepped``'s parameters."""
    node = clear.node
    if clear.origin is not None or not isinstance(node, ast.Call) \
            or not isinstance(node.func, ast.Attribute) or node.func.attr != "zero_grad":
        return False
    receiver, scope = node.func.value, clear.site.scope
    kinds = m.kinds(receiver, scope)
    if kinds == {"optimizer"}:
        cleared = optimizer_modules(m, receiver, scope)
    elif "module" in kinds and "optimizer" not in kinds:
        cleared = ((receiver, scope),)
    else:
        return False
    if cleared is None or any(a is b and sa is sb for a, sa in cleared for b, sb in stepped):
        return False  # the very module expression stepped (``opt.zero_grad()`` ... ``opt.step()``)
    return all(_different_objects(m, a, sa, b, sb) for a, sa in cleared for b, sb in stepped)


def _different_objects(m: SemanticModel, a: ast.expr, a_scope: Scope, b: ast.expr, b_scope: Scope) -> bool:
    """``a`` and ``b`` hold modules built by different constructor calls, neither built
    from another module (``Wrapper(G)`` may hold ``G``) nor from the other one
    (``Critic(E)``: a part ``C.net`` may be ``E``'s)."""
    oa, ob = _constructions(m, a, a_scope), _constructions(m, b, b_scope)
    if oa is None or ob is None:
        return False
    ids_a, ids_b = {id(c) for c, _s in oa}, {id(c) for c, _s in ob}
    return not (ids_a & ids_b) and not _built_from(m, oa, ids_b) and not _built_from(m, ob, ids_a)


def _disjoint(a, b) -> bool:
    """Two known lists of constructor calls share none (None: unknown, maybe shared)."""
    return a is not None and b is not None and not ({id(c) for c, _s in a} & {id(c) for c, _s in b})


def _constructions(m: SemanticModel, expr: ast.expr, scope: Scope, depth: int = 0):
    """The constructor calls that built the module ``expr`` holds (``.to()``, ``.cuda()``
    ... seen through), or None when one is not such a call. A part ``E.net`` that cannot
    be followed is ``E``'s own: the calls that built ``E``, and every value the file
    assigns to a ``.net`` (``C.net = E.net`` ties two objects)."""
    out = []
    for origin, oscope in m.origins(expr, scope):
        if isinstance(origin, ast.Attribute) and depth < 4:
            owner = inner = _constructions(m, origin.value, oscope, depth + 1)
            for target, value, vscope, cls in _attribute_stores(m).get(origin.attr, ()):
                if owner is not None and (_disjoint(owner, _constructions(m, target, vscope, depth + 1))
                                          if cls is None else not _instances_of(m, owner, cls)):
                    continue  # ``C.net = ...`` or ``self.net = ...`` in a class sets another object's part
                stored = _constructions(m, value, vscope, depth + 1) if value is not None else None
                inner = inner + stored if inner is not None and stored is not None else None
            if inner is None:
                return None
            out.extend(inner)
            continue
        if not isinstance(origin, ast.Call):
            return None
        func = origin.func
        if isinstance(func, ast.Attribute) and func.attr in known.SELF_RETURNING_METHODS:
            inner = _constructions(m, func.value, oscope, depth + 1) if depth < 4 else None
            if inner is None:
                return None
            out.extend(inner)
            continue
        if not _from_nothing_shared(m, origin, oscope, depth):
            return None
        out.append((origin, oscope))
    return out or None


def _from_nothing_shared(m: SemanticModel, call: ast.Call, scope: Scope, depth: int) -> bool:
    """No argument of the call is a module that exists elsewhere: modules built right
    there (``nn.Sequential(nn.Linear(4, 8), nn.ReLU())``) are new, a name is not."""
    for value in _arguments(call):
        if isinstance(value, ast.Starred):
            return False  # ``nn.Sequential(*layers)``: what the list holds is not followed
        if isinstance(value, ast.Call) and depth < 6:
            if not _from_nothing_shared(m, value, scope, depth + 1):
                return False
        elif "module" in m.kinds(value, scope) or isinstance(value, (ast.List, ast.Tuple)):
            return False
    return True


def _built_from(m: SemanticModel, calls, others: set) -> bool:
    """Some argument of the constructor calls (nested calls included) may hold an object
    built by one of the calls ``others`` (ids): ``Critic(E, logger)`` may keep ``E``."""
    todo = [(value, scope) for call, scope in calls for value in _arguments(call)]
    for _ in range(32):
        if not todo:
            return False
        value, scope = todo.pop()
        if isinstance(value, ast.Call):
            todo.extend((v, scope) for v in _arguments(value))
            continue
        held = _constructions(m, value, scope) if isinstance(value, (ast.Name, ast.Attribute)) else None
        if held and {id(c) for c, _s in held} & others:
            return True
    return bool(todo)  # too many to tell: maybe


def _arguments(call: ast.Call) -> List[ast.expr]:
    return list(call.args) + [k.value for k in call.keywords]


def _instances_of(m: SemanticModel, calls, cls: ClassInfo) -> bool:
    """Some of the constructor calls builds a same-file class that is ``cls`` or derives
    from it (a class of another module cannot derive from one of this file)."""
    for call, scope in calls:
        todo, seen = [m.class_for(call.func, scope)], set()
        while todo:
            current = todo.pop()
            if current is None or id(current) in seen:
                continue
            if current is cls:
                return True
            seen.add(id(current))
            todo.extend(m.class_for(base, current.outer) for base in current.node.bases)
    return False


Store = Tuple[ast.expr, Optional[ast.expr], Scope, Optional[ClassInfo]]


@memoized
def _attribute_stores(m: SemanticModel) -> Dict[str, List[Store]]:
    """attribute name -> ``(X, value, scope, class)`` for every ``X.<name> = value`` in
    the file (value None where it cannot be told: unpacking, ``+=``, a loop target;
    class: the method's class where ``X`` is its ``self``)."""
    out: Dict[str, List[Store]] = {}
    for node, scope in list(m.scopes.items()):
        if isinstance(node, ast.ClassDef):
            continue  # a class body is walked with the code around it
        function = m.functions.get(node)
        args = getattr(node, "args", None)
        first = args.args[0].arg if args is not None and args.args else None
        todo = list(ast.iter_child_nodes(node))
        while todo:
            child = todo.pop()
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue  # its own scope
            todo.extend(ast.iter_child_nodes(child))
            if type(child) is ast.Attribute and isinstance(child.ctx, ast.Store):
                stmt = m.parent(child)
                value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
                own = isinstance(child.value, ast.Name) and child.value.id == first and function is not None
                out.setdefault(child.attr, []).append(
                    (child.value, value, scope, function.cls if own else None))
    return out
