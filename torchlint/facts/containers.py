"""What a list or tuple holds, for the facts that ask about its elements (TL701's
softmax modules and outputs, TL301's parameter groups).

Value flow (:meth:`SemanticModel.origins`) follows a name to the literal bound to
it; this module adds what happens to that list afterwards, in the scopes that
share its binding: ``.append(v)`` / ``.extend(...)`` / ``.insert(i, v)``, and the
writes it cannot read (``xs[i] = v``, ``xs += ...``, the list handed to a call
that may change it). The questions:

* :func:`element_values` - every value an element may be (``for out in outs``,
  parameter groups);
* :func:`last_element` - the last element at a use (``nn.Sequential(*layers)``);
* :func:`loop_item_values` - the values a ``for`` variable takes over a list
  (through ``enumerate`` / ``zip``);
* :func:`loop_iterables` - what a ``for`` variable iterates (a tensor: its rows).

Every answer is "known" or None: an element that cannot be followed never becomes
a report. Indexes are per file and built on the first question (one pass over the
call sites, one over the statements of the function holding the list).
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from torchlint.semantic import BindingKind, Scope, SemanticModel, memoized
from torchlint.syntax import position

MAX_DEPTH = 6
Values = List[Tuple[ast.AST, Scope]]
_LITERALS = (ast.List, ast.Tuple)
_ADDERS = {"append": 0, "insert": 1, "extend": 0}  # method -> position of what it adds
_SHRINKERS = frozenset({"pop", "remove", "clear", "sort", "reverse"})
_READERS = frozenset({"index", "count", "copy", "__len__", "__getitem__", "__iter__"})
# calls a list may be handed to without being changed
_SAFE_CALLS = frozenset({"builtins.len", "builtins.list", "builtins.tuple", "builtins.zip",
                         "builtins.enumerate", "builtins.sum", "builtins.print", "builtins.iter",
                         "builtins.reversed", "builtins.sorted", "builtins.max", "builtins.min",
                         "builtins.any", "builtins.all", "builtins.isinstance", "builtins.map"})
Write = Tuple[ast.Call, str, Optional[ast.expr], Scope]  # (call, method, value added, scope)


def element_values(m: SemanticModel, expr: ast.AST, scope: Scope, depth: int = 0) -> Optional[Values]:
    """The values the elements of the list or tuple ``expr`` may hold: the items of the
    literals it may be (``*rest`` expanded), a comprehension's element, both sides of
    ``a + b``, and what ``.append`` / ``.extend`` / ``.insert`` add to the name bound to a
    literal. None when some element is unknown (a list made by a call, one written by
    index or ``+=``, or handed to code that may change it)."""
    if depth > MAX_DEPTH:
        return None
    out: Values = []
    for origin, oscope in m.origins(expr, scope):
        if isinstance(origin, (ast.ListComp, ast.GeneratorExp)):
            out.append((origin.elt, oscope))
            continue
        if type(origin) is ast.BinOp and isinstance(origin.op, ast.Add):
            parts = [element_values(m, side, oscope, depth + 1) for side in (origin.left, origin.right)]
            if None in parts:
                return None
            out.extend(v for part in parts for v in part)
            continue
        if not isinstance(origin, _LITERALS):
            return None
        for elt in origin.elts:
            if isinstance(elt, ast.Starred):
                inner = element_values(m, elt.value, oscope, depth + 1)
                if inner is None:
                    return None
                out.extend(inner)
            else:
                out.append((elt, oscope))
        name = _bound_names(m, oscope).get(id(origin))
        writes = list_writes(m, name, oscope) if name is not None else []
        if writes is None:
            return None
        for call, method, value, wscope in writes:
            if method == "extend":
                inner = element_values(m, value, wscope, depth + 1)
                if inner is None:
                    return None
                out.extend(inner)
            elif value is not None:
                out.append((value, wscope))
    return out


def last_element(m: SemanticModel, expr: ast.AST, scope: Scope, depth: int = 0) -> Optional[Values]:
    """What the last element of the list ``expr`` is where ``expr`` is read: the last item
    of a literal, or the value of the last ``.append(v)`` before the read when it runs on
    every way to it. None when not known (a write after the read or in a branch, a
    ``pop()`` last, a list bound more than once or outside this function)."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, _LITERALS):
        return _last_item(m, expr, scope, depth)
    if not isinstance(expr, ast.Name):
        return None
    bindings = m.reaching_bindings(expr, scope)
    if len(bindings) != 1:
        return None
    b = bindings[0]
    if b.kind != BindingKind.ASSIGN or b.unpack is not None or not isinstance(b.value, _LITERALS) \
            or b.scope is not scope:
        return None
    writes = list_writes(m, expr.id, scope)
    if writes is None:
        return None
    last = None
    for write in writes:
        if write[3] is not scope or not position(b.node) < position(write[0]) < position(expr):
            return None
        if last is None or position(write[0]) > position(last[0]):
            last = write
    if last is None:
        return _last_item(m, b.value, scope, depth)
    call, method, value, _ = last
    if method != "append" or value is None or not _in_force(m, call, expr, scope):
        return None
    return [(value, scope)]


def _last_item(m: SemanticModel, literal: ast.AST, scope: Scope, depth: int) -> Optional[Values]:
    if not literal.elts:
        return None
    item = literal.elts[-1]
    if isinstance(item, ast.Starred):
        return last_element(m, item.value, scope, depth + 1)
    return [(item, scope)]


def loop_item_values(m: SemanticModel, node: ast.Name, scope: Scope) -> Optional[Values]:
    """For a name a ``for`` binds (``out`` in ``for out in outs``, ``for i, out in
    enumerate(outs)``, ``for out, t in zip(outs, targets)``): the values it takes, the
    elements of the list iterated. None for any other name or an unknown element."""
    iterated = loop_iterables(m, node, scope)
    if iterated is None:
        return None
    out: Values = []
    for it, iscope, path in iterated:
        elements = element_values(m, it, iscope)
        if elements is None:
            return None
        for value, vscope in elements:
            for index in path:  # ``for out, t in pairs``: an item of each tuple
                if not isinstance(value, _LITERALS) or index >= len(value.elts) or any(
                        isinstance(e, ast.Starred) for e in value.elts):
                    return None
                value = value.elts[index]
            out.append((value, vscope))
    return out or None


def loop_iterables(m: SemanticModel, node: ast.Name, scope: Scope
                   ) -> Optional[List[Tuple[ast.expr, Scope, Tuple[int, ...]]]]:
    """For a name a ``for`` binds: what each loop binding it may see iterates, past
    ``enumerate`` / ``zip`` (``outs`` in ``for i, out in enumerate(outs)``), with the
    index path of the name inside one item of it (``()``: the item itself). None when
    some binding the use sees is not a ``for`` target."""
    bindings = m.reaching_bindings(node, scope)
    out = []
    for b in bindings:
        hit = m.loop_target(b.node)
        if hit is None:
            return None
        loop, path = hit
        it, iscope = loop.node.iter, loop.scope
        while path and isinstance(it, ast.Call) and not any(isinstance(a, ast.Starred) for a in it.args):
            qualname = m.resolve(it.func, iscope)
            if qualname == "builtins.enumerate" and path[0] == 1 and it.args:
                it = it.args[0]
            elif qualname == "builtins.zip" and path[0] < len(it.args):
                it = it.args[path[0]]
            else:
                break
            path = path[1:]
        out.append((it, iscope, path))
    return out or None


# ------------------------------------------------------------------ writes
@memoized
def list_writes(m: SemanticModel, name: str, scope: Scope) -> Optional[List[Write]]:
    """The ``.append`` / ``.extend`` / ``.insert`` / ``.pop`` ... calls on ``name`` (bound
    in ``scope``) wherever that binding is seen, in source order; None when the list is
    also written in a way not read here (by index, ``+=``, an unknown method, handed as
    an argument to a call that is not known to leave it alone)."""
    bindings = m.lookup(name, scope)
    out: List[Write] = []
    for site in m.receiver_calls(name):
        if m.lookup(name, site.scope) is not bindings:
            continue
        call = site.node
        method = call.func.attr
        if method in _ADDERS:
            index = _ADDERS[method]
            if len(call.args) <= index or any(isinstance(a, ast.Starred) for a in call.args):
                return None
            out.append((call, method, call.args[index], site.scope))
        elif method in _SHRINKERS:
            out.append((call, method, None, site.scope))
        elif method not in _READERS:
            return None
    if any(m.lookup(name, wscope) is bindings for _t, _v, wscope in m.item_writes.get(name, ())):
        return None
    if name in _augmented_names(m, m.root_of(scope)):
        return None
    for site in _name_arguments(m).get(name, ()):
        if m.lookup(name, site.scope) is bindings and m.resolve(site.node.func, site.scope) not in \
                _SAFE_CALLS and not (m.resolve(site.node.func, site.scope) or "").startswith("torch."):
            return None
    return out


@memoized
def _bound_names(m: SemanticModel, scope: Scope) -> Dict[int, str]:
    """id of a list/tuple literal -> the name a plain assignment in ``scope`` binds it to."""
    return {id(b.value): name for name, bindings in scope.bindings.items() for b in bindings
            if b.kind == BindingKind.ASSIGN and b.unpack is None and isinstance(b.value, _LITERALS)}


@memoized
def _augmented_names(m: SemanticModel, root: ast.AST) -> Set[str]:
    """Names a function (or the module) writes with ``name += ...`` / ``name *= ...``."""
    return {stmt.target.id for stmt in m.statement_index(root).paths
            if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name)}


@memoized
def _name_arguments(m: SemanticModel) -> Dict[str, list]:
    """name -> the call sites that pass it as a whole argument (``f(xs)``, ``f(k=xs)``)."""
    index: Dict[str, list] = {}
    for site in m.sites:
        if site.is_call:
            for arg in list(site.node.args) + [k.value for k in site.node.keywords]:
                if isinstance(arg, ast.Name):
                    index.setdefault(arg.id, []).append(site)
    return index


def _in_force(m: SemanticModel, write: ast.AST, use: ast.AST, scope: Scope) -> bool:
    """``write``'s statement runs before ``use`` on every way to it: it is earlier in the
    block holding ``use`` or in one enclosing it."""
    pw, pu = m.statement_path(write, scope), m.statement_path(use, scope)
    if not pw or not pu or len(pw) > len(pu):
        return False
    k = len(pw) - 1
    owner, field, index = pw[k]
    return pw[:k] == pu[:k] and pu[k][0] is owner and pu[k][1] == field and index < pu[k][2]
