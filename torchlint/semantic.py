"""The per-file semantic model: the one place that knows how names resolve.

Built in a single pass over flake8's stdlib ``ast`` tree (a slim pyflakes):
scopes with their bindings, every call and gradient write with the loops,
``with`` blocks and function that enclose it, functions, classes and entry
points. Name resolution and binding kinds are answered lazily, after the pass,
so a function body sees every module-level definition (pyflakes defers
function bodies for the same reason).

Anything the model cannot resolve (star imports, dynamic attributes, values
from unknown calls) resolves to ``None`` / an empty kind set, and rules treat
that as "do not flag".
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterator, List, Optional, Tuple

from torchlint import known

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
MAX_STATEMENT_DEPTH = 150  # deeper statement nesting is not analysed (stays quiet)
MAX_RESOLVE_DEPTH = 8  # alias chains and kind inference give up past this
MAX_HELPER_DEPTH = 4  # same-file helper calls followed from a loop
_BUILTINS = frozenset(dir(builtins))
EMPTY: FrozenSet[str] = frozenset()


@dataclass(eq=False)
class Scope:
    node: ast.AST
    parent: Optional["Scope"]
    bindings: Dict[str, List["Binding"]] = field(default_factory=dict)
    star_import: bool = False

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)

    def add(self, binding: "Binding") -> None:
        self.bindings.setdefault(binding.name, []).append(binding)


@dataclass(eq=False)
class Binding:
    """One binding of a name: kind is import|assign|argument|function|class|target."""

    name: str
    kind: str
    node: ast.AST
    scope: Scope
    full_name: Optional[str] = None  # imports: the qualified name bound
    value: Optional[ast.expr] = None  # assignments: the value bound
    annotation: Optional[ast.expr] = None
    module: Optional[str] = None  # imports: the module it came from (for project lookup)
    level: int = 0  # imports: relative import level


@dataclass(eq=False)
class Site:
    """A call, or a write to ``X.grad``, with its context."""

    node: ast.AST  # ast.Call, ast.Assign/AugAssign/Delete target (ast.Attribute)
    scope: Scope
    function: Optional["FunctionInfo"]
    loops: Tuple[ast.AST, ...]  # enclosing loops in the same function, outermost first
    withs: Tuple[ast.expr, ...]  # enclosing ``with`` context expressions, outermost first

    @property
    def is_call(self) -> bool:
        return isinstance(self.node, ast.Call)

    @property
    def is_grad_write(self) -> bool:
        return not isinstance(self.node, ast.Call)


@dataclass(eq=False)
class LoopInfo:
    node: ast.AST
    scope: Scope
    function: Optional["FunctionInfo"]
    parents: Tuple[ast.AST, ...]
    withs: Tuple[ast.expr, ...]


@dataclass(eq=False)
class FunctionInfo:
    node: ast.AST
    name: str
    scope: Scope  # the function's own scope
    cls: Optional["ClassInfo"]
    sites: List[Site] = field(default_factory=list)
    loops: List[LoopInfo] = field(default_factory=list)
    returns: List[ast.expr] = field(default_factory=list)
    calls_out: List[ast.Call] = field(default_factory=list)

    @property
    def qualname(self) -> str:
        return f"{self.cls.name}.{self.name}" if self.cls else self.name


@dataclass(eq=False)
class ClassInfo:
    node: ast.ClassDef
    name: str
    scope: Scope
    outer: Scope
    methods: Dict[str, FunctionInfo] = field(default_factory=dict)
    # ``self.x = value`` anywhere in a method: attribute -> [(value, method scope)]
    attrs: Dict[str, List[Tuple[ast.expr, Scope]]] = field(default_factory=dict)


class SemanticModel:
    """Facts about one file. Build with ``SemanticModel(tree)``."""

    def __init__(self, tree: ast.AST, filename: str = "<unknown>", lines=None):
        self.tree = tree
        self.filename = filename
        self.lines = lines
        self.module_scope = Scope(tree, None)
        self.scopes: Dict[ast.AST, Scope] = {tree: self.module_scope}
        self.functions: Dict[ast.AST, FunctionInfo] = {}
        self.classes: Dict[ast.AST, ClassInfo] = {}
        self.loops: List[LoopInfo] = []
        self.sites: List[Site] = []  # every site, in source order
        self.module_sites: List[Site] = []  # sites outside any function
        self.main_guards: List[ast.If] = []
        self.imported_modules: set = set()  # top-level package names imported anywhere
        self.truncated = False  # statement nesting beyond MAX_STATEMENT_DEPTH was skipped
        self._resolve_cache: Dict[tuple, Optional[str]] = {}
        self._kinds_cache: Dict[tuple, FrozenSet[str]] = {}
        self._param_call_kinds: Optional[Dict[Tuple[ast.AST, str], FrozenSet[str]]] = None
        self.project = None  # cross-module facts provider (torchlint.project), set by the plugin
        self.memo: Dict = {}  # derived facts computed by loops.py and rules, per model
        _Builder(self).build(tree)

    # ------------------------------------------------------------------ queries
    @property
    def imports_torch(self) -> bool:
        return bool(self.imported_modules & known.TORCH_PACKAGES)

    def scope_of(self, node: ast.AST) -> Scope:
        return self.scopes[node]

    def lookup(self, name: str, scope: Scope) -> Optional[List[Binding]]:
        """Bindings of ``name`` visible from ``scope`` (class scopes are skipped from inside methods)."""
        current: Optional[Scope] = scope
        first = True
        while current is not None:
            if (first or not current.is_class) and name in current.bindings:
                return current.bindings[name]
            first = False
            current = current.parent
        return None

    def resolve(self, expr: ast.AST, scope: Scope) -> Optional[str]:
        """Qualified name of a Name/Attribute expression, or None.

        ``optim.SGD``, ``O`` and ``torch.optim.SGD`` all give ``torch.optim.SGD``
        whatever the import style. Builtins resolve to ``builtins.<name>``.
        """
        key = (expr, scope)  # nodes hash by identity; the key keeps them alive
        if key in self._resolve_cache:
            return self._resolve_cache[key]
        result = self._resolve(expr, scope, 0)
        self._resolve_cache[key] = result
        return result

    def _resolve(self, expr: ast.AST, scope: Scope, depth: int) -> Optional[str]:
        attrs: List[str] = []
        while isinstance(expr, ast.Attribute):  # iterative: a.b.c.d...
            attrs.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name) or depth > MAX_RESOLVE_DEPTH:
            return None
        base = self._resolve_name(expr.id, scope, depth)
        if base is None:
            return None
        return ".".join([base] + attrs[::-1])

    def _resolve_name(self, name: str, scope: Scope, depth: int) -> Optional[str]:
        bindings = self.lookup(name, scope)
        if bindings is None:
            if self.module_scope.star_import:
                return None
            return f"builtins.{name}" if name in _BUILTINS else None
        for b in reversed(bindings):
            if b.kind == "import":
                return b.full_name
        if len(bindings) == 1 and bindings[0].kind == "assign":
            value = bindings[0].value
            if isinstance(value, (ast.Name, ast.Attribute)):
                return self._resolve(value, bindings[0].scope, depth + 1)
        return None

    def resolve_call(self, call: ast.Call, scope: Scope) -> Optional[str]:
        return self.resolve(call.func, scope)

    # ------------------------------------------------------------- local code
    def function_for(self, func: ast.expr, scope: Scope) -> Optional[FunctionInfo]:
        """The same-file function a call's ``func`` refers to (``helper``, ``self.method``)."""
        if isinstance(func, ast.Name):
            bindings = self.lookup(func.id, scope)
            if bindings and bindings[-1].kind == "function":
                return self.functions.get(bindings[-1].node)
            return None
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
        ):
            cls = self.enclosing_class(scope)
            if cls is not None:
                return self.method(cls, func.attr)
        return None

    def class_for(self, func: ast.expr, scope: Scope) -> Optional[ClassInfo]:
        if isinstance(func, ast.Name):
            bindings = self.lookup(func.id, scope)
            if bindings and bindings[-1].kind == "class":
                return self.classes.get(bindings[-1].node)
        return None

    def enclosing_class(self, scope: Scope) -> Optional[ClassInfo]:
        current: Optional[Scope] = scope
        while current is not None:
            if isinstance(current.node, FUNCTION_NODES):
                info = self.functions.get(current.node)
                if info is not None and info.cls is not None:
                    return info.cls
            current = current.parent
        return None

    def local_bases(self, cls: ClassInfo) -> Iterator[ClassInfo]:
        """``cls`` and its same-file base classes, cycle-safe."""
        seen = set()
        todo = [cls]
        while todo:
            c = todo.pop()
            if id(c) in seen:
                continue
            seen.add(id(c))
            yield c
            for base in c.node.bases:
                local = self.class_for(base, c.outer)
                if local is not None:
                    todo.append(local)

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
        bases = self.base_names(cls)
        return bool(bases & (known.MODULE_BASES | known.LIGHTNING_MODULES))

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

    # ------------------------------------------------------------------ kinds
    def kinds(self, expr: ast.AST, scope: Scope) -> FrozenSet[str]:
        """What ``expr`` is bound to: optimizer, scheduler, module, dataloader,
        sampler, distributed_sampler, grad_scaler, device, tensor, trainer, ddp."""
        key = (expr, scope)
        if key in self._kinds_cache:
            return self._kinds_cache[key]
        self._kinds_cache[key] = EMPTY  # cycle guard while computing
        result = self._kinds(expr, scope, 0)
        self._kinds_cache[key] = result
        return result

    def _kinds(self, expr: ast.AST, scope: Scope, depth: int) -> FrozenSet[str]:
        if depth > MAX_RESOLVE_DEPTH:
            return EMPTY
        if isinstance(expr, ast.Name):
            bindings = self.lookup(expr.id, scope)
            if not bindings:
                return EMPTY
            out: set = set()
            for b in bindings:
                out |= self.binding_kinds(b, depth + 1)
            return frozenset(out)
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id == "self":
                cls = self.enclosing_class(scope)
                if cls is not None:
                    out = set()
                    for c in self.local_bases(cls):
                        for value, vscope in c.attrs.get(expr.attr, ()):
                            out |= self._kinds(value, vscope, depth + 1)
                    return frozenset(out)
            return EMPTY
        if isinstance(expr, ast.Call):
            return self._call_kinds(expr, scope, depth)
        if isinstance(expr, ast.NamedExpr):
            return self._kinds(expr.value, scope, depth + 1)
        return EMPTY

    def _call_kinds(self, call: ast.Call, scope: Scope, depth: int) -> FrozenSet[str]:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in known.SELF_RETURNING_METHODS:
            receiver = self._kinds(func.value, scope, depth + 1)
            if "module" in receiver:
                moved = {"on_device"} if func.attr in known.DEVICE_MOVES else set()
                return receiver | moved
            if "tensor" in receiver:
                return frozenset({"tensor"})
        qualname = self.resolve(func, scope)
        if qualname is not None:
            kinds = known.kinds_for_constructor(qualname)
            if kinds == {"compiled"}:
                return self._kinds(call.args[0], scope, depth + 1) if call.args else EMPTY
            if kinds:
                return kinds
        cls = self.class_for(func, scope)
        if cls is not None:
            return self.class_kinds(cls)
        helper = self.function_for(func, scope)
        if helper is not None:
            out = set()
            for value in helper.returns:
                out |= self._kinds(value, helper.scope, depth + 1)
            return frozenset(out)
        return EMPTY

    def class_kinds(self, cls: ClassInfo) -> FrozenSet[str]:
        bases = self.base_names(cls)
        if bases & known.LIGHTNING_MODULES:
            return frozenset({"module", "lightning"})
        if bases & known.MODULE_BASES:
            return frozenset({"module"})
        if bases & known.DISTRIBUTED_SAMPLERS:
            return frozenset({"sampler", "distributed_sampler"})
        if bases & known.SAMPLERS:
            return frozenset({"sampler", "custom_sampler"})
        if bases & known.DATASET_BASES:
            return frozenset({"dataset"})
        for q in bases:
            kinds = known.kinds_for_constructor(q)
            if kinds & {"optimizer", "scheduler", "dataloader"}:
                return kinds
        return EMPTY

    def binding_kinds(self, b: Binding, depth: int = 0) -> FrozenSet[str]:
        if b.kind == "assign" and b.value is not None:
            return self._kinds(b.value, b.scope, depth + 1)
        if b.kind == "class":
            return EMPTY
        if b.kind == "argument":
            if b.annotation is not None:
                q = self.resolve(b.annotation, b.scope.parent or b.scope)
                if q is not None:
                    return known.kinds_for_annotation(q)
            from_calls = self.parameter_call_kinds().get((b.scope.node, b.name))
            if from_calls:
                return from_calls
            guess = known.PARAMETER_NAME_KINDS.get(b.name)
            return frozenset({guess}) if guess else EMPTY
        return EMPTY

    def parameter_call_kinds(self) -> Dict[Tuple[ast.AST, str], FrozenSet[str]]:
        """Kinds that same-file call sites pass to each function parameter."""
        if self._param_call_kinds is not None:
            return self._param_call_kinds
        self._param_call_kinds = {}
        acc: Dict[Tuple[ast.AST, str], set] = {}
        for site in self.sites:
            if not site.is_call:
                continue
            helper = self.function_for(site.node.func, site.scope)
            if helper is None:
                continue
            args = helper.node.args
            params = [a.arg for a in args.posonlyargs + args.args]
            if helper.cls is not None and params and params[0] in ("self", "cls"):
                params = params[1:]
            pairs = list(zip(params, site.node.args))
            pairs += [(k.arg, k.value) for k in site.node.keywords if k.arg]
            for pname, value in pairs:
                kinds = self.kinds(value, site.scope)
                if kinds:
                    acc.setdefault((helper.node, pname), set()).update(kinds)
        self._param_call_kinds = {k: frozenset(v) for k, v in acc.items()}
        return self._param_call_kinds

    def is_kind(self, expr: ast.AST, scope: Scope, kind: str) -> bool:
        return kind in self.kinds(expr, scope)

    # ------------------------------------------------------------------ code
    def sites_in(self, owner, follow: bool = True) -> Iterator[Tuple[Site, Tuple[Site, ...]]]:
        """Sites in a loop (LoopInfo) or function (FunctionInfo), in source order.

        With ``follow``, calls into same-file helpers are followed (cycle-safe,
        at most MAX_HELPER_DEPTH deep) and the helper's sites yielded in place of
        the call, each with the chain of call sites that led to it.
        """
        if isinstance(owner, LoopInfo):
            base = (s for s in self._function_sites(owner.function) if owner.node in s.loops)
        else:
            base = iter(owner.sites)
        seen = {id(owner.node)}
        yield from self._expand(base, (), seen, follow)

    def _function_sites(self, function: Optional[FunctionInfo]) -> List[Site]:
        return function.sites if function is not None else self.module_sites

    def _expand(self, sites, via, seen, follow):
        for site in sites:
            yield site, via
            if not follow or not site.is_call or len(via) >= MAX_HELPER_DEPTH:
                continue
            helper = self.function_for(site.node.func, site.scope)
            if helper is None or id(helper.node) in seen:
                continue
            seen.add(id(helper.node))
            yield from self._expand(iter(helper.sites), via + (site,), seen, follow)
            seen.discard(id(helper.node))

    def loops_in(self, function: Optional[FunctionInfo]) -> List[LoopInfo]:
        return function.loops if function is not None else [
            lp for lp in self.loops if lp.function is None
        ]

    def entry_functions(self) -> List[FunctionInfo]:
        """Same-file functions reachable from module-level code (including
        ``if __name__ == "__main__":``), transitively, cycle-safe."""
        reached: Dict[int, FunctionInfo] = {}
        todo: List[Site] = list(self.module_sites)
        while todo:
            site = todo.pop()
            if not site.is_call:
                continue
            targets = [self.function_for(site.node.func, site.scope)]
            # functions passed as arguments (mp.spawn(main, ...), Thread(target=main))
            for arg in list(site.node.args) + [k.value for k in site.node.keywords]:
                if isinstance(arg, ast.Name):
                    targets.append(self.function_for(arg, site.scope))
            for helper in targets:
                if helper is not None and id(helper.node) not in reached:
                    reached[id(helper.node)] = helper
                    todo.extend(helper.sites)
        return list(reached.values())

    def has_entry_point(self) -> bool:
        """True when the module does work when run: a main guard, or module-level calls
        other than definitions-time helpers."""
        return bool(self.main_guards) or any(s.is_call for s in self.module_sites)


# --------------------------------------------------------------------- builder
class _Builder:
    """The single pass. Statements are visited recursively (depth-guarded);
    expressions iteratively."""

    def __init__(self, model: SemanticModel):
        self.m = model

    def build(self, tree: ast.AST) -> None:
        body = getattr(tree, "body", [])
        if not isinstance(body, list):  # ast.Expression / ast.Interactive
            body = [body] if isinstance(body, ast.AST) else []
        self._block(body, self.m.module_scope, None, None, (), (), 0)

    # -- helpers
    def _site(self, node, scope, function, loops, withs) -> None:
        site = Site(node, scope, function, loops, withs)
        self.m.sites.append(site)
        if function is None:
            self.m.module_sites.append(site)
        else:
            function.sites.append(site)

    def _exprs(self, nodes, scope, function, loops, withs) -> None:
        """Record calls and lambdas' calls in expressions, iteratively, in source order."""
        stack = [n for n in reversed(nodes) if n is not None]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Call):
                self._site(node, scope, function, loops, withs)
            elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                scope.add(Binding(node.target.id, "assign", node, scope, value=node.value))
            children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.AST)]
            stack.extend(reversed(children))

    def _bind_target(self, target, value, scope, kind="assign") -> None:
        if isinstance(target, ast.Name):
            scope.add(Binding(target.id, kind, target, scope, value=value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            for i, elt in enumerate(target.elts):
                v = values[i] if values is not None and i < len(values) else None
                self._bind_target(elt.value if isinstance(elt, ast.Starred) else elt, v, scope,
                                  kind if v is not None else "target")
        elif isinstance(target, ast.Attribute):
            if isinstance(target.value, ast.Name) and target.value.id == "self" and value is not None:
                cls = self.m.enclosing_class(scope)
                if cls is not None:
                    cls.attrs.setdefault(target.attr, []).append((value, scope))

    @staticmethod
    def _is_grad_attr(node) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "grad"

    # -- statements
    def _block(self, stmts, scope, function, cls, loops, withs, depth) -> None:
        if depth > MAX_STATEMENT_DEPTH:
            self.m.truncated = True
            return
        for stmt in stmts:
            self._stmt(stmt, scope, function, cls, loops, withs, depth)

    def _stmt(self, stmt, scope, function, cls, loops, withs, depth) -> None:  # noqa: C901
        m = self.m
        ctx = (scope, function, loops, withs)
        if isinstance(stmt, FUNCTION_NODES):
            self._exprs(stmt.decorator_list + _arg_defaults(stmt.args), *ctx)
            scope.add(Binding(stmt.name, "function", stmt, scope))
            fscope = Scope(stmt, scope)
            m.scopes[stmt] = fscope
            info = FunctionInfo(stmt, stmt.name, fscope, cls)
            m.functions[stmt] = info
            if cls is not None:
                cls.methods[stmt.name] = info
            args = stmt.args
            for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                if a is not None:
                    fscope.add(Binding(a.arg, "argument", a, fscope, annotation=a.annotation))
            self._block(stmt.body, fscope, info, None, (), (), depth + 1)
            return
        if isinstance(stmt, ast.ClassDef):
            self._exprs(stmt.bases + [k.value for k in stmt.keywords] + stmt.decorator_list, *ctx)
            scope.add(Binding(stmt.name, "class", stmt, scope))
            cscope = Scope(stmt, scope)
            m.scopes[stmt] = cscope
            info = ClassInfo(stmt, stmt.name, cscope, scope)
            m.classes[stmt] = info
            self._block(stmt.body, cscope, function, info, loops, withs, depth + 1)
            return
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self._import(stmt, scope)
            return
        if isinstance(stmt, LOOP_NODES):
            if isinstance(stmt, ast.While):
                self._exprs([stmt.test], *ctx)
            else:
                self._exprs([stmt.iter], *ctx)
                self._bind_target(stmt.target, None, scope, "target")
            info = LoopInfo(stmt, scope, function, loops, withs)
            m.loops.append(info)
            if function is not None:
                function.loops.append(info)
            self._block(stmt.body, scope, function, cls, loops + (stmt,), withs, depth + 1)
            self._block(stmt.orelse, scope, function, cls, loops, withs, depth + 1)
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            new_withs = withs
            for item in stmt.items:
                self._exprs([item.context_expr], *ctx)
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, item.context_expr, scope)
                new_withs = new_withs + (item.context_expr,)
            self._block(stmt.body, scope, function, cls, loops, new_withs, depth + 1)
            return
        if isinstance(stmt, ast.If):
            self._exprs([stmt.test], *ctx)
            if function is None and cls is None and _is_main_guard(stmt.test):
                m.main_guards.append(stmt)
            self._block(stmt.body, scope, function, cls, loops, withs, depth + 1)
            self._block(stmt.orelse, scope, function, cls, loops, withs, depth + 1)
            return
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self._block(stmt.body, scope, function, cls, loops, withs, depth + 1)
            for handler in stmt.handlers:
                if handler.name:
                    scope.add(Binding(handler.name, "target", handler, scope))
                self._exprs([handler.type], *ctx)
                self._block(handler.body, scope, function, cls, loops, withs, depth + 1)
            self._block(stmt.orelse, scope, function, cls, loops, withs, depth + 1)
            self._block(stmt.finalbody, scope, function, cls, loops, withs, depth + 1)
            return
        if type(stmt).__name__ == "Match":
            self._exprs([stmt.subject], *ctx)
            for case in stmt.cases:
                self._exprs([case.guard], *ctx)
                self._block(case.body, scope, function, cls, loops, withs, depth + 1)
            return
        if isinstance(stmt, ast.Assign):
            self._exprs([stmt.value], *ctx)
            for target in stmt.targets:
                self._target(target, stmt.value, stmt, *ctx)
            return
        if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            self._exprs([stmt.value], *ctx)
            if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                self._target(stmt.target, stmt.value, stmt, *ctx)
            elif self._is_grad_attr(stmt.target):
                self._site(stmt.target, *ctx)
            return
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if self._is_grad_attr(target):
                    self._site(target, *ctx)
            return
        if isinstance(stmt, ast.Return):
            self._exprs([stmt.value], *ctx)
            if function is not None and stmt.value is not None:
                function.returns.append(stmt.value)
            return
        if isinstance(stmt, (ast.Global, ast.Nonlocal, ast.Pass, ast.Break, ast.Continue)):
            return
        # Expr, Raise, Assert, TypeAlias and anything newer: just the expressions
        self._exprs([c for c in ast.iter_child_nodes(stmt) if isinstance(c, ast.expr)], *ctx)

    def _target(self, target, value, stmt, scope, function, loops, withs) -> None:
        if isinstance(target, ast.Subscript):
            self._exprs([target], scope, function, loops, withs)
            return
        if self._is_grad_attr(target):
            self._site(target, scope, function, loops, withs)
            return
        if isinstance(target, ast.Attribute):
            self._exprs([target.value], scope, function, loops, withs)
        self._bind_target(target, value, scope)

    def _import(self, stmt, scope) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                top = alias.name.split(".")[0]
                self.m.imported_modules.add(top)
                if alias.asname:
                    scope.add(Binding(alias.asname, "import", stmt, scope, full_name=alias.name,
                                      module=alias.name))
                else:  # ``import torch.nn`` binds ``torch``
                    scope.add(Binding(top, "import", stmt, scope, full_name=top, module=top))
            return
        module = stmt.module or ""
        if stmt.level == 0 and module:
            self.m.imported_modules.add(module.split(".")[0])
        prefix = ("." * stmt.level) + module
        for alias in stmt.names:
            if alias.name == "*":
                scope.star_import = True
                self.m.module_scope.star_import = True
                continue
            full = f"{prefix}.{alias.name}" if module else f"{prefix}{alias.name}"
            scope.add(Binding(alias.asname or alias.name, "import", stmt, scope, full_name=full,
                              module=module, level=stmt.level))


def _arg_defaults(args: ast.arguments) -> List[ast.expr]:
    out = list(args.defaults) + [d for d in args.kw_defaults if d is not None]
    for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None and a.annotation is not None:
            out.append(a.annotation)
    return out


def _is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    operands = [test.left, test.comparators[0]]
    names = [o for o in operands if isinstance(o, ast.Name) and o.id == "__name__"]
    consts = [o for o in operands if isinstance(o, ast.Constant) and o.value == "__main__"]
    return len(names) == 1 and len(consts) == 1
