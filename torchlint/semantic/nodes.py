"""What the model records: scopes, bindings, call sites, loops, functions, classes.

Plain records with ``__slots__`` (one ``Site`` per call in the file: they are
the model's bulk). Every record compares and hashes by identity, like the
``ast`` nodes it points at.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

_Call = ast.Call
Step = Tuple[ast.AST, str, int]  # (owner, field, index): statement ``owner.<field>[index]``


class BindingKind:
    """How a name is bound: plain strings, named here (``b.kind == "import"`` reads the
    same). Not an ``enum.Enum``: a member looked up on an enum class costs five times a
    plain class attribute, and kinds are compared on every name resolved."""

    IMPORT = "import"
    ASSIGN = "assign"  # ``x = value`` (also ``with ... as x``, ``(x := value)``)
    ARGUMENT = "argument"  # a function parameter
    FUNCTION = "function"
    CLASS = "class"
    TARGET = "target"  # bound by a loop, an except clause or an unpacking we cannot split


class Scope:
    __slots__ = ("node", "parent", "bindings", "star_import", "is_class")

    def __init__(self, node: ast.AST, parent: Optional["Scope"]):
        self.node = node
        self.parent = parent
        self.bindings: Dict[str, List["Binding"]] = {}
        self.star_import = False
        self.is_class = type(node) is ast.ClassDef

    def __repr__(self) -> str:
        return f"Scope({type(self.node).__name__}@{getattr(self.node, 'lineno', 0)})"


class Binding:
    """One binding of a name, made by :func:`bind`. Fields: ``name``, ``kind`` (a
    :class:`BindingKind`), ``node``, ``scope``; ``full_name`` (imports: the qualified name
    bound), ``value`` (assignments: the value bound), ``annotation`` (parameters),
    ``module`` / ``level`` (imports: the module it came from, for project lookup, and the
    relative level); ``unpack``: for ``a, b = f()``, (value, index) of this name in the
    unpacked value."""

    __slots__ = ("name", "kind", "node", "scope", "full_name", "value", "annotation", "module",
                 "level", "unpack")

    def __repr__(self) -> str:
        return f"Binding({self.name!r}, {self.kind}, line {getattr(self.node, 'lineno', 0)})"


def bind(scope: Scope, name: str, kind: str, node: ast.AST, value: Optional[ast.expr] = None,
         annotation: Optional[ast.expr] = None, full_name: Optional[str] = None,
         module: Optional[str] = None, level: int = 0) -> Binding:
    """A new :class:`Binding`, added to ``scope``. A plain function, not ``__init__``: on
    CPython 3.11 a class call that runs a Python ``__init__`` costs about twice the
    instructions of filling the slots here, and every name bound in a file makes one."""
    b = Binding()
    b.name = name
    b.kind = kind
    b.node = node
    b.scope = scope
    b.full_name = full_name
    b.value = value
    b.annotation = annotation
    b.module = module
    b.level = level
    b.unpack = None
    found = scope.bindings.get(name)
    if found is None:
        scope.bindings[name] = [b]
    else:
        found.append(b)
    return b


class Site:
    """A call, or a write to ``X.grad``, with its context, made by :func:`new_site`.
    Fields: ``node`` (the ``ast.Call``, or the ``ast.Attribute`` target of a ``.grad``
    write), ``scope``, ``function``, ``loops`` (enclosing loops in the same function,
    outermost first), ``withs`` (enclosing ``with`` context expressions, outermost first),
    ``is_call``."""

    __slots__ = ("node", "scope", "function", "loops", "withs", "is_call")

    @property
    def is_grad_write(self) -> bool:
        return not self.is_call

    def __repr__(self) -> str:
        return f"Site({type(self.node).__name__}@{getattr(self.node, 'lineno', 0)})"


def new_site(node: ast.AST, scope: Scope, function: Optional["FunctionInfo"],
             loops: Tuple[ast.AST, ...], withs: Tuple[ast.expr, ...]) -> Site:
    """A new :class:`Site` (a plain function, as :func:`bind`: one per call of the file)."""
    site = Site()
    site.node = node
    site.scope = scope
    site.function = function
    site.loops = loops
    site.withs = withs
    site.is_call = type(node) is _Call
    return site


class LoopInfo:
    __slots__ = ("node", "scope", "function", "parents", "withs")

    def __init__(self, node: ast.AST, scope: Scope, function: Optional["FunctionInfo"],
                 parents: Tuple[ast.AST, ...], withs: Tuple[ast.expr, ...]):
        self.node = node
        self.scope = scope
        self.function = function
        self.parents = parents  # enclosing loops, outermost first
        self.withs = withs


class FunctionInfo:
    __slots__ = ("node", "name", "scope", "cls", "sites", "loops", "returns")

    def __init__(self, node: ast.AST, name: str, scope: Scope, cls: Optional["ClassInfo"]):
        self.node = node
        self.name = name
        self.scope = scope  # the function's own scope
        self.cls = cls
        self.sites: List[Site] = []
        self.loops: List[LoopInfo] = []
        self.returns: List[ast.expr] = []

    @property
    def qualname(self) -> str:
        return f"{self.cls.name}.{self.name}" if self.cls else self.name

    def __repr__(self) -> str:
        return f"FunctionInfo({self.qualname!r})"


class ClassInfo:
    __slots__ = ("node", "name", "scope", "outer", "methods", "attrs")

    def __init__(self, node: ast.ClassDef, name: str, scope: Scope, outer: Scope):
        self.node = node
        self.name = name
        self.scope = scope
        self.outer = outer
        self.methods: Dict[str, FunctionInfo] = {}
        # ``self.x = value`` anywhere in a method: attribute -> [(value, method scope)]
        self.attrs: Dict[str, List[Tuple[ast.expr, Scope]]] = {}

    def __repr__(self) -> str:
        return f"ClassInfo({self.name!r})"
