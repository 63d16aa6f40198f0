"""The per-file semantic model: the front door every rule and fact reads.

Built in a single pass over flake8's stdlib ``ast`` tree (a slim pyflakes, see
:mod:`~torchlint.semantic.builder`): scopes with their bindings, every call and
gradient write with the loops, ``with`` blocks and function that enclose it,
functions, classes and entry points. Everything else is answered lazily,
after the pass, so a function body sees every module-level definition
(pyflakes defers function bodies for the same reason):

* :mod:`~torchlint.semantic.scopes` - lookup and qualified names;
* :mod:`~torchlint.semantic.flow` - value origins, reaching bindings, arguments;
* :mod:`~torchlint.semantic.kinds` - what a value is (optimizer, module ...);
* :mod:`~torchlint.semantic.uses` - what an untyped parameter is, from its use;
* :mod:`~torchlint.semantic.control` - statement paths, fall-through, call graph.

Anything the model cannot resolve (dynamic attributes, values from unknown
calls) resolves to ``None`` / an empty kind set, and rules treat that as "do
not flag". The model knows nothing of the user's other files: what it cannot
see there it asks its ``project`` (:class:`Externals`, given at construction;
None: this file alone).
"""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, Optional, Protocol, Set

from torchlint import known
from torchlint.semantic.builder import Builder
from torchlint.semantic.cache import memoized
from torchlint.semantic.control import ControlFlow
from torchlint.semantic.flow import ValueFlow
from torchlint.semantic.kinds import Kinds
from torchlint.semantic.nodes import ClassInfo, FunctionInfo, LoopInfo, Scope, Site
from torchlint.semantic.scopes import ScopeQueries
from torchlint.semantic.uses import Uses
from torchlint.syntax import fold, walk


class Externals(Protocol):
    """What the model may ask about names defined in the user's other modules
    (implemented by :class:`torchlint.facts.crossmodule.CrossModule`)."""

    def call_kinds(self, m: "SemanticModel", call: ast.Call, scope: Scope) -> FrozenSet[str]:
        """Kinds of what an imported project function returns / a class builds."""

    def star_export(self, m: "SemanticModel", name: str) -> Optional[str]:
        """The qualified name ``name`` has through the file's ``from x import *``."""

    def attribute_kinds(self, m: "SemanticModel", cls: ClassInfo, attr: str) -> FrozenSet[str]:
        """Kinds of ``self.attr`` set by a base class of ``cls`` from another module."""

    def reaches(self, m: "SemanticModel") -> bool:
        """Can any answer about the user's other modules be other than "nothing"?"""


# what a model has of its own, not the builder's records of its tree (:meth:`SemanticModel.__init__`)
_PER_READER = frozenset({"tree", "test_module", "_text", "filename", "lines", "project",
                         "_reaches_project", "memo"})


class SemanticModel(ScopeQueries, ValueFlow, Kinds, Uses, ControlFlow):
    """Facts about one file. ``SemanticModel(tree, filename, lines, project=None)``."""

    def __init__(self, tree: ast.AST, filename: str = "<unknown>", lines=None,
                 project: Optional[Externals] = None, test_module: Optional[bool] = None,
                 records: Optional["SemanticModel"] = None):
        """``records``: a model of the same tree whose builder's records this one shares
        (they depend on the tree alone; a summary of a module just linted): not built again.
        Such a model is done with by clearing its memo, never :meth:`release` (the records
        are the other's). No attribute beyond these: at 30, instances lose Python's
        shared-key layout and every attribute read slows (~3.6% of the plugin's work)."""
        self.tree = tree
        self.test_module = test_module  # None: judged by the file name
        self._text: Optional[str] = None
        self.filename = filename
        self.lines = lines
        self.project = project
        self._reaches_project: Optional[bool] = None
        self.module_scope = Scope(tree, None)
        self.scopes: Dict[ast.AST, Scope] = {tree: self.module_scope}
        self.functions: Dict[ast.AST, FunctionInfo] = {}
        self.classes: Dict[ast.AST, ClassInfo] = {}
        self.loops: List[LoopInfo] = []
        self.sites: List[Site] = []  # every site, in source order
        self.module_sites: List[Site] = []  # sites outside any function
        self.main_guards: List[ast.If] = []
        self.star_imports: List[ast.ImportFrom] = []
        self.imported_modules: Set[str] = set()  # top-level names imported anywhere (relative: ``.data``)
        self.truncated = False  # statement nesting beyond MAX_STATEMENT_DEPTH was skipped
        self.keys_written: Set[str] = set()  # constant string keys assigned: ``group["lr"] = ...``
        # ``x.attr = value`` writes (any receiver): attr -> [(target, value, scope)]
        self.attr_writes: Dict[str, list] = {}
        # ``name[key] = value`` writes: name -> [(subscript target, value, scope)]
        self.item_writes: Dict[str, list] = {}
        # calls that are a whole expression statement (``x.to(device)`` on its own line)
        self.statement_calls: Set[ast.Call] = set()
        # the statement whose own expressions hold a call, ``.grad`` write or bound name
        self.stmt_of: Dict[ast.AST, ast.stmt] = {}
        self.memo: Dict = {}  # derived facts (semantic/cache.py), per model
        # the names of the file's functions (methods and nested ones included), classes
        # and methods: a call naming none of them runs no same-file code (defined_names)
        self.function_names: Set[str] = set()
        self.class_names: Set[str] = set()
        self.method_names: Set[str] = set()
        self.branching: Set[ast.AST] = set()  # the functions (and module) whose code has an ``if``
        self.adding: Set[ast.AST] = set()  # ... and those with ``x += ...`` or ``x = ... + ...``
        if records is None:
            Builder(self).build(tree)
        else:  # set in place (same attribute order: instances keep Python's shared-key layout)
            for name, value in vars(records).items():
                if name not in _PER_READER:
                    setattr(self, name, value)

    def release(self) -> None:
        """Break the model's reference cycles (scope <-> binding, function <-> site, class
        <-> method) once a file is done, so that refcounting frees it at once instead of
        leaving thousands of records for the cyclic garbage collector to walk."""
        self.memo.clear()
        for scope in self.scopes.values():
            scope.bindings = {}
        for info in self.functions.values():
            info.sites, info.loops, info.returns, info.cls = [], [], [], None
        for cls in self.classes.values():
            cls.methods, cls.attrs = {}, {}
        self.sites, self.module_sites, self.loops = [], [], []

    # ------------------------------------------------------------------ file facts
    @property
    def imports_torch(self) -> bool:
        """The file imports torch (or Lightning, accelerate ...), itself or through ``from
        x import *`` of a project module that does (``models.py``: ``import torch``)."""
        return bool(self.imported_modules & known.TORCH_PACKAGES) or _star_imports_torch(self)

    def scope_of(self, node: ast.AST) -> Scope:
        return self.scopes[node]

    def parent(self, node: ast.AST, within: Optional[ast.AST] = None) -> Optional[ast.AST]:
        """The syntactic parent of ``node`` (None for the module), from one walk of the
        tree on first use. ``within``: a node known to enclose ``node`` (its function):
        only that subtree is walked, once (the whole tree still when ``node`` is not in it)."""
        if within is not None and within is not self.tree:
            found = _parents(self, within).get(node)
            if found is not None:
                return found
        return _parents(self, self.tree).get(node)

    def loop_info(self, node: ast.AST) -> Optional[LoopInfo]:
        """The record of a loop statement."""
        return self._loops_by_node().get(node)

    @memoized
    def _loops_by_node(self) -> Dict[ast.AST, LoopInfo]:
        return {lp.node: lp for lp in self.loops}

    @property
    def keys_read(self) -> Set[str]:
        """Keys read from objects: attribute loads (``args.lr``), constant string
        subscripts (``cfg["lr"]``), ``x.get("lr")`` / ``getattr(x, "lr")``; each also as
        ``"<holder>.<key>"`` when the object is a name or attribute (``"hparams.lr"``).
        One walk of the tree, the first time a fact asks."""
        return _keys_read(self)

    def reaches_project(self) -> bool:
        """The file imports a module of its project (or star-imports one): else no call
        runs the user's other code, and no question about it needs asking."""
        found = self._reaches_project  # asked by many facts; the file's imports decide it
        if found is None:
            found = self._reaches_project = self.project is not None and self.project.reaches(self)
        return found

    def mentions(self, word: str) -> bool:
        """Does the file's text hold ``word`` (True when the text is not known)? A cheap
        necessary condition a fact can test before any analysis."""
        return self.lines is None or word in self.text

    @property
    def text(self) -> str:
        """The file's source text for word tests, joined once (empty when the lines are not
        known) and read as Python reads names (:func:`~torchlint.syntax.fold`)."""
        if self._text is None:
            self._text = fold("".join(self.lines or ()))
        return self._text

    def site_of(self, node: ast.AST) -> Optional[Site]:
        """The site recorded for a call (or ``.grad`` write) node."""
        return self._sites_by_node().get(node)

    @memoized
    def _sites_by_node(self) -> Dict[ast.AST, Site]:
        return {s.node: s for s in self.sites}

    def name_read(self, name: str, scope: Optional[Scope] = None) -> bool:
        """Is ``name`` loaded anywhere (no ``scope``), or in ``scope``'s code (nested
        scopes included)? One walk per scope asked about."""
        return name in _loaded_names(self, (scope or self.module_scope).node)

    def is_test_module(self) -> bool:
        """A pytest/unittest file by name: ``test_*.py``, ``*_test.py``, ``conftest.py``, or
        any file under a ``tests``/``test`` folder (unless the model was told)."""
        if self.test_module is None:  # judged once, by the name
            parts = self.filename.replace("\\", "/").split("/")
            name = parts[-1]
            self.test_module = (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
                                or any(p in ("tests", "test") for p in parts[:-1]))
        return self.test_module

    def is_test_function(self, function: Optional[FunctionInfo]) -> bool:
        """``def test_*`` or a method of a ``unittest.TestCase`` subclass, at any nesting."""
        while function is not None:
            if function.name.startswith("test_"):
                return True
            if function.cls is not None and any(
                    q.startswith("unittest.") and q.endswith("TestCase")
                    for q in self.base_names(function.cls)):
                return True
            parent = function.scope.parent
            function = None
            while parent is not None and function is None:
                function = self.functions.get(parent.node)
                parent = parent.parent
        return False

    def has_entry_point(self) -> bool:
        """True when the module does work when run: a main guard, or module-level calls."""
        return bool(self.main_guards) or any(s.is_call for s in self.module_sites)


@memoized
def _keys_read(m: SemanticModel) -> Set[str]:
    keys: Set[str] = set()

    def read(holder: ast.AST, key: str) -> None:
        keys.add(key)
        if type(holder) is ast.Name:
            keys.add(f"{holder.id}.{key}")
        elif type(holder) is ast.Attribute:
            keys.add(f"{holder.attr}.{key}")

    for node in walk(m.tree):  # parsed nodes: ``type(x) is`` as isinstance, without its misses' cost
        kind = type(node)
        if kind is ast.Attribute and type(node.ctx) is ast.Load:
            read(node.value, node.attr)
        elif (kind is ast.Subscript and type(node.ctx) is ast.Load
              and type(node.slice) is ast.Constant and isinstance(node.slice.value, str)):
            read(node.value, node.slice.value)
        elif kind is ast.Call:
            func = node.func
            if type(func) is ast.Attribute and func.attr in ("get", "pop"):
                holder, key = func.value, node.args[0] if node.args else None
            elif type(func) is ast.Name and func.id in ("getattr", "hasattr") and len(node.args) > 1:
                holder, key = node.args[0], node.args[1]
            else:
                continue
            if type(key) is ast.Constant and isinstance(key.value, str):
                read(holder, key.value)
    return keys


@memoized
def _star_imports_torch(m: SemanticModel) -> bool:
    """A name the file reads and binds nowhere comes from torch through a star import."""
    if not m.star_imports or m.project is None:
        return False
    bound = set()
    for scope in m.scopes.values():
        bound.update(scope.bindings)
    for name in sorted(_loaded_names(m, m.tree) - bound):
        qualname = m.star_import_name(name)
        if qualname is not None and qualname.split(".")[0] in known.TORCH_PACKAGES:
            return True
    return False


@memoized
def _parents(m: SemanticModel, root: ast.AST) -> Dict[ast.AST, ast.AST]:
    """Child -> parent for every node under ``root`` (``ast.iter_child_nodes`` inlined: its
    two generators cost more than the walk itself)."""
    parents: Dict[ast.AST, ast.AST] = {}
    stack = [root]
    node_type = ast.AST
    while stack:
        current = stack.pop()
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, node_type):
                parents[value] = current
                stack.append(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type):
                        parents[item] = current
                        stack.append(item)
    return parents


@memoized
def _loaded_names(m: SemanticModel, node: ast.AST) -> Set[str]:
    return {n.id for n in walk(node) if type(n) is ast.Name and type(n.ctx) is ast.Load}
