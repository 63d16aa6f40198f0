"""The single pass over flake8's tree that fills a :class:`~torchlint.semantic.model.SemanticModel`.

Statements are dispatched through a handler table (one method per statement
type) and visited recursively, depth-guarded; expressions are walked
iteratively. What the pass records: scopes and their bindings, functions,
classes, loops, main guards, and every call and ``.grad`` write as a
:class:`~torchlint.semantic.nodes.Site` with the loops, ``with`` blocks and
function around it; plus the small indexes some facts read (keys read and
written, attribute and item writes, calls whose value is discarded).
"""
from __future__ import annotations

import ast
from typing import Callable, Dict, Optional

from torchlint.semantic.nodes import (BindingKind, ClassInfo, FunctionInfo, LoopInfo, Scope, bind,
                                      new_site)
from torchlint.syntax import arg_defaults, children_reversed, is_main_guard, parameter_nodes

MAX_STATEMENT_DEPTH = 150  # deeper statement nesting is not analysed (stays quiet)
# node types are tested by ``type(x) is``, not isinstance: the same answer (parsed trees hold
# no subclasses of them), and a failing isinstance goes through type.__instancecheck__
_Name, _Constant, _Attribute, _Call = ast.Name, ast.Constant, ast.Attribute, ast.Call
_Tuple, _List, _BinOp, _Compare = ast.Tuple, ast.List, ast.BinOp, ast.Compare
_Subscript, _Starred = ast.Subscript, ast.Starred


class Context:
    """Where a statement runs: its scope, function, class body, loops and ``with`` blocks
    (a nested block with none added runs in the same context: ``if``, ``try``, ``else``)."""

    __slots__ = ("scope", "function", "cls", "loops", "withs")

    def nested(self, loops: Optional[tuple] = None, withs: Optional[tuple] = None) -> "Context":
        """A block in a loop or ``with`` block, in the same scope (a new scope: :meth:`inside`)."""
        return _context(self.scope, self.function, self.cls, self.loops if loops is None else loops,
                        self.withs if withs is None else withs)

    def inside(self, scope: Scope, function: Optional[FunctionInfo], cls: Optional[ClassInfo]) -> "Context":
        """The body of a function (no loops or ``with`` blocks around it there) or a class."""
        if function is not None:
            return _context(scope, function, None, (), ())
        return _context(scope, self.function, cls, self.loops, self.withs)


def _context(scope: Scope, function: Optional[FunctionInfo], cls: Optional[ClassInfo], loops: tuple,
             withs: tuple) -> Context:
    """A new :class:`Context` (no ``__init__``: as :func:`~torchlint.semantic.nodes.bind`)."""
    c = Context()
    c.scope = scope
    c.function = function
    c.cls = cls
    c.loops = loops
    c.withs = withs
    return c


class Builder:
    def __init__(self, model) -> None:
        self.m = model
        self.stmt: Optional[ast.stmt] = None  # the statement being visited
        self.depth = 0  # blocks being visited (statement nesting)

    def build(self, tree: ast.AST) -> None:
        body = getattr(tree, "body", [])
        if not isinstance(body, list):  # ast.Expression / ast.Interactive
            body = [body] if isinstance(body, ast.AST) else []
        self.block(body, _context(self.m.module_scope, None, None, (), ()))

    # ------------------------------------------------------------ recording
    def site(self, node: ast.AST, c: Context) -> None:
        site = new_site(node, c.scope, c.function, c.loops, c.withs)
        self.m.sites.append(site)
        self.m.stmt_of[node] = self.stmt
        if c.function is None:
            self.m.module_sites.append(site)
        else:
            c.function.sites.append(site)

    def exprs(self, nodes, c: Context) -> None:
        """:meth:`expr` of each expression, in order."""
        for node in nodes:
            self.expr(node, c)

    def expr(self, node, c: Context) -> None:
        """Record the calls and walrus bindings of one expression (None allowed),
        iteratively, in source order (children are pushed last first). The common node
        types are unrolled: this loop visits every expression node of the file once."""
        kind = type(node)
        if node is None or kind is _Name or kind is _Constant:  # nothing to record
            return
        stack = [node]
        m = self.m
        # a call's Site, recorded as :meth:`site` does (inlined here: one per call of the file).
        # Lists' own methods are called, not bound ones kept in locals: CPython 3.11 runs
        # ``stack.append(x)`` without a call (specialized), and a bound method kept in a local is
        # an object made and freed per expression walked.
        sites, stmt_of, stmt = m.sites, m.stmt_of, self.stmt
        function = c.function
        own = m.module_sites if function is None else function.sites
        scope, loops, withs = c.scope, c.loops, c.withs  # (not four at once: a tuple made)
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is _Call:  # most nodes popped (names and constants are rarely pushed)
                site = new_site(node, scope, function, loops, withs)
                sites.append(site)
                stmt_of[node] = stmt
                own.append(site)
                keywords, args = node.keywords, node.args
                if keywords:
                    for k in reversed(keywords):
                        value = k.value
                        kind = type(value)
                        if kind is not _Name and kind is not _Constant:
                            stack.append(value)
                if args:
                    for a in reversed(args):
                        kind = type(a)
                        if kind is not _Name and kind is not _Constant:
                            stack.append(a)
                func = node.func  # ``f(...)``: nothing to visit; ``a.b.f(...)``: down to ``a``
                while type(func) is _Attribute:
                    func = func.value
                kind = type(func)
                if kind is not _Name and kind is not _Constant:
                    stack.append(func)
            elif kind is _Attribute:
                node = node.value
                while type(node) is _Attribute:  # ``a.b.c``: down the chain without the stack
                    node = node.value
                kind = type(node)
                if kind is not _Name and kind is not _Constant:
                    stack.append(node)
            elif kind is _Name or kind is _Constant:
                continue
            elif kind is _Subscript:
                stack.append(node.slice)
                stack.append(node.value)
            elif kind is _Tuple or kind is _List:
                for e in reversed(node.elts):
                    kind = type(e)
                    if kind is not _Name and kind is not _Constant:
                        stack.append(e)
            elif kind is _BinOp:
                for e in (node.right, node.left):
                    kind = type(e)
                    if kind is not _Name and kind is not _Constant:
                        stack.append(e)
            elif kind is _Compare:
                for e in reversed(node.comparators):
                    kind = type(e)
                    if kind is not _Name and kind is not _Constant:
                        stack.append(e)
                stack.append(node.left)
            else:
                if kind is ast.NamedExpr and isinstance(node.target, ast.Name):
                    bind(c.scope, node.target.id, BindingKind.ASSIGN, node, node.value)
                    m.stmt_of[node] = self.stmt
                stack.extend(children_reversed(node))

    def bind_target(self, target, value, c: Context, kind=BindingKind.ASSIGN) -> None:
        scope = c.scope
        if type(target) is _Name:
            bind(scope, target.id, kind, target, value)
            self.m.stmt_of[target] = self.stmt
        elif type(target) is _Tuple or type(target) is _List:
            values = value.elts if type(value) is _Tuple or type(value) is _List else None
            # ``a, b = f()``: each name's index in the value, up to a starred element (unknown after)
            unpacked = values is None and value is not None and kind == BindingKind.ASSIGN
            for i, elt in enumerate(target.elts):
                v = values[i] if values is not None and i < len(values) else None
                starred = type(elt) is _Starred
                self.bind_target(elt.value if starred else elt, v, c,
                                 kind if v is not None else BindingKind.TARGET)
                if starred:
                    unpacked = False
                elif unpacked and type(elt) is _Name:
                    scope.bindings[elt.id][-1].unpack = (value, i)
        elif type(target) is _Attribute:
            if type(target.value) is _Name and target.value.id == "self" and value is not None:
                function = c.function  # a method's own class, as enclosing_class finds it first
                cls = function.cls if function is not None and function.cls is not None \
                    else self.m.enclosing_class(scope)
                if cls is not None:
                    cls.attrs.setdefault(target.attr, []).append((value, scope))

    def assign_target(self, target, value, c: Context) -> None:
        if type(target) is _Name:  # most targets: as bind_target binds one
            bind(c.scope, target.id, BindingKind.ASSIGN, target, value)
            self.m.stmt_of[target] = self.stmt
            return
        if type(target) is _Subscript:
            self.expr(target, c)
            key = target.slice
            if type(key) is _Constant and isinstance(key.value, str):
                self.m.keys_written.add(key.value)
            if type(target.value) is _Name:
                self.m.item_writes.setdefault(target.value.id, []).append((target, value, c.scope))
            return
        if _is_grad_attr(target):
            self.site(target, c)
            return
        if type(target) is _Attribute:
            self.expr(target.value, c)  # ``self.x = ...``: a name holds no call
            if value is not None:
                self.m.attr_writes.setdefault(target.attr, []).append((target, value, c.scope))
        self.bind_target(target, value, c)

    # ------------------------------------------------------------ statements
    def block(self, stmts, c: Context) -> None:
        depth = self.depth
        if depth > MAX_STATEMENT_DEPTH:
            self.m.truncated = True
            return
        self.depth = depth + 1
        handlers = _HANDLERS
        outer = self.stmt
        for stmt in stmts:
            self.stmt = stmt
            try:
                handler = handlers[type(stmt)]
            except KeyError:  # a type made after this table (it holds every ast.stmt subclass)
                handler = Builder.other
            handler(self, stmt, c)
        self.stmt = outer
        self.depth = depth

    def function_def(self, stmt, c: Context) -> None:
        m = self.m
        params = parameter_nodes(stmt.args)
        evaluated = arg_defaults(stmt.args, params)
        if stmt.decorator_list or evaluated:
            self.exprs(stmt.decorator_list + evaluated, c)
        bind(c.scope, stmt.name, BindingKind.FUNCTION, stmt)
        fscope = Scope(stmt, c.scope)
        m.scopes[stmt] = fscope
        info = FunctionInfo(stmt, stmt.name, fscope, c.cls)
        m.functions[stmt] = info
        m.function_names.add(stmt.name)
        if c.cls is not None:
            c.cls.methods[stmt.name] = info
            m.method_names.add(stmt.name)
        for a in params:
            bind(fscope, a.arg, BindingKind.ARGUMENT, a, None, a.annotation)
        self.block(stmt.body, c.inside(fscope, info, None))

    def class_def(self, stmt, c: Context) -> None:
        m = self.m
        self.exprs(stmt.bases + [k.value for k in stmt.keywords] + stmt.decorator_list, c)
        bind(c.scope, stmt.name, BindingKind.CLASS, stmt)
        cscope = Scope(stmt, c.scope)
        m.scopes[stmt] = cscope
        info = ClassInfo(stmt, stmt.name, cscope, c.scope)
        m.classes[stmt] = info
        m.class_names.add(stmt.name)
        self.block(stmt.body, c.inside(cscope, None, info))

    def import_(self, stmt, c: Context) -> None:
        m, scope = self.m, c.scope
        if type(stmt) is ast.Import:
            for alias in stmt.names:
                top = alias.name.split(".")[0]
                m.imported_modules.add(top)
                if alias.asname:
                    bind(scope, alias.asname, BindingKind.IMPORT, stmt, None, None, alias.name, alias.name)
                else:  # ``import torch.nn`` binds ``torch``
                    bind(scope, top, BindingKind.IMPORT, stmt, None, None, top, top)
            return
        module = stmt.module or ""
        if module or stmt.level:  # a relative import as its dots and first name (``.data``)
            m.imported_modules.add(("." * stmt.level) + module.split(".")[0])
        prefix = ("." * stmt.level) + module
        for alias in stmt.names:
            if alias.name == "*":
                scope.star_import = True
                m.module_scope.star_import = True
                m.star_imports.append(stmt)
                continue
            full = f"{prefix}.{alias.name}" if module else f"{prefix}{alias.name}"
            bind(scope, alias.asname or alias.name, BindingKind.IMPORT, stmt, None, None, full, module,
                 stmt.level)

    def loop(self, stmt, c: Context) -> None:
        if type(stmt) is ast.While:
            self.expr(stmt.test, c)
        else:
            self.expr(stmt.iter, c)
            self.bind_target(stmt.target, None, c, BindingKind.TARGET)
        info = LoopInfo(stmt, c.scope, c.function, c.loops, c.withs)
        self.m.loops.append(info)
        if c.function is not None:
            c.function.loops.append(info)
        self.block(stmt.body, c.nested(loops=c.loops + (stmt,)))
        if stmt.orelse:
            self.block(stmt.orelse, c)

    def with_(self, stmt, c: Context) -> None:
        withs = c.withs
        for item in stmt.items:
            self.expr(item.context_expr, c)
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars, item.context_expr, c)
            withs = withs + (item.context_expr,)
        self.block(stmt.body, c.nested(withs=withs))

    def if_(self, stmt, c: Context) -> None:
        self.expr(stmt.test, c)
        self.m.branching.add(c.function.node if c.function is not None else self.m.tree)
        if c.function is None and c.cls is None and is_main_guard(stmt.test):
            self.m.main_guards.append(stmt)
        self.block(stmt.body, c)
        if stmt.orelse:
            self.block(stmt.orelse, c)

    def try_(self, stmt, c: Context) -> None:
        self.block(stmt.body, c)
        for handler in stmt.handlers:
            if handler.name:
                bind(c.scope, handler.name, BindingKind.TARGET, handler)
            self.expr(handler.type, c)
            self.block(handler.body, c)
        self.block(stmt.orelse, c)
        self.block(stmt.finalbody, c)

    def match(self, stmt, c: Context) -> None:
        self.expr(stmt.subject, c)
        for case in stmt.cases:
            self.expr(case.guard, c)
            self.block(case.body, c)

    def assign(self, stmt, c: Context) -> None:
        value = stmt.value
        kind = type(value)
        if kind is not _Name and kind is not _Constant:
            self.expr(value, c)
            if kind is _BinOp and type(value.op) is ast.Add:
                self.m.adding.add(c.function.node if c.function is not None else self.m.tree)
        for target in stmt.targets:
            if type(target) is _Name:  # as :meth:`assign_target` binds one
                bind(c.scope, target.id, BindingKind.ASSIGN, target, value)
                self.m.stmt_of[target] = stmt
            else:
                self.assign_target(target, value, c)

    def ann_or_aug_assign(self, stmt, c: Context) -> None:
        self.expr(stmt.value, c)
        if type(stmt) is ast.AugAssign and type(stmt.op) is ast.Add:
            self.m.adding.add(c.function.node if c.function is not None else self.m.tree)
        if type(stmt) is ast.AnnAssign and stmt.value is not None:
            self.assign_target(stmt.target, stmt.value, c)
        elif _is_grad_attr(stmt.target):
            self.site(stmt.target, c)

    def delete(self, stmt, c: Context) -> None:
        for target in stmt.targets:
            if _is_grad_attr(target):
                self.site(target, c)

    def return_(self, stmt, c: Context) -> None:
        self.expr(stmt.value, c)
        if c.function is not None and stmt.value is not None:
            c.function.returns.append(stmt.value)

    def nothing(self, stmt, c: Context) -> None:
        return

    def expr_stmt(self, stmt, c: Context) -> None:
        value = stmt.value
        if type(value) is _Call:
            self.m.statement_calls.add(value)
        self.expr(value, c)  # docstrings: nothing to visit

    def other(self, stmt, c: Context) -> None:
        """Raise, Assert, TypeAlias and anything newer: just the expressions."""
        self.exprs([n for n in ast.iter_child_nodes(stmt) if isinstance(n, ast.expr)], c)


def _is_grad_attr(node) -> bool:
    return type(node) is _Attribute and node.attr == "grad"


_HANDLERS: Dict[type, Callable] = {
    ast.FunctionDef: Builder.function_def, ast.AsyncFunctionDef: Builder.function_def,
    ast.ClassDef: Builder.class_def,
    ast.Import: Builder.import_, ast.ImportFrom: Builder.import_,
    ast.For: Builder.loop, ast.AsyncFor: Builder.loop, ast.While: Builder.loop,
    ast.With: Builder.with_, ast.AsyncWith: Builder.with_,
    ast.If: Builder.if_,
    ast.Try: Builder.try_,
    ast.Assign: Builder.assign,
    ast.AnnAssign: Builder.ann_or_aug_assign, ast.AugAssign: Builder.ann_or_aug_assign,
    ast.Delete: Builder.delete,
    ast.Return: Builder.return_,
    ast.Global: Builder.nothing, ast.Nonlocal: Builder.nothing, ast.Pass: Builder.nothing,
    ast.Break: Builder.nothing, ast.Continue: Builder.nothing,
    ast.Expr: Builder.expr_stmt,
}
for _name, _handler in (("TryStar", Builder.try_), ("Match", Builder.match)):
    if hasattr(ast, _name):  # Python 3.10 / 3.11
        _HANDLERS[getattr(ast, _name)] = _handler


def _statement_types(kind: type = ast.stmt):
    """``kind`` and every subclass of it."""
    yield kind
    for sub in kind.__subclasses__():
        yield from _statement_types(sub)


for _kind in _statement_types():  # every other statement (Raise, Assert ...): just its expressions
    _HANDLERS.setdefault(_kind, Builder.other)
