"""What a same-file helper's code means at one call that inlines it.

Facts that read a function's sites with its helpers inlined
(:meth:`SemanticModel.sites_in`, :func:`torchlint.facts.modes.expand`) see each
helper site with ``via``, the chain of call sites that led to it (``via[-1]``
calls the function the site is in). Read through that chain, a parameter is the
argument that call passes (``set_mode([enc, dec], False)``: ``models`` is the list,
``train`` is ``False``), so the helper's code can be read for this call alone:

* :func:`bound` - a parameter as the argument (or default) of the inlining call;
* :func:`constant` - the literal value an expression has there (``mode == "train"``);
* :func:`runs` - False when an ``if`` on such values skips the site at this call;
* :func:`elements` - what a loop variable stands for (``for m in models``) when it
  iterates one literal list or tuple.

Everything that cannot be told this way is None / "unknown": callers keep reading
the helper as before (every call of it at once).

:func:`instance_method` tells which same-file method a call on an instance runs
(``runner.fit()``; ``layer.train(h)`` in ``for layer in self.layers:`` over
instances of one class), for facts that inline methods too.
"""
from __future__ import annotations

import ast
from typing import Optional, Tuple

from torchlint import known
from torchlint.facts import containers
from torchlint.semantic import FunctionInfo, SemanticModel, Site
from torchlint.syntax import parameter_default

UNKNOWN = object()  # :func:`constant` could not tell
Bound = Tuple[ast.expr, object, Tuple[Site, ...]]  # (expression, its scope, the chain above it)


def bound(m: SemanticModel, expr: ast.expr, scope, via: Tuple[Site, ...]) -> Optional[Bound]:
    """``expr`` as the inlining calls give it: a parameter of the function ``via[-1]``
    calls becomes the argument that call passes (or the parameter's default when it
    surely passes none), followed up the chain; anything else is itself. None when a
    parameter's value at the call cannot be told (``f(*args)``, ``f(**kw)``)."""
    while isinstance(expr, ast.Name) and via:
        call = via[-1]
        found = m.lookup(expr.id, scope)
        if not found or len(found) != 1 or found[0].kind != "argument":
            break
        owner = _function_of(m, found[0].scope)
        if owner is None or not _calls(m, call, owner):
            break
        args = m.arguments_of(call.node, call.scope, owner)
        if expr.id in args.exact:
            expr, scope, via = args.exact[expr.id], call.scope, via[:-1]
            continue
        default = parameter_default(owner.node, expr.id)
        if not args.complete or default is None:
            return None
        return default, found[0].scope.parent, ()
    return expr, scope, via


def constant(m: SemanticModel, expr: ast.expr, scope, via: Tuple[Site, ...], depth: int = 0):
    """The literal value of ``expr`` at the inlining call (``True``, ``"train"``, the
    result of ``mode == "train"`` / ``not flag`` / ``phase in ("val", "test")``), or
    :data:`UNKNOWN`."""
    if depth > 4:
        return UNKNOWN
    found = bound(m, expr, scope, via)
    if found is None:
        return UNKNOWN
    expr, scope, via = found
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        value = constant(m, expr.operand, scope, via, depth + 1)
        return UNKNOWN if value is UNKNOWN else not value
    if isinstance(expr, (ast.Tuple, ast.List)):
        items = [constant(m, e, scope, via, depth + 1) for e in expr.elts]
        return UNKNOWN if any(v is UNKNOWN for v in items) else tuple(items)
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        left = constant(m, expr.left, scope, via, depth + 1)
        right = constant(m, expr.comparators[0], scope, via, depth + 1)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        op = type(expr.ops[0])
        compare = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
                   ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
                   ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}.get(op)
        try:
            return UNKNOWN if compare is None else compare(left, right)
        except TypeError:  # ``"a" in 3``
            return UNKNOWN
    return UNKNOWN


def runs(m: SemanticModel, site: Site, via: Tuple[Site, ...]) -> bool:
    """False when an ``if`` of the site's function around it tests values the inlining
    call fixes (``if mode == "train":`` with ``set_mode("eval")``) and takes the other
    branch; True otherwise (the site may run)."""
    if not via:
        return True
    for owner, field, _index in m.statement_path(site.node, site.scope) or ():
        if isinstance(owner, ast.If) and field in ("body", "orelse"):
            value = constant(m, owner.test, site.scope, via)
            if value is not UNKNOWN and (field == "body") != bool(value):
                return False
    return True


def elements(m: SemanticModel, name: ast.expr, site: Site,
             via: Tuple[Site, ...]) -> Optional[Tuple[Tuple[ast.expr, object], ...]]:
    """What the loop variable ``name`` stands for at ``site`` (inside ``for name in
    xs:``), each element with its scope, when ``xs`` is (at the inlining call) one
    literal list or tuple: ``for net in [enc, dec]``, ``for m in models`` with
    ``set_mode([enc, dec], ...)``. None otherwise."""
    if not isinstance(name, ast.Name):
        return None
    loop = next((lp for lp in reversed(site.loops) if isinstance(lp, (ast.For, ast.AsyncFor))
                 and isinstance(lp.target, ast.Name) and lp.target.id == name.id), None)
    found = m.lookup(name.id, site.scope)
    if loop is None or not found or len(found) != 1 or found[0].node is not loop.target:
        return None
    return items(m, loop.iter, site.scope, via)


def items(m: SemanticModel, expr: ast.expr, scope,
          via: Tuple[Site, ...]) -> Optional[Tuple[Tuple[ast.expr, object], ...]]:
    """The elements of the one literal list or tuple ``expr`` is at the inlining call
    (``[enc, dec]``, ``models = [enc, dec]``, ``self.nets``), each with its scope; else None."""
    given = bound(m, expr, scope, via)
    if given is None:
        return None
    expr, scope, _via = given
    if not isinstance(expr, (ast.List, ast.Tuple)):
        origins = m.origins(expr, scope)
        if len(origins) != 1:
            return None
        expr, scope = origins[0]
    if not isinstance(expr, (ast.List, ast.Tuple)) or any(isinstance(e, ast.Starred) for e in expr.elts):
        return None
    return tuple((e, scope) for e in expr.elts)


def imported_modes(m: SemanticModel, site: Site, via: Tuple[Site, ...]):
    """``(mode, modules)`` that a call into a function of the user's other modules sets
    (its summary's ``modes``, read with the call's arguments as :func:`mode_in` reads a
    same-file helper: ``set_mode([enc, dec], False)`` -> ("eval", enc and dec)); one
    mode for all, else "unknown"; None when it sets none torchlint can name."""
    if not site.is_call or not m.reaches_project():
        return None
    project = m.project
    binding = m.import_binding(site.node.func, site.scope)  # a function the file imports
    if binding is None or not project.owns(m, binding) or \
            not project.may_provide(m, site.node, site.scope, "modes"):
        return None
    found, this = project.callee(m, site.node, site.scope)
    if found is None or this is not None or not found.summary.modes:
        return None
    args = found.summary.bind(site.node)
    found_modes, receivers = set(), []
    for effect in found.summary.modes:
        tests = [_test(m, args, c, site, via) for c in effect.conditions]
        if False in tests:
            continue  # this call takes another branch
        mode = effect.mode if UNKNOWN not in tests else "unknown"
        if effect.flag is not None and UNKNOWN not in tests:
            value = constant(m, args[effect.flag], site.scope, via) if effect.flag in args else UNKNOWN
            mode = ("train" if value else "eval") if isinstance(value, bool) else "unknown"
        name = effect.receiver.lstrip("*")
        if name not in args:
            continue
        if effect.receiver.startswith("*"):
            given = items(m, args[name], site.scope, via)
            if given is None:
                continue
            receivers.extend(given)
        else:
            receivers.append((args[name], site.scope))
        found_modes.add(mode)
    if not receivers:
        return None
    return (found_modes.pop() if len(found_modes) == 1 else "unknown"), tuple(receivers)


def _test(m: SemanticModel, args, condition, site: Site, via):
    """Does the call run the branch a summarised ``if`` test guards? True / False / UNKNOWN."""
    name, op, literal, when_true = condition
    value = constant(m, args[name], site.scope, via) if name in args else UNKNOWN
    if value is UNKNOWN:
        return UNKNOWN
    try:
        truth = {"": lambda: bool(value), "not": lambda: not value, "==": lambda: value == literal,
                 "!=": lambda: value != literal, "in": lambda: value in literal,
                 "not in": lambda: value not in literal}[op]()
    except TypeError:
        return UNKNOWN
    return truth == when_true


def _function_of(m: SemanticModel, scope):
    return m.functions.get(scope.node)


def _calls(m: SemanticModel, call: Site, function) -> bool:
    """Does the call site run ``function`` (a helper, a method of a same-file class, a
    class's ``__init__``)?"""
    func = call.node.func
    found = m.function_for(func, call.scope) or m.instance_method_for(func, call.scope)
    if found is None:
        cls = m.class_for(func, call.scope)
        found = m.method(cls, "__init__") if cls is not None else None
    return found is function


def instance_method(m: SemanticModel, site: Site) -> Optional[FunctionInfo]:
    """The method of a same-file class that a call on an instance runs, when
    :meth:`SemanticModel.function_for` (helpers, ``self.method()``) does not name it:
    ``runner.fit()`` with ``runner = Runner()``, or ``layer.train(h)`` with ``layer`` a
    loop variable over a list, tuple, comprehension or ``nn.ModuleList`` of instances of
    one same-file class. Only a method the user's class defines: ``model.train()`` on a
    class that does not define ``train`` is ``nn.Module``'s mode switch (None)."""
    func = site.node.func if site.is_call else None
    if not isinstance(func, ast.Attribute) or func.attr not in m.method_names \
            or m.function_for(func, site.scope) is not None:
        return None
    found = m.instance_method_for(func, site.scope)
    if found is not None or not isinstance(func.value, ast.Name):
        return found
    # what the loop iterates, past enumerate/zip: the one walker of loop targets
    iterated = containers.loop_iterables(m, func.value, site.scope)
    if iterated is None or any(path for _it, _scope, path in iterated):
        return None
    classes = [c for it, iscope, _path in iterated for c in _element_classes(m, it, iscope, 0)]
    if not classes or None in classes or len({id(c.node) for c in classes}) != 1:
        return None
    return m.method(classes[0], func.attr)


def _element_classes(m: SemanticModel, container: ast.expr, scope, depth: int):
    """The same-file class of each element ``container`` may hold (None for an element
    that is no instance of one); nothing when no element is known."""
    for origin, oscope in m.origins(container, scope):
        if isinstance(origin, (ast.List, ast.Tuple, ast.Set)):
            elements = origin.elts
        elif isinstance(origin, (ast.ListComp, ast.GeneratorExp)):
            elements = [origin.elt]
        elif isinstance(origin, ast.Call) and len(origin.args) == 1 and depth < 2 and (
                known.nn_layer_name(m.resolve(origin.func, oscope) or "") in known.MODULE_CONTAINERS
                or m.resolve(origin.func, oscope) in ("builtins.list", "builtins.tuple")):
            yield from _element_classes(m, origin.args[0], oscope, depth + 1)
            continue
        else:
            yield None
            continue
        for e in elements:
            while isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) \
                    and e.func.attr in known.SELF_RETURNING_METHODS:
                e = e.func.value  # ``Layer(a, b).to(device)``
            yield m.class_for(e.func, oscope) if isinstance(e, ast.Call) else None
