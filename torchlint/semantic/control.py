"""Control flow and the call graph inside one file: where a statement sits in
its function, whether one statement can run after another in one pass, the
sites a loop or function runs (same-file helpers followed), and which
same-file functions a call may run and who calls them. Indexes are built
lazily, once per function asked about, and every query is linear in what it
returns."""
from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Tuple

from torchlint import known
from torchlint.semantic.cache import memoized
from torchlint.semantic.nodes import BindingKind, FunctionInfo, LoopInfo, Scope, Site, Step
from torchlint.syntax import (FUNCTION_NODES, LOOP_NODES, BoundArguments, bind_arguments, is_decorated,
                              own_expressions, position, walk)

MAX_HELPER_DEPTH = 4  # same-file helper calls followed from a loop
_JUMPS = (ast.Return, ast.Raise, ast.Break, ast.Continue)
# node types are tested by ``type(x) is``, not isinstance: the same answer (parsed trees hold
# no subclasses of them), and a failing isinstance goes through type.__instancecheck__
_Name, _Attribute, _Call = ast.Name, ast.Attribute, ast.Call
# try-statement branches that run one after the other (the rest are exclusive)
_TRY_FLOWS = frozenset({("body", "orelse"), ("body", "finalbody"), ("handlers", "finalbody"),
                        ("orelse", "finalbody")})


_BLOCKS: Dict[type, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {}


def _block_fields(kind: type) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """A statement type's blocks of statements (``body``, ``orelse``, ``finalbody``) and
    its parts that hold one (``handlers``, ``cases``); none for a function (a nested
    function runs elsewhere: its own root) or a simple statement."""
    found = _BLOCKS.get(kind)
    if found is None:
        fields = () if issubclass(kind, FUNCTION_NODES) else kind._fields
        found = _BLOCKS[kind] = (tuple(f for f in ("body", "orelse", "finalbody") if f in fields),
                                 tuple(f for f in ("handlers", "cases") if f in fields))
    return found


class StatementIndex:
    """Every statement of one function (or module) body -> its path, and each statement's
    directly nested ones. Expression nodes are looked up through the statement the
    builder recorded for them (``stmt_of``: calls, bound names); any other expression
    node through a map of the statements' own expressions, built only when one is asked."""

    __slots__ = ("paths", "nested", "_exprs")

    def __init__(self, root: ast.AST):
        self.paths: Dict[ast.AST, Tuple[Step, ...]] = {}
        self.nested: Dict[ast.AST, List[ast.AST]] = {}
        self._exprs: Optional[Dict[ast.AST, Tuple[Step, ...]]] = None
        body = getattr(root, "body", None)
        todo = [(root, "body", body if isinstance(body, list) else [], ())]
        paths, nested, fields_of = self.paths, self.nested, _BLOCKS.get
        while todo:
            owner, field_name, stmts, prefix = todo.pop()
            nested.setdefault(owner, []).extend(stmts)
            for i, stmt in enumerate(stmts):
                path = prefix + ((owner, field_name, i),)
                paths[stmt] = path
                blocks, parts = fields_of(type(stmt)) or _block_fields(type(stmt))
                if not (blocks or parts):
                    continue  # a simple statement (most)
                for sub in blocks:
                    block = getattr(stmt, sub)
                    if block:
                        todo.append((stmt, sub, block, path))
                for sub in parts:
                    for j, part in enumerate(getattr(stmt, sub)):
                        paths[part] = path + ((stmt, sub, j),)
                        nested.setdefault(stmt, []).append(part)
                        todo.append((part, "body", part.body, paths[part]))

    def path(self, node: ast.AST, stmt_of: Dict[ast.AST, ast.stmt]) -> Optional[Tuple[Step, ...]]:
        found = self.paths.get(node)
        if found is not None:
            return found
        stmt = stmt_of.get(node)
        if stmt is not None and stmt in self.paths:
            return self.paths[stmt]
        if self._exprs is None:
            self._exprs = self._expression_paths()
        return self._exprs.get(node)

    def _expression_paths(self) -> Dict[ast.AST, Tuple[Step, ...]]:
        """Every node of the statements' own expressions -> the statement's path."""
        out: Dict[ast.AST, Tuple[Step, ...]] = {}
        for node, path in self.paths.items():
            if isinstance(node, ast.stmt):
                exprs = own_expressions(node)
            else:  # an except handler / a match case
                exprs = [e for e in (getattr(node, "type", None), getattr(node, "pattern", None),
                                     getattr(node, "guard", None)) if e is not None]
            for expr in exprs:
                for n in walk(expr):
                    out.setdefault(n, path)
        return out

    def statements_in(self, stmt: ast.AST) -> List[ast.stmt]:
        out: List[ast.stmt] = []
        todo = list(self.nested.get(stmt, ()))
        while todo:
            s = todo.pop()
            if isinstance(s, ast.stmt):
                out.append(s)
            todo.extend(self.nested.get(s, ()))
        return sorted(out, key=position)


class ControlFlow:
    """Mixed into :class:`~torchlint.semantic.model.SemanticModel`."""

    def root_of(self, scope: Scope) -> ast.AST:
        """The function (or module) whose body runs ``scope``'s code (class bodies run in it)."""
        current = scope
        while current.parent is not None and not isinstance(current.node, FUNCTION_NODES):
            current = current.parent
        return current.node

    @memoized
    def statement_index(self, root: ast.AST) -> StatementIndex:
        return StatementIndex(root)

    def statement_path(self, node: ast.AST, scope: Scope) -> Optional[Tuple[Step, ...]]:
        """Where ``node`` sits in its function (or module): the ``(owner, field, index)``
        steps from the body down to the statement whose own expressions hold ``node``
        (``(if_stmt, "orelse", 0)`` is the first statement of an ``else:``,
        ``(try_stmt, "handlers", 1)`` the second ``except``). None when ``node`` is not
        code of ``scope``'s function."""
        return self.statement_index(self.root_of(scope)).path(node, self.stmt_of)

    def statements_in(self, stmt: ast.stmt, scope: Scope) -> List[ast.stmt]:
        """Statements nested in ``stmt``'s blocks (not in nested functions), in source order."""
        return self.statement_index(self.root_of(scope)).statements_in(stmt)

    def falls_through(self, a: ast.AST, b: ast.AST, scope: Scope) -> bool:
        """True when ``b`` can run after ``a`` in one pass through the innermost block that
        holds both: ``b``'s statement comes later, is not in a branch exclusive with
        ``a``'s (``if``/``else``, ``match`` cases, ``try`` body vs ``except``), and no
        ``return``/``raise``/``break``/``continue`` stands between them at a level that
        leaves that block. False when unsure (precision first)."""
        pa, pb = self.statement_path(a, scope), self.statement_path(b, scope)
        if pa is None or pb is None:
            return False
        k = 0
        while k < len(pa) and k < len(pb) and pa[k] == pb[k]:
            k += 1
        if k == len(pa) or k == len(pb):  # the same statement, or one holds the other
            return False
        owner, fa, ia = pa[k]
        fb, ib = pb[k][1], pb[k][2]
        if fa == fb:
            if ia >= ib or fa in ("handlers", "cases"):
                return False
            if any(isinstance(s, _JUMPS) for s in getattr(owner, fa)[ia + 1:ib]):
                return False
        elif not (isinstance(owner, ast.Try) and (fa, fb) in _TRY_FLOWS):
            return False
        for d in range(len(pa) - 1, k, -1):  # a's way out of its own nested blocks
            downer, dfield, didx = pa[d]
            if dfield in ("handlers", "cases"):
                continue
            inner_loop = any(isinstance(pa[j][0], LOOP_NODES) and pa[j][1] == "body"
                             for j in range(k + 1, d + 1))
            for s in getattr(downer, dfield)[didx + 1:]:
                if isinstance(s, (ast.Return, ast.Raise)) or (
                        isinstance(s, (ast.Break, ast.Continue)) and not inner_loop):
                    return False
        return True

    # ------------------------------------------------------------------ sites
    def sites_in(self, owner, follow: bool = True) -> Iterator[Tuple[Site, Tuple[Site, ...]]]:
        """Sites in a loop (LoopInfo) or function (FunctionInfo), in source order.

        With ``follow``, calls into same-file helpers are followed (cycle-safe,
        at most MAX_HELPER_DEPTH deep) and the helper's sites yielded after the
        call, each with the chain of call sites that led to it.
        """
        if not follow:
            base = self.loop_sites(owner) if isinstance(owner, LoopInfo) else owner.sites
            return ((site, ()) for site in base)
        return iter(self._sites_followed(owner))

    @memoized
    def _sites_followed(self, owner) -> List[Tuple[Site, Tuple[Site, ...]]]:
        """:meth:`sites_in` with helpers followed, listed once per loop or function (the
        loop facts, the grad-mode and the data facts all walk the same loops)."""
        base = self.loop_sites(owner) if isinstance(owner, LoopInfo) else owner.sites
        out: List[Tuple[Site, Tuple[Site, ...]]] = []
        self._expand(base, (), {id(owner.node)}, out)
        return out

    def loop_sites(self, loop: LoopInfo) -> List[Site]:
        """The sites of the loop's own function that lie inside the loop."""
        return self._loop_sites_index(loop.function).get(loop.node, [])

    @memoized
    def _loop_sites_index(self, function: Optional[FunctionInfo]) -> Dict[ast.AST, List[Site]]:
        index: Dict[ast.AST, List[Site]] = {}
        for s in (function.sites if function is not None else self.module_sites):
            for lp in s.loops:
                index.setdefault(lp, []).append(s)
        return index

    def _expand(self, sites, via, seen, out) -> None:
        """Append ``(site, via)`` for ``sites`` to ``out``, each call into a same-file helper
        followed by the helper's sites (depth-first, cycle-safe: ``seen`` are the helpers
        on the way)."""
        if len(via) >= MAX_HELPER_DEPTH:
            out.extend((site, via) for site in sites)
            return
        functions, methods, append = self.function_names, self.method_names, out.append
        for site in sites:
            append((site, via))
            if not site.is_call:
                continue
            func = site.node.func  # function_for's own first test, inline: most calls fail it
            kind = type(func)
            if not (func.id in functions if kind is _Name else kind is _Attribute and func.attr in methods):
                continue
            helper = self.function_for(func, site.scope)
            if helper is None or id(helper.node) in seen:
                continue
            seen.add(id(helper.node))
            self._expand(helper.sites, via + (site,), seen, out)
            seen.discard(id(helper.node))

    # ------------------------------------------------------------ call graph
    @memoized
    def entry_functions(self) -> List[FunctionInfo]:
        """Same-file functions reachable from module-level code (including
        ``if __name__ == "__main__":``), transitively, cycle-safe."""
        return self.functions_reached_from(self.module_sites)

    def functions_reached_from(self, sites) -> List[FunctionInfo]:
        """Same-file functions that calls among ``sites`` reach, transitively, cycle-safe."""
        reached: Dict[int, FunctionInfo] = {}
        todo: List[Site] = list(sites)
        while todo:
            site = todo.pop()
            if not site.is_call:
                continue
            for helper in self.call_targets(site):
                if id(helper.node) not in reached:
                    reached[id(helper.node)] = helper
                    todo.extend(helper.sites)
        return list(reached.values())

    @memoized
    def call_targets(self, site: Site) -> List[FunctionInfo]:
        """Same-file functions one call site may run: the function or method called
        (``helper()``, ``self.fit()``, ``Trainer(...).fit()``, ``t.fit()`` with ``t`` bound
        to a same-file class instance), the ``__init__`` of a same-file class it
        instantiates, and functions passed as arguments (``mp.spawn(main, ...)``)."""
        call = site.node
        if type(call) is not _Call:  # a ``.grad`` write
            return []
        helper = self.callee(call, site.scope)
        targets = [helper] if helper is not None else []
        functions = self.function_names  # function_for's first test, inline: most arguments fail it
        for arg in call.args + [k.value for k in call.keywords]:
            if type(arg) is _Name and arg.id in functions:
                helper = self.function_for(arg, site.scope)
                if helper is not None:
                    targets.append(helper)
        return targets

    def callee(self, call: ast.Call, scope: Scope) -> Optional[FunctionInfo]:
        """The same-file function a call runs and binds its arguments to: :meth:`method_for`,
        or the ``__init__`` of a same-file class it instantiates."""
        func = call.func
        if not self.may_run_local(func):
            return None  # names no same-file function, class or method (most calls)
        helper = self.method_for(call.func, scope)
        if helper is None:
            cls = self.class_for(call.func, scope)
            helper = self.method(cls, "__init__") if cls is not None else None
        return helper

    def arguments_of(self, call: ast.Call, scope: Scope, helper: FunctionInfo) -> BoundArguments:
        """``call``'s arguments bound to the parameters of ``helper`` (its :meth:`callee`):
        a method called on an instance (or a classmethod) binds ``self``/``cls`` itself; a
        plain method called through its class (``Base.__init__(self, x)``) is passed it."""
        skip = helper.cls is not None
        if skip and type(call.func) is _Attribute and type(call.func.value) is _Name:
            b = self.binding_in_force(call.func.value, scope)
            if b is not None and b.kind == BindingKind.CLASS:
                skip = is_decorated(helper.node, "classmethod")
        return bind_arguments(helper.node, call, skip_first=skip)

    def method_for(self, func: ast.expr, scope: Scope) -> Optional[FunctionInfo]:
        """The same-file function or method a call's ``func`` names (``helper``,
        ``self.fit``, ``runner.fit``, ``Net.build``)."""
        return self.function_for(func, scope) or self.instance_method_for(func, scope)

    def instance_method_for(self, func: ast.expr, scope: Scope) -> Optional[FunctionInfo]:
        """``obj.method`` where ``obj`` is an instance of a same-file class (the binding in
        force is ``obj = Class(...)``, or ``obj = obj.to(device)`` over one), or the
        class itself (``Net.build(...)``: a classmethod or staticmethod)."""
        if type(func) is not _Attribute or func.attr not in self.method_names:
            return None  # every answer below is a same-file method of that name
        obj = func.value
        for _hop in range(4):
            kind = type(obj)
            if kind is _Call and type(obj.func) is _Attribute \
                    and obj.func.attr in known.SELF_RETURNING_METHODS:
                obj = obj.func.value  # ``Net().to(device)``
                continue
            if kind is not _Name:
                break
            b = self.binding_in_force(obj, scope)
            if b is None or b.kind == BindingKind.CLASS:
                cls = self.classes.get(b.node) if b is not None else None
                return self.method(cls, func.attr) if cls is not None else None
            if b.kind != BindingKind.ASSIGN or b.unpack is not None or b.value is None:
                return None
            obj, scope = b.value, b.scope
        if type(obj) is _Call:
            cls = self.class_for(obj.func, scope)
            if cls is not None:
                return self.method(cls, func.attr)
        return None

    def callers(self, function: FunctionInfo) -> List[Site]:
        """Same-file call sites that run ``function`` (:meth:`call_targets`)."""
        return self._callers_index().get(function.node, [])

    @memoized
    def _callers_index(self) -> Dict[ast.AST, List[Site]]:
        index: Dict[ast.AST, List[Site]] = {}
        for site in self.sites:
            for target in self.call_targets(site):
                index.setdefault(target.node, []).append(site)
        return index
