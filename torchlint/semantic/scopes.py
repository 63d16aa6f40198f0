"""Name lookup and resolution: the one place that knows how names resolve.

``optim.SGD``, ``O`` and ``torch.optim.SGD`` all resolve to ``torch.optim.SGD``
whatever the import style; same-file functions, classes and methods are found
from a call's ``func``; classes are followed through their same-file bases.
"""
from __future__ import annotations

import ast
import builtins
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from torchlint import known
from torchlint.semantic.cache import memoized
from torchlint.semantic.nodes import Binding, BindingKind, ClassInfo, FunctionInfo, Scope, Site
from torchlint.syntax import FUNCTION_NODES

_RESOLVED = "torchlint.semantic.scopes.resolve"  # its memo table
_RESOLVED_ELSEWHERE = "torchlint.semantic.scopes.resolve/elsewhere"  # :meth:`ScopeQueries._resolve_new`
_CALLED = "torchlint.semantic.scopes.called_names"
_NAMES = "torchlint.semantic.scopes.names"  # :meth:`ScopeQueries._names`
_UNSET = object()
# node types are tested by ``type(x) is``, not isinstance: the same answer (parsed trees hold
# no subclasses of them), and a failing isinstance goes through type.__instancecheck__
_Name, _Attribute = ast.Name, ast.Attribute

MAX_RESOLVE_DEPTH = 8  # alias chains and kind inference give up past this
_BUILTINS = frozenset(dir(builtins))


def _dotted(expr: ast.Attribute, root: ast.Name, base: str) -> str:
    """``base.b.c`` for ``a.b.c`` (``root``: ``a``, which names ``base``)."""
    attrs: List[str] = []
    while expr is not root:
        attrs.append(expr.attr)
        expr = expr.value
    attrs.append(base)
    return ".".join(reversed(attrs))


class ScopeQueries:
    """Mixed into :class:`~torchlint.semantic.model.SemanticModel`."""

    def lookup(self, name: str, scope: Scope) -> Optional[List[Binding]]:
        """Bindings of ``name`` visible from ``scope`` (class scopes are skipped from inside methods)."""
        bindings = scope.bindings.get(name)
        current = scope.parent
        while bindings is None and current is not None:
            if not current.is_class:
                bindings = current.bindings.get(name)
            current = current.parent
        return bindings

    def resolve(self, expr: ast.AST, scope: Scope) -> Optional[str]:
        """Qualified name of a Name/Attribute expression, or None. Builtins resolve
        to ``builtins.<name>``. The most asked question of all (every rule resolves
        call names): memoized in a table of its own rather than through
        :func:`~torchlint.semantic.cache.memoized`, whose generic wrapper costs more
        than most answers here. The table is keyed by the expression alone, its entry
        ``(scope, answer)``: an expression is asked about in its own scope (a tuple key
        costs more than the answer); another scope is answered by :meth:`_resolve_new`."""
        try:
            found = self.memo[_RESOLVED].get(expr)
        except KeyError:  # the first question of the file
            self.memo[_RESOLVED] = {}
            found = None
        if found is not None and found[0] is scope:
            return found[1]
        return self._resolve_new(expr, scope, found is None, self._names())

    def _resolve_new(self, expr: ast.AST, scope: Scope, first: bool,
                     names: Dict[Tuple[str, Scope], Optional[str]]) -> Optional[str]:
        """:meth:`resolve`'s answer not in its table: ``first`` (no entry for ``expr``), entered
        there; else (``expr`` asked about in another scope) kept by ``(expr, scope)`` apart.
        ``names``: :meth:`_names`."""
        if first:
            answer = self._resolve(expr, scope, 0, names)
            self.memo[_RESOLVED][expr] = (scope, answer)
            return answer
        elsewhere = self.memo.setdefault(_RESOLVED_ELSEWHERE, {})
        key = (expr, scope)
        if key not in elsewhere:
            elsewhere[key] = self._resolve(expr, scope, 0, names)
        return elsewhere[key]

    def called_names(self) -> Dict[str, List[int]]:
        """Every call of the file by the qualified name its callee resolves to: name ->
        indexes into ``self.sites`` (source order). One pass for the questions that look
        for calls to given names (``DataLoader``, seeders, samplers) among all of them."""
        found = self.memo.get(_CALLED)
        if found is None:
            found = self.memo[_CALLED] = {}
            table = self.memo.setdefault(_RESOLVED, {})  # :meth:`resolve`'s, read here
            names = self._names()
            for i, site in enumerate(self.sites):
                if site.is_call:
                    func, scope = site.node.func, site.scope
                    entry = table.get(func)  # :meth:`resolve`'s hit, inline; a miss asks it
                    q = entry[1] if entry is not None and entry[0] is scope else \
                        self._resolve_new(func, scope, entry is None, names)
                    if q is not None:
                        indexes = found.get(q)
                        if indexes is None:
                            found[q] = [i]
                        else:
                            indexes.append(i)
        return found

    def calls_to(self, names) -> List[Site]:
        """The call sites whose callee resolves to one of ``names``, in source order."""
        by_name = self.called_names()
        if len(by_name) < len(names):
            hits = [i for q, idx in by_name.items() if q in names for i in idx]
        else:
            hits = [i for q in names for i in by_name.get(q, ())]
        sites = self.sites
        return [sites[i] for i in sorted(hits)]

    def _names(self) -> Dict[Tuple[str, Scope], Optional[str]]:
        """What names resolve to at depth 0 in their scope (:meth:`_resolve_name`, a function
        of the name and scope alone), shared by every question of the file."""
        names = self.memo.get(_NAMES)
        if names is None:
            names = self.memo[_NAMES] = {}
        return names

    def _resolve(self, expr: ast.AST, scope: Scope, depth: int,
                 names: Optional[Dict[Tuple[str, Scope], Optional[str]]] = None) -> Optional[str]:
        """``names``: :meth:`_names` (depth 0), to read and fill. The dotted name is built
        only once its base resolves (most attribute chains start at a local value)."""
        if depth > MAX_RESOLVE_DEPTH:
            return None
        root = expr
        while type(root) is _Attribute:  # iterative: a.b.c.d...
            root = root.value
        if type(root) is not _Name:
            return None
        if names is None:
            base = self._resolve_name(root.id, scope, depth)
        else:
            key = (root.id, scope)
            base = names.get(key, _UNSET)
            if base is _UNSET:
                base = names[key] = self._resolve_name(root.id, scope, depth)
        if base is None or root is expr:
            return base
        if expr.value is root:  # a.b: the common case
            return base + "." + expr.attr
        return _dotted(expr, root, base)

    def _resolve_name(self, name: str, scope: Scope, depth: int) -> Optional[str]:
        bindings = self.lookup(name, scope)
        if bindings is None:
            if self.module_scope.star_import:
                return self.star_import_name(name)
            return f"builtins.{name}" if name in _BUILTINS else None
        last = bindings[-1]
        if last.kind == BindingKind.IMPORT:  # the last import binding, as _last_import finds it
            imported = last.full_name
        else:
            imported = self._last_import(bindings[0].scope, name) if len(bindings) > 1 else None
        if imported is not None:
            return imported
        if len(bindings) == 1 and last.kind == BindingKind.ASSIGN:
            value = last.value
            if type(value) is _Name or type(value) is _Attribute:
                return self._resolve(value, last.scope, depth + 1)
        return None

    @memoized
    def _last_import(self, scope: Scope, name: str) -> Optional[str]:
        """The qualified name of the last import binding ``name`` in ``scope``, if any."""
        for b in reversed(scope.bindings[name]):
            if b.kind == BindingKind.IMPORT:
                return b.full_name
        return None

    def star_import_name(self, name: str) -> Optional[str]:
        """A name no binding of the file explains, in a file with ``from x import *``:
        what the star-imported module binds it to (the project locator reads it), or
        None (unknown)."""
        if self.project is None:
            return None
        return self.project.star_export(self, name)

    # ------------------------------------------------------------- local code
    def defined_names(self) -> Tuple[Set[str], Set[str], Set[str]]:
        """The names of the file's functions, of its classes and of their methods: a name
        outside them is no same-file function, class or method, in whatever scope (the
        cheap test the questions below ask first; most calls name none)."""
        return self.function_names, self.class_names, self.method_names  # kept by the builder

    def may_run_local(self, func: ast.expr) -> bool:
        """Could a call of ``func`` run same-file code: a name of one of the file's functions
        or classes, or ``x.<one of its method names>``? The first test of every callee
        question (:meth:`callee`); most calls name none."""
        if type(func) is _Name:
            return func.id in self.function_names or func.id in self.class_names
        return type(func) is _Attribute and func.attr in self.method_names

    def function_for(self, func: ast.expr, scope: Scope) -> Optional[FunctionInfo]:
        """The same-file function a call's ``func`` refers to (``helper``: the definition in
        force at that use, ``self.method``)."""
        if type(func) is _Name:
            if func.id not in self.function_names:
                return None
            b = self.binding_in_force(func, scope)
            if b is not None and b.kind == BindingKind.FUNCTION:
                return self.functions.get(b.node)
            return None
        if type(func) is _Attribute and func.attr in self.method_names \
                and type(func.value) is _Name and func.value.id == "self":  # the cheap test first
            cls = self.enclosing_class(scope)
            if cls is not None:
                return self.method(cls, func.attr)
        return None

    def class_for(self, func: ast.expr, scope: Scope) -> Optional[ClassInfo]:
        """The same-file class a name refers to: the definition in force at that use (a
        class defined twice in a notebook-style file: the one above it)."""
        if type(func) is _Name:
            if func.id not in self.class_names:
                return None
            b = self.binding_in_force(func, scope)
            if b is not None and b.kind == BindingKind.CLASS:
                return self.classes.get(b.node)
        return None

    def enclosing_class(self, scope: Scope) -> Optional[ClassInfo]:
        current: Optional[Scope] = scope
        while current is not None:
            if type(current.node) in FUNCTION_NODES:
                info = self.functions.get(current.node)
                if info is not None and info.cls is not None:
                    return info.cls
            current = current.parent
        return None

    def enclosing_function(self, scope: Scope) -> Optional[FunctionInfo]:
        current: Optional[Scope] = scope
        while current is not None:
            info = self.functions.get(current.node)
            if info is not None:
                return info
            current = current.parent
        return None

    @memoized
    def local_bases(self, cls: ClassInfo) -> Tuple[ClassInfo, ...]:
        """``cls`` and its same-file base classes, cycle-safe (once per class: most
        questions about a class start here)."""
        out: List[ClassInfo] = []
        seen = set()
        todo = [cls]
        while todo:
            c = todo.pop()
            if id(c) in seen:
                continue
            seen.add(id(c))
            out.append(c)
            for base in c.node.bases:
                local = self.class_for(base, c.outer)
                if local is not None:
                    todo.append(local)
        return tuple(out)

    @memoized
    def base_names(self, cls: ClassInfo) -> FrozenSet[str]:
        """Qualified names of every non-local base class, through same-file bases."""
        names = set()
        for c in self.local_bases(cls):
            for base in c.node.bases:
                q = self.resolve(base, c.outer)
                if q is not None:
                    names.add(q)
        return frozenset(names)

    def is_nn_module(self, cls: ClassInfo) -> bool:
        """Derives from ``nn.Module``, a ``torch.nn`` layer (``nn.Transformer``) or ``LightningModule``."""
        bases = self.base_names(cls)
        return bool(bases & known.LIGHTNING_MODULES) or known.has_layer_class(bases)

    def is_lightning_module(self, cls: ClassInfo) -> bool:
        return bool(self.base_names(cls) & known.LIGHTNING_MODULES)

    def method(self, cls: ClassInfo, name: str) -> Optional[FunctionInfo]:
        for c in self.local_bases(cls):
            if name in c.methods:
                return c.methods[name]
        return None

    def module_classes(self) -> Iterator[ClassInfo]:
        return (c for c in self.classes.values() if self.is_nn_module(c))

    def lightning_classes(self) -> Iterator[ClassInfo]:
        return (c for c in self.classes.values() if self.is_lightning_module(c))

    # ------------------------------------------------------------- imports
    def import_binding(self, expr: ast.expr, scope: Scope) -> Optional[Binding]:
        """The import that a Name/Attribute chain starts from (``set_seed`` in
        ``from utils import set_seed``, ``utils`` in ``utils.set_seed``), or None."""
        while type(expr) is _Attribute:
            expr = expr.value
        if type(expr) is not _Name:
            return None
        bindings = self.lookup(expr.id, scope)
        if bindings and bindings[-1].kind == BindingKind.IMPORT:
            return bindings[-1]
        return None

    @staticmethod
    def is_project_import(binding: Binding) -> bool:
        """An import that may name the user's own code: a relative import, or a module
        that is neither stdlib nor a known third-party package (``known.py``)."""
        if binding.kind != BindingKind.IMPORT:
            return False
        if binding.level:
            return True
        top = (binding.module or binding.full_name or "").split(".")[0]
        return bool(top) and not known.is_external_package(top)
