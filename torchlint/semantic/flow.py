"""Value flow inside one file: what an expression may evaluate to, which
bindings a use of a name sees, and a call's arguments by parameter."""
from __future__ import annotations

import ast
import bisect
from typing import Dict, List, Optional, Tuple

from torchlint import known
from torchlint.semantic.cache import memoized
from torchlint.semantic.nodes import Binding, BindingKind, LoopInfo, Scope, Site
from torchlint.syntax import parameter_default, position, reads_name, within

MAX_ORIGIN_DEPTH = 16  # value-flow hops followed by origins
MAX_ORIGIN_STEPS = 400  # and steps in all, per query
Origins = Tuple[Tuple[ast.AST, Scope], ...]
# node types are tested by ``type(x) is``, not isinstance: the same answer (parsed trees hold
# no subclasses of them), and a failing isinstance goes through type.__instancecheck__
_Name, _Attribute, _Starred = ast.Name, ast.Attribute, ast.Starred


class ValueFlow:
    """Mixed into :class:`~torchlint.semantic.model.SemanticModel`."""

    @memoized(guard=())
    def origins(self, expr: ast.AST, scope: Scope) -> Origins:
        """The expressions ``expr`` may evaluate to, each with the scope to read it in.

        Followed: names to the values bound to them (within one scope a use sees
        the bindings before it, and ``x = f(x)`` supersedes the earlier ones),
        ``a, b = helper()`` to the returned tuple's element, ``self.x`` to every
        value assigned to it in the class, parameters to the arguments of
        same-file call sites (``__init__`` through ``Class(...)``) and their
        default, same-file helper calls to their return values, ``a if c else
        b`` / ``a or b`` to both sides, and ``X.sampler`` / ``X.batch_sampler``
        / ``X.dataset`` of a ``DataLoader`` / ``BatchSampler`` /
        ``DistributedSampler`` call to the argument given. Everything else is
        returned as is: other calls, literals, and expressions that cannot be
        followed (callers read a non-call terminal as "unknown"). Cycle-safe,
        bounded.
        """
        follow = self._follow(expr, scope)
        if follow is None:  # a terminal itself (most calls, constants, attributes): no walk
            return ((expr, scope),)
        out: Dict[int, Tuple[ast.AST, Scope]] = {}
        # the first step of :meth:`_origins`, done: one of the budget spent, ``expr`` active
        self._walk_on(follow, 1, {(id(expr), id(scope))}, out, [MAX_ORIGIN_STEPS - 1])
        return tuple(out.values())

    def _origins(self, expr, scope, depth, active, out, budget) -> None:
        budget[0] -= 1
        mark = (id(expr), id(scope))
        if depth > MAX_ORIGIN_DEPTH or budget[0] < 0 or mark in active:
            out.setdefault(id(expr), (expr, scope))
            return
        follow = self._follow(expr, scope)
        if follow is None:
            out.setdefault(id(expr), (expr, scope))
            return
        active.add(mark)
        try:
            self._walk_on(follow, depth + 1, active, out, budget)
        finally:
            active.discard(mark)

    def _walk_on(self, follow: list, depth, active, out, budget) -> None:
        """Walk on from the items of one :meth:`_follow` step, at ``depth``."""
        for item in follow:
            if len(item) == 3:  # a terminal found while following
                out.setdefault(id(item[0]), item[:2])
            else:
                self._origins(item[0], item[1], depth, active, out, budget)

    def _follow(self, expr, scope) -> Optional[list]:
        """One step of :meth:`origins`: what ``expr`` stands for, or None for a terminal.
        Items are ``(expr, scope)`` to follow further or ``(expr, scope, True)``, terminals."""
        kind = type(expr)  # parsed nodes: their exact classes, the commonest first
        if kind is ast.Name:
            return self._name_values(expr, scope)
        if kind is ast.Call:
            helper = self.method_for(expr.func, scope)
            if helper is not None and helper.returns:
                return [(r, helper.scope) for r in helper.returns]
            return None
        if kind is ast.IfExp:
            return [(expr.body, scope), (expr.orelse, scope)]
        if kind is ast.BoolOp:
            return [(v, scope) for v in expr.values]
        if kind is ast.NamedExpr:
            return [(expr.value, scope)]
        if kind is ast.Attribute:
            if type(expr.value) is _Name and expr.value.id == "self":
                cls = self.enclosing_class(scope)
                if cls is None:
                    return None
                found = [(v, s) for c in self.local_bases(cls) for v, s in c.attrs.get(expr.attr, ())]
                return found or None
            if expr.attr in known.ARGUMENT_ATTRIBUTES:
                return self._attribute_arguments(expr, scope)
        return None

    def reaching_bindings(self, node: ast.Name, scope: Scope) -> List[Binding]:
        """The bindings of a name that a use of it may see. Within one scope: the
        bindings before the use (all of them when none precedes it: a loop may carry one
        around), from the last one that is in force on every way to the use (a binding
        earlier in the same block or an enclosing one: ``opt = Wrapper(opt)``, ``opt =
        None``, a class defined again) - or from ``x = f(x)``, or the target of a ``for``
        whose body holds the use. From an outer scope, all of them. Linear in the
        bindings between the use and the one in force (bisected, not scanned). All of
        them is the model's own list, not a copy: read it, never change it."""
        bindings = self.lookup(node.id, scope)
        if not bindings:
            return []
        if len(bindings) == 1 or bindings[0].scope is not scope:
            return bindings  # one binding: it reaches whether or not it precedes
        positions = self._binding_positions(scope, node.id)
        end = bisect.bisect_left(positions, position(node))
        while end and not self._precedes(bindings[end - 1], node):  # the use inside its own value
            end -= 1
        if not end:
            return bindings
        start = 0
        for i in range(end - 1, 0, -1):
            b = bindings[i]
            if self._reads_itself(b) or self._in_force(b, node, scope):
                start = i
                break
            hit = self.loop_target(b.node)
            if hit is not None and within(node, hit[0].node.body):
                start = i
                break
        return bindings[start:end]

    def binding_in_force(self, node: ast.Name, scope: Scope) -> Optional[Binding]:
        """The binding a use of a name sees last: the one in force there (a class or
        function defined twice in a notebook-style file: the definition above the use),
        else the last binding of the name."""
        bindings = self.lookup(node.id, scope)
        if not bindings:
            return None
        if len(bindings) == 1 or bindings[0].scope is not scope:
            return bindings[-1]
        return self._binding_in_force(node, scope)

    @memoized
    def _binding_in_force(self, node: ast.Name, scope: Scope) -> Binding:
        reaching = self.reaching_bindings(node, scope)
        return reaching[-1] if reaching else self.lookup(node.id, scope)[-1]

    @memoized
    def _binding_positions(self, scope: Scope, name: str) -> List[Tuple[int, int]]:
        """Where a scope's bindings of ``name`` are, in the order they were bound (source order)."""
        return [position(b.node) for b in scope.bindings[name]]

    @memoized
    def _reads_itself(self, b: Binding) -> bool:
        """``x = f(x)``: the binding's value reads the name it binds."""
        value = b.value if b.unpack is None else b.unpack[0]
        return value is not None and reads_name(value, b.name)

    def _in_force(self, b: Binding, use: ast.AST, scope: Scope) -> bool:
        """``b`` runs before ``use`` on every way to it: its statement is earlier in the
        block that holds ``use`` or in one enclosing it (or ``use`` is in the body of the
        ``for``/``with`` that binds it). By positions inside that block, so that no
        expression of the function needs indexing."""
        if b.kind not in (BindingKind.ASSIGN, BindingKind.TARGET, BindingKind.FUNCTION,
                          BindingKind.CLASS, BindingKind.IMPORT):
            return False
        stmt = b.node if isinstance(b.node, ast.stmt) else self.stmt_of.get(b.node)
        path = self.statement_index(self.root_of(scope)).paths.get(stmt) if stmt is not None else None
        if not path or not hasattr(use, "lineno"):
            return False
        owner, field, _index = path[-1]
        where = position(use)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):  # a loop target: only inside its body
            return within(use, stmt.body)
        if isinstance(stmt, (ast.With, ast.AsyncWith)) and within(use, stmt.body):
            return True
        last = getattr(owner, field)[-1]
        return (stmt.end_lineno, stmt.end_col_offset) < where <= (last.end_lineno, last.end_col_offset)

    def loop_target(self, node: ast.AST) -> Optional[Tuple[LoopInfo, Tuple[int, ...]]]:
        """For a Name in a ``for`` target: the loop, and the index path of the name inside
        one item (``for i, (x, y) in ...``: ``y`` is at (1, 1)); None for anything else."""
        return self._loop_targets().get(id(node))

    @memoized
    def _loop_targets(self) -> Dict[int, Tuple[LoopInfo, Tuple[int, ...]]]:
        index: Dict[int, Tuple[LoopInfo, Tuple[int, ...]]] = {}
        for loop in self.loops:
            if isinstance(loop.node, (ast.For, ast.AsyncFor)):
                todo = [(loop.node.target, ())]
                while todo:
                    target, path = todo.pop()
                    if type(target) is _Name:
                        index[id(target)] = (loop, path)
                    elif type(target) is ast.Tuple or type(target) is ast.List:
                        for i, elt in enumerate(target.elts):
                            if type(elt) is _Starred:
                                break
                            todo.append((elt, path + (i,)))
        return index

    def _name_values(self, node: ast.Name, scope: Scope) -> Optional[list]:
        cands = self.reaching_bindings(node, scope)
        if not cands:
            return None
        out: list = []
        for b in cands:
            if b.unpack is not None:
                value, index = b.unpack
                for origin, oscope in self.origins(value, b.scope):
                    if (isinstance(origin, (ast.Tuple, ast.List)) and index < len(origin.elts)
                            and not any(isinstance(e, ast.Starred) for e in origin.elts)):
                        out.append((origin.elts[index], oscope))
                    else:
                        out.append((b.node, b.scope, True))
            elif b.kind == BindingKind.ASSIGN and b.value is not None:
                out.append((b.value, b.scope))
            elif b.kind == BindingKind.ARGUMENT:
                out.extend(self.parameter_values(b) or [(b.node, b.scope, True)])
            else:  # imports, functions, classes, loop targets, except-names: not followed
                out.append((node, scope, True))
        return out

    def _attribute_arguments(self, expr: ast.Attribute, scope: Scope):
        """``loader.sampler`` -> the ``sampler=`` given to the DataLoader(...) call ``loader`` holds."""
        out = []
        for origin, oscope in self.origins(expr.value, scope):
            if isinstance(origin, ast.Constant) and origin.value is None:
                continue  # ``None.sampler`` never runs
            params = None
            if isinstance(origin, ast.Call):
                params = known.constructor_parameters(self.resolve(origin.func, oscope) or "")
            if not params or expr.attr not in params:
                return None
            given, _complete = self.call_arguments(origin, oscope, params)
            if expr.attr not in given:
                return None
            out.extend(given[expr.attr])
        return out or None

    def parameter_arguments(self, function: ast.AST, name: str) -> List[Tuple[ast.expr, Scope]]:
        """The argument expressions same-file call sites pass to parameter ``name`` of
        ``function`` (:meth:`callee`: ``__init__`` through ``Class(...)``, methods through
        an instance or the class), ``*args``/``**kwargs`` included, in source order. The
        model's own list: read it, never change it."""
        return self._passed_to(function).get(name, [])

    def parameter_values(self, b: Binding) -> List[Tuple[ast.expr, Scope]]:
        """What a parameter binding ``b`` can hold: :meth:`parameter_arguments`, then its
        default (evaluated in the scope around the function)."""
        passed = self.parameter_arguments(b.scope.node, b.name)
        default = parameter_default(b.scope.node, b.name)
        return passed + [(default, b.scope.parent or b.scope)] if default is not None else passed

    @memoized
    def _passed_to(self, function: ast.AST) -> Dict[str, List[Tuple[ast.expr, Scope]]]:
        """:meth:`parameter_arguments` of one function, by parameter. Only the calls that
        name it are resolved: :meth:`callee` answers a function or method found under the
        name called (a ``def``'s binding, a class's ``methods``), or the ``__init__`` of a
        class a name binds."""
        acc: Dict[str, List[Tuple[ast.expr, Scope]]] = {}
        fname = getattr(function, "name", None)  # a lambda is no callee
        by_name = self._local_calls()
        hits = by_name.get(fname, ())
        if fname == "__init__":
            hits = sorted({*hits, *(i for c in self.class_names for i in by_name.get(c, ()))})
        sites = self.sites
        for i in hits:
            site = sites[i]
            call = site.node
            helper = self.callee(call, site.scope)
            if helper is None or helper.node is not function:
                continue
            bound = self.arguments_of(call, site.scope, helper)
            for p, value in bound.exact.items():
                acc.setdefault(p, []).append((value, site.scope))
            for p, values in bound.maybe.items():
                acc.setdefault(p, []).extend((v, site.scope) for v in values)
        return acc

    @memoized
    def _local_calls(self) -> Dict[str, List[int]]:
        """The calls that may run same-file code (:meth:`may_run_local`) by the name they
        call (``helper`` / ``x.helper``): indexes into ``self.sites``."""
        index: Dict[str, List[int]] = {}
        may_run_local = self.may_run_local
        for i, site in enumerate(self.sites):
            if not site.is_call or not may_run_local(site.node.func):
                continue
            func = site.node.func
            name = func.id if type(func) is _Name else func.attr
            found = index.get(name)
            if found is None:
                index[name] = [i]
            else:
                found.append(i)
        return index

    def call_arguments(
        self, call: ast.Call, scope: Scope, params: Tuple[str, ...] = ()
    ) -> Tuple[Dict[str, List[Tuple[ast.expr, Scope]]], bool]:
        """A call of a library function's arguments by parameter name, and whether that
        account is complete.

        Positionals are named by ``params`` (the callee's signature), keywords by
        themselves, and ``**d`` by the entries of the dict literals or
        ``dict(...)`` calls ``d`` is bound to, with ``d.update(...)`` and
        ``d["key"] = value`` writes. ``complete`` is False when an argument could
        not be attributed (``*args``, a ``**`` that cannot be followed, a dict
        written to in ways the model does not read).
        """
        given: Dict[str, List[Tuple[ast.expr, Scope]]] = {}
        complete = True
        for i, value in enumerate(call.args):
            if type(value) is _Starred or i >= len(params):
                complete = False
                break
            given.setdefault(params[i], []).append((value, scope))
        for k in call.keywords:
            if k.arg:
                given.setdefault(k.arg, []).append((k.value, scope))
            elif not self._dict_entries(k.value, scope, given, 0):
                complete = False
        return given, complete

    def _dict_entries(self, expr, scope, into, depth) -> bool:
        """Add the entries of the dict(s) ``expr`` evaluates to; False if some are unknown."""
        if depth > 4:
            return False
        complete = True
        for origin, oscope in self.origins(expr, scope):
            if isinstance(origin, ast.Dict):
                for key, value in zip(origin.keys, origin.values):
                    if key is None:
                        complete &= self._dict_entries(value, oscope, into, depth + 1)
                    elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                        into.setdefault(key.value, []).append((value, oscope))
                    else:
                        complete = False
            elif (isinstance(origin, ast.Call) and self.resolve(origin.func, oscope) == "builtins.dict"
                    and len(origin.args) <= 1):
                for k in origin.keywords:
                    if k.arg:
                        into.setdefault(k.arg, []).append((k.value, oscope))
                    else:
                        complete &= self._dict_entries(k.value, oscope, into, depth + 1)
                if origin.args:
                    complete &= self._dict_entries(origin.args[0], oscope, into, depth + 1)
            else:
                complete = False
        if isinstance(expr, ast.Name):
            complete &= self._dict_writes(expr, scope, into, depth)
        return complete

    def _dict_writes(self, name: ast.Name, scope: Scope, into, depth) -> bool:
        """``d.update(...)`` / ``d[k] = v`` on the dict bound to ``name``."""
        bindings = self.lookup(name.id, scope)
        complete = True
        for site in self.receiver_calls(name.id):
            if self.lookup(name.id, site.scope) is not bindings:
                continue
            call = site.node
            if call.func.attr == "update":
                for k in call.keywords:
                    if k.arg:
                        into.setdefault(k.arg, []).append((k.value, site.scope))
                    else:
                        complete &= self._dict_entries(k.value, site.scope, into, depth + 1)
                for arg in call.args:
                    complete &= not isinstance(arg, ast.Starred) and self._dict_entries(
                        arg, site.scope, into, depth + 1)
            elif call.func.attr not in known.READONLY_DICT_METHODS:
                complete = False
        for target, value, wscope in self.item_writes.get(name.id, ()):
            if self.lookup(name.id, wscope) is not bindings:
                continue
            key = target.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                into.setdefault(key.value, []).append((value, wscope))
            else:
                complete = False
        return complete

    def receiver_calls(self, name: str) -> List[Site]:
        """Call sites of the form ``name.method(...)`` (any scope; callers check the binding)."""
        return self._receiver_calls().get(name, [])

    @memoized
    def _receiver_calls(self) -> Dict[str, List[Site]]:
        index: Dict[str, List[Site]] = {}
        for site in self.sites:
            func = getattr(site.node, "func", None)
            if type(func) is _Attribute and type(func.value) is _Name:
                index.setdefault(func.value.id, []).append(site)
        return index

    def _precedes(self, binding: Binding, use: ast.AST) -> bool:
        """The binding is written before ``use`` and ``use`` is not part of the value it
        binds: of an assignment, the whole right-hand side (``a, b = b, a`` reads the old
        ``b``), else the binding's own value."""
        if position(binding.node) >= position(use):
            return False
        stmt = self.stmt_of.get(binding.node)
        if (type(stmt) is ast.Assign or type(stmt) is ast.AnnAssign) and stmt.value is not None:
            value = stmt.value
        else:
            value = binding.value if binding.unpack is None else binding.unpack[0]
        return _outside(value, use)


def _outside(value: Optional[ast.AST], use: ast.AST) -> bool:
    """``use`` does not lie inside ``value`` (by position)."""
    if value is None or not hasattr(value, "end_lineno"):
        return True
    start, end = position(value), (value.end_lineno, value.end_col_offset)
    return not (start <= position(use) <= end)
