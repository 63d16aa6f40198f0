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
MAX_ORIGIN_DEPTH = 16  # value-flow hops followed by SemanticModel.origins
MAX_ORIGIN_STEPS = 400  # and steps in all, per query
_BUILTINS = frozenset(dir(builtins))
# fields of expression nodes that never hold a node the builder records (contexts,
# operators, identifiers, flags): not pushed, which makes the expression walk faster
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "kind", "conversion",
                          "type_comment", "is_async", "level", "module", "name", "names"})
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _children_reversed(node: ast.AST) -> List[ast.AST]:
    """``node``'s child nodes, last first (for a stack), without contexts and operators."""
    fields = _CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = _CHILD_FIELDS[type(node)] = tuple(
            f for f in reversed(node._fields) if f not in _LEAF_FIELDS)
    out: List[ast.AST] = []
    for f in fields:
        value = getattr(node, f, None)
        if isinstance(value, list):
            out.extend(v for v in reversed(value) if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` without the shared context/operator singletons (``Load()``,
    ``Add()``) and import aliases, which no fact is about; iterative, and faster."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(_children_reversed(current))


EMPTY: FrozenSet[str] = frozenset()
Step = Tuple[ast.AST, str, int]  # (owner, field, index): statement ``owner.<field>[index]``
_NO_EFFECT = object()  # a context manager that does not touch autograd's grad mode
_JUMPS = (ast.Return, ast.Raise, ast.Break, ast.Continue)
# try-statement branches that run one after the other (the rest are exclusive)
_TRY_FLOWS = frozenset({("body", "orelse"), ("body", "finalbody"), ("handlers", "finalbody"),
                        ("orelse", "finalbody")})


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
    unpack: Optional[Tuple[ast.expr, int]] = None  # ``a, b = f()``: (value, index) of this name


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
        # keys read from objects: attribute loads (``args.lr``), constant string subscripts
        # (``cfg["lr"]``), ``x.get("lr")`` / ``getattr(x, "lr")``; each also as
        # ``"<holder>.<key>"`` when the object is a name or attribute (``"hparams.lr"``)
        self.keys_read: set = set()
        self.name_loads: Dict[Scope, set] = {}  # names loaded, by the scope they are loaded in
        self.keys_written: set = set()  # constant string keys assigned: ``group["lr"] = ...``
        # ``x.attr = value`` writes (any receiver): attr -> [(target, value, scope)]
        self.attr_writes: Dict[str, List[Tuple[ast.Attribute, ast.expr, Scope]]] = {}
        self._resolve_cache: Dict[tuple, Optional[str]] = {}
        self._kinds_cache: Dict[tuple, FrozenSet[str]] = {}
        self._param_call_kinds: Optional[Dict[Tuple[ast.AST, str], FrozenSet[str]]] = None
        self.project = None  # cross-module facts provider (torchlint.project), set by the plugin
        self.memo: Dict = {}  # derived facts computed by loops.py and rules, per model
        # ``name[key] = value`` writes: name -> [(subscript target, value, scope)]
        self.item_writes: Dict[str, List[Tuple[ast.Subscript, ast.expr, Scope]]] = {}
        self._param_args: Optional[Dict[Tuple[ast.AST, str], List[Tuple[ast.expr, Scope]]]] = None
        self._receiver_calls: Optional[Dict[str, List[Site]]] = None
        # calls that are a whole expression statement (``x.to(device)`` on its own line):
        # their result is discarded
        self.statement_calls: set = set()
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
        """Derives from ``nn.Module``, a ``torch.nn`` layer (``nn.Transformer``) or ``LightningModule``."""
        bases = self.base_names(cls)
        return bool(bases & known.LIGHTNING_MODULES) or any(known.is_layer_class(q) for q in bases)

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

    def lightning_self_call_kinds(self, call: ast.Call, scope: Scope) -> FrozenSet[str]:
        """``self.optimizers()`` / ``self.lr_schedulers()`` inside a LightningModule:
        the optimizer / scheduler Lightning hands back (``self.optimizers()[0]`` too)."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id == "self" and func.attr in known.LIGHTNING_SELF_ACCESSORS):
            return EMPTY
        cls = self.enclosing_class(scope)
        if cls is None or not self.is_lightning_module(cls) or self.method(cls, func.attr):
            return EMPTY  # a same-file override is not Lightning's accessor
        return frozenset({known.LIGHTNING_SELF_ACCESSORS[func.attr]})

    def automatic_optimization(self, cls: ClassInfo) -> Optional[bool]:
        """Whether a LightningModule runs under Lightning's automatic optimization:
        True when nothing in the class (or its same-file bases) sets
        ``automatic_optimization``; False when every setting is the literal False
        (``self.automatic_optimization = False``, a class attribute, or a property
        returning False); None when it cannot tell (a non-literal value, a mix of
        values, or a base class from another module that may set it)."""
        values: List[ast.expr] = []
        for c in self.local_bases(cls):
            for base in c.node.bases:
                if self.class_for(base, c.outer) is None:
                    q = self.resolve(base, c.outer)
                    if q not in known.LIGHTNING_MODULES and q not in known.MODULE_BASES \
                            and q != "builtins.object":
                        return None
            values += [v for v, _scope in c.attrs.get("automatic_optimization", ())]
            for name_binding in c.scope.bindings.get("automatic_optimization", ()):
                if name_binding.kind == "assign" and name_binding.value is not None:
                    values.append(name_binding.value)
                elif name_binding.kind == "function":
                    info = self.functions.get(name_binding.node)
                    if info is None or not info.returns:
                        return None
                    values += info.returns
                else:
                    return None
        if not values:
            return True
        literal = {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, bool)}
        if len(literal) == 1 and all(isinstance(v, ast.Constant) for v in values):
            return literal.pop()
        return None

    def parent(self, node: ast.AST) -> Optional[ast.AST]:
        """The syntactic parent of ``node`` (None for the module). The parent map is
        built on first use, in one walk, and kept for the model's lifetime."""
        parents = self.memo.get("parents")
        if parents is None:
            parents = {}
            stack = [self.tree]
            while stack:
                current = stack.pop()
                for child in ast.iter_child_nodes(current):
                    parents[child] = current
                    stack.append(child)
            self.memo["parents"] = parents
        return parents.get(node)

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
        lightning = self.lightning_self_call_kinds(call, scope)
        if lightning:
            return lightning
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
        if self.project is not None and qualname is not None:  # imported from the user's project
            return self.project.call_kinds(self, call, scope)
        return EMPTY

    def class_kinds(self, cls: ClassInfo) -> FrozenSet[str]:
        bases = self.base_names(cls)
        if bases & known.LIGHTNING_MODULES:
            return frozenset({"module", "lightning"})
        if any(known.is_layer_class(q) for q in bases):  # nn.Module, nn.Transformer ...
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

    # ------------------------------------------------------------- value flow
    def origins(self, expr: ast.AST, scope: Scope) -> Tuple[Tuple[ast.AST, Scope], ...]:
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
        key = ("origins", expr, scope)
        cached = self.memo.get(key)
        if cached is None:
            self.memo[key] = ()  # cycle guard while computing
            out: Dict[int, Tuple[ast.AST, Scope]] = {}
            self._origins(expr, scope, 0, set(), out, [MAX_ORIGIN_STEPS])
            cached = self.memo[key] = tuple(out.values())
        return cached

    def _origins(self, expr, scope, depth, active, out, budget) -> None:  # noqa: C901
        budget[0] -= 1
        mark = (id(expr), id(scope))
        if depth > MAX_ORIGIN_DEPTH or budget[0] < 0 or mark in active:
            out.setdefault(id(expr), (expr, scope))
            return
        active.add(mark)
        try:
            follow = self._follow(expr, scope)
            if follow is None:
                out.setdefault(id(expr), (expr, scope))
            for item in follow or ():
                if len(item) == 3:  # a terminal found while following
                    out.setdefault(id(item[0]), item[:2])
                else:
                    self._origins(item[0], item[1], depth + 1, active, out, budget)
        finally:
            active.discard(mark)

    def _follow(self, expr, scope) -> Optional[list]:
        """One step of :meth:`origins`: what ``expr`` stands for, or None for a terminal.
        Items are ``(expr, scope)`` to follow further or ``(expr, scope, True)``, terminals."""
        if isinstance(expr, ast.Name):
            return self._name_values(expr, scope)
        if isinstance(expr, ast.IfExp):
            return [(expr.body, scope), (expr.orelse, scope)]
        if isinstance(expr, ast.BoolOp):
            return [(v, scope) for v in expr.values]
        if isinstance(expr, ast.NamedExpr):
            return [(expr.value, scope)]
        if isinstance(expr, ast.Call):
            helper = self.function_for(expr.func, scope)
            if helper is not None and helper.returns:
                return [(r, helper.scope) for r in helper.returns]
            return None
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id == "self":
                cls = self.enclosing_class(scope)
                if cls is None:
                    return None
                found = [(v, s) for c in self.local_bases(cls) for v, s in c.attrs.get(expr.attr, ())]
                return found or None
            if expr.attr in known.ARGUMENT_ATTRIBUTES:
                return self._attribute_arguments(expr, scope)
        return None

    def reaching_bindings(self, node: ast.Name, scope: Scope) -> List[Binding]:
        """The bindings of a name that a use of it may see: within one scope the bindings
        before the use (all of them when none precedes it: a loop may carry one around),
        and ``x = f(x)`` - or the target of a ``for`` whose body holds the use - supersedes
        the earlier ones; from an outer scope, all of them."""
        bindings = self.lookup(node.id, scope)
        if not bindings:
            return []
        cands = list(bindings)
        if cands[0].scope is scope:
            before = [b for b in cands if _precedes(b, node)]
            if before:
                cands = before
            for i in range(len(cands) - 1, 0, -1):  # x = f(x) supersedes what came before
                value = cands[i].value if cands[i].unpack is None else cands[i].unpack[0]
                if value is not None and _reads_name(value, node.id):
                    cands = cands[i:]
                    break
                hit = self.loop_target(cands[i].node)
                if hit is not None and _within(node, hit[0].node.body):
                    cands = cands[i:]
                    break
        return cands

    def loop_target(self, node: ast.AST) -> Optional[Tuple[LoopInfo, Tuple[int, ...]]]:
        """For a Name in a ``for`` target: the loop, and the index path of the name inside
        one item (``for i, (x, y) in ...``: ``y`` is at (1, 1)); None for anything else."""
        index = self.memo.get("loop_targets")
        if index is None:
            index = self.memo["loop_targets"] = {}
            for loop in self.loops:
                if isinstance(loop.node, (ast.For, ast.AsyncFor)):
                    todo = [(loop.node.target, ())]
                    while todo:
                        target, path = todo.pop()
                        if isinstance(target, ast.Name):
                            index[id(target)] = (loop, path)
                        elif isinstance(target, (ast.Tuple, ast.List)):
                            for i, elt in enumerate(target.elts):
                                if isinstance(elt, ast.Starred):
                                    break
                                todo.append((elt, path + (i,)))
        return index.get(id(node))

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
            elif b.kind == "assign" and b.value is not None:
                out.append((b.value, b.scope))
            elif b.kind == "argument":
                passed = self._parameter_args().get((b.scope.node, b.name), [])
                default = _parameter_default(b.scope.node, b.name)
                if default is not None:
                    passed = passed + [(default, b.scope.parent or b.scope)]
                out.extend(passed or [(b.node, b.scope, True)])
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

    def _parameter_args(self) -> Dict[Tuple[ast.AST, str], List[Tuple[ast.expr, Scope]]]:
        """(function node, parameter) -> the argument expressions same-file call sites pass."""
        if self._param_args is not None:
            return self._param_args
        acc: Dict[Tuple[ast.AST, str], List[Tuple[ast.expr, Scope]]] = {}
        for site in self.sites:
            if not site.is_call:
                continue
            call = site.node
            helper = self.function_for(call.func, site.scope)
            if helper is None:
                cls = self.class_for(call.func, site.scope)
                helper = self.method(cls, "__init__") if cls is not None else None
            if helper is None:
                continue
            args = helper.node.args
            params = [a.arg for a in args.posonlyargs + args.args]
            if helper.cls is not None and params and params[0] in ("self", "cls"):
                params = params[1:]
            names = params + [a.arg for a in args.kwonlyargs]
            for i, value in enumerate(call.args):
                if isinstance(value, ast.Starred):  # f(*xs): every later parameter is unknown
                    for p in params[i:]:
                        acc.setdefault((helper.node, p), []).append((value, site.scope))
                    break
                if i < len(params):
                    acc.setdefault((helper.node, params[i]), []).append((value, site.scope))
            for k in call.keywords:
                for p in [k.arg] if k.arg else names:  # f(**kw): any parameter may come from kw
                    acc.setdefault((helper.node, p), []).append((k.value, site.scope))
        self._param_args = acc
        return acc

    def call_arguments(
        self, call: ast.Call, scope: Scope, params: Tuple[str, ...] = ()
    ) -> Tuple[Dict[str, List[Tuple[ast.expr, Scope]]], bool]:
        """A call's arguments by parameter name, and whether that account is complete.

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
            if isinstance(value, ast.Starred) or i >= len(params):
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
        if self._receiver_calls is None:
            index: Dict[str, List[Site]] = {}
            for site in self.sites:
                func = getattr(site.node, "func", None)
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                    index.setdefault(func.value.id, []).append(site)
            self._receiver_calls = index
        return self._receiver_calls.get(name, [])

    # ------------------------------------------- statement positions, autograd mode
    def root_of(self, scope: Scope) -> ast.AST:
        """The function (or module) whose body runs ``scope``'s code (class bodies run in it)."""
        current = scope
        while current.parent is not None and not isinstance(current.node, FUNCTION_NODES):
            current = current.parent
        return current.node

    def _statement_index(self, scope: Scope) -> Dict[ast.AST, Tuple[Step, ...]]:
        memo = self.memo.setdefault("statement_paths", {})
        root = self.root_of(scope)
        if root not in memo:
            memo[root] = _index_statements(root)
        return memo[root]

    def statement_path(self, node: ast.AST, scope: Scope) -> Optional[Tuple[Step, ...]]:
        """Where ``node`` sits in its function (or module): the ``(owner, field, index)``
        steps from the body down to the statement whose own expressions hold ``node``
        (``(if_stmt, "orelse", 0)`` is the first statement of an ``else:``,
        ``(try_stmt, "handlers", 1)`` the second ``except``). None when ``node`` is not
        code of ``scope``'s function. Indexed lazily, once per function asked about."""
        return self._statement_index(scope).get(node)

    def statements_in(self, stmt: ast.stmt, scope: Scope) -> List[ast.stmt]:
        """Statements nested in ``stmt``'s blocks (not in nested functions), in source order."""
        index = self._statement_index(scope)
        out = [n for n, path in index.items()
               if isinstance(n, ast.stmt) and any(step[0] is stmt for step in path)]
        return sorted(out, key=_position)

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

    def grad_mode(self, node: ast.AST, scope: Scope, outer: Optional[bool] = True) -> Optional[bool]:
        """Whether autograd records operations at ``node``: False under ``torch.no_grad()``,
        ``torch.inference_mode()`` or ``set_grad_enabled(False)`` (a ``with`` around it in
        its function, or a decorator of the function), True when enabled, None when it
        depends on a value (``set_grad_enabled(is_train)``). ``outer`` is the mode the
        function is entered in (a caller's, for helpers)."""
        root = self.root_of(scope)
        mode = outer
        if isinstance(root, FUNCTION_NODES):
            fscope = self.scopes.get(root, scope)
            for dec in root.decorator_list:
                effect = self._grad_effect(dec, fscope.parent or fscope)
                if effect is not _NO_EFFECT:
                    mode = effect
        for owner, field_name, _ in self.statement_path(node, scope) or ():
            if isinstance(owner, (ast.With, ast.AsyncWith)) and field_name == "body":
                for item in owner.items:
                    effect = self._grad_effect(item.context_expr, scope)
                    if effect is not _NO_EFFECT:
                        mode = effect
        return mode

    def _grad_effect(self, expr: ast.expr, scope: Scope):
        """What a context manager / decorator does to grad mode: True, False, None
        (depends on a value) or _NO_EFFECT."""
        call = expr if isinstance(expr, ast.Call) else None
        qualname = self.resolve(call.func if call is not None else expr, scope)
        if qualname is None:
            return _NO_EFFECT
        arg = None
        if call is not None:
            arg = call.args[0] if call.args else next(
                (k.value for k in call.keywords if k.arg == "mode"), None)
        if qualname in known.NO_GRAD_CONTEXTS:
            if arg is not None and qualname.endswith("inference_mode"):
                if isinstance(arg, ast.Constant):
                    return False if arg.value else _NO_EFFECT
                return None
            return False
        if qualname in known.GRAD_ENABLING_CONTEXTS:
            return True
        if qualname in known.SET_GRAD_ENABLED and call is not None:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, bool):
                return arg.value
            return None
        return _NO_EFFECT

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

    def call_targets(self, site: Site) -> List[FunctionInfo]:
        """Same-file functions one call site may run: the function or method called
        (``helper()``, ``self.fit()``, ``Trainer(...).fit()``, ``t.fit()`` with ``t`` bound
        to a same-file class instance), the ``__init__`` of a same-file class it
        instantiates, and functions passed as arguments (``mp.spawn(main, ...)``)."""
        call = site.node
        if not isinstance(call, ast.Call):
            return []
        cache = self.memo.setdefault("call_targets", {})
        if call in cache:
            return cache[call]
        targets = [self.function_for(call.func, site.scope),
                   self.instance_method_for(call.func, site.scope)]
        cls = self.class_for(call.func, site.scope)
        if cls is not None:
            targets.append(self.method(cls, "__init__"))
        for arg in list(call.args) + [k.value for k in call.keywords]:
            if isinstance(arg, ast.Name):
                targets.append(self.function_for(arg, site.scope))
        found = cache[call] = [t for t in targets if t is not None]
        return found

    def instance_method_for(self, func: ast.expr, scope: Scope) -> Optional[FunctionInfo]:
        """``obj.method`` where ``obj`` is (bound once to) an instance of a same-file class."""
        if not isinstance(func, ast.Attribute):
            return None
        obj = func.value
        if isinstance(obj, ast.Name):
            bindings = self.lookup(obj.id, scope)
            if not bindings or len(bindings) != 1 or bindings[0].kind != "assign":
                return None
            obj, scope = bindings[0].value, bindings[0].scope
        if isinstance(obj, ast.Call):
            cls = self.class_for(obj.func, scope)
            if cls is not None:
                return self.method(cls, func.attr)
        return None

    def name_read(self, name: str, scope: Optional[Scope] = None) -> bool:
        """Is ``name`` loaded anywhere (no ``scope``), or in ``scope`` or a scope nested in it?"""
        for where, loads in self.name_loads.items():
            if name not in loads:
                continue
            if scope is None:
                return True
            current: Optional[Scope] = where
            while current is not None:
                if current is scope:
                    return True
                current = current.parent
        return False

    def is_test_module(self) -> bool:
        """A pytest/unittest file by name: ``test_*.py``, ``*_test.py``, ``conftest.py``, or
        any file under a ``tests``/``test`` folder."""
        parts = self.filename.replace("\\", "/").split("/")
        name = parts[-1]
        return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
                or any(p in ("tests", "test") for p in parts[:-1]))

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

    def import_binding(self, expr: ast.expr, scope: Scope) -> Optional[Binding]:
        """The import that a Name/Attribute chain starts from (``set_seed`` in
        ``from utils import set_seed``, ``utils`` in ``utils.set_seed``), or None."""
        while isinstance(expr, ast.Attribute):
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        bindings = self.lookup(expr.id, scope)
        if bindings and bindings[-1].kind == "import":
            return bindings[-1]
        return None

    @staticmethod
    def is_project_import(binding: Binding) -> bool:
        """An import that may name the user's own code: a relative import, or a module
        that is neither stdlib nor a known third-party package (``known.py``)."""
        if binding.kind != "import":
            return False
        if binding.level:
            return True
        top = (binding.module or binding.full_name or "").split(".")[0]
        return bool(top) and not known.is_external_package(top)

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
                self._read_key(node)
            elif isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    loads = self.m.name_loads.get(scope)
                    if loads is None:
                        loads = self.m.name_loads[scope] = set()
                    loads.add(node.id)
            elif isinstance(node, ast.Attribute):
                if isinstance(node.ctx, ast.Load):
                    self._key_read(node.value, node.attr)
            elif isinstance(node, ast.Subscript):
                key = node.slice
                if (isinstance(node.ctx, ast.Load) and isinstance(key, ast.Constant)
                        and isinstance(key.value, str)):
                    self._key_read(node.value, key.value)
            elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                scope.add(Binding(node.target.id, "assign", node, scope, value=node.value))
            stack.extend(_children_reversed(node))

    def _read_key(self, call: ast.Call) -> None:
        """``x.get("lr")``, ``x.pop("lr")``, ``getattr(x, "lr")``: the key is read."""
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("get", "pop"):
            holder, key = func.value, call.args[0] if call.args else None
        elif isinstance(func, ast.Name) and func.id in ("getattr", "hasattr") and len(call.args) > 1:
            holder, key = call.args[0], call.args[1]
        else:
            return
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            self._key_read(holder, key.value)

    def _key_read(self, holder: ast.expr, key: str) -> None:
        self.m.keys_read.add(key)
        if isinstance(holder, ast.Name):
            self.m.keys_read.add(f"{holder.id}.{key}")
        elif isinstance(holder, ast.Attribute):
            self.m.keys_read.add(f"{holder.attr}.{key}")

    def _bind_target(self, target, value, scope, kind="assign") -> None:
        if isinstance(target, ast.Name):
            scope.add(Binding(target.id, kind, target, scope, value=value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            for i, elt in enumerate(target.elts):
                v = values[i] if values is not None and i < len(values) else None
                self._bind_target(elt.value if isinstance(elt, ast.Starred) else elt, v, scope,
                                  kind if v is not None else "target")
                if (values is None and value is not None and kind == "assign" and isinstance(elt, ast.Name)
                        and not any(isinstance(e, ast.Starred) for e in target.elts[:i + 1])):
                    scope.bindings[elt.id][-1].unpack = (value, i)
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
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            m.statement_calls.add(stmt.value)
        # Expr, Raise, Assert, TypeAlias and anything newer: just the expressions
        self._exprs([c for c in ast.iter_child_nodes(stmt) if isinstance(c, ast.expr)], *ctx)

    def _target(self, target, value, stmt, scope, function, loops, withs) -> None:
        if isinstance(target, ast.Subscript):
            self._exprs([target], scope, function, loops, withs)
            self._key_written(target)
            if isinstance(target.value, ast.Name):
                self.m.item_writes.setdefault(target.value.id, []).append((target, value, scope))
            return
        if self._is_grad_attr(target):
            self._site(target, scope, function, loops, withs)
            return
        if isinstance(target, ast.Attribute):
            self._exprs([target.value], scope, function, loops, withs)
            if value is not None:
                self.m.attr_writes.setdefault(target.attr, []).append((target, value, scope))
        self._bind_target(target, value, scope)

    def _key_written(self, target: ast.Subscript) -> None:
        key = target.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            self.m.keys_written.add(key.value)

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


def _index_statements(root: ast.AST) -> Dict[ast.AST, Tuple[Step, ...]]:
    """Every statement of ``root``'s body (nested blocks included, nested functions not)
    and every node of their own expressions -> the statement's path (iterative)."""
    index: Dict[ast.AST, Tuple[Step, ...]] = {}
    body = getattr(root, "body", None)
    todo = [(root, "body", body if isinstance(body, list) else [], ())]
    while todo:
        owner, field_name, stmts, prefix = todo.pop()
        for i, stmt in enumerate(stmts):
            path = prefix + ((owner, field_name, i),)
            index[stmt] = path
            for expr in _own_expressions(stmt):
                for n in _walk(expr):
                    index.setdefault(n, path)
            if isinstance(stmt, FUNCTION_NODES):
                continue  # a nested function runs elsewhere: its own root
            for sub in ("body", "orelse", "finalbody"):
                block = getattr(stmt, sub, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    todo.append((stmt, sub, block, path))
            for sub in ("handlers", "cases"):
                for j, part in enumerate(getattr(stmt, sub, None) or ()):
                    ppath = path + ((stmt, sub, j),)
                    index[part] = ppath
                    for expr in (getattr(part, "type", None), getattr(part, "pattern", None),
                                 getattr(part, "guard", None)):
                        for n in _walk(expr) if expr is not None else ():
                            index.setdefault(n, ppath)
                    todo.append((part, "body", part.body, ppath))
    return index


def _own_expressions(stmt: ast.stmt) -> List[ast.AST]:
    """The expressions a statement evaluates itself (not those of its nested blocks)."""
    if isinstance(stmt, FUNCTION_NODES):
        return stmt.decorator_list + _arg_defaults(stmt.args)
    if isinstance(stmt, ast.ClassDef):
        return stmt.bases + [k.value for k in stmt.keywords] + stmt.decorator_list
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, (ast.While, ast.If)):
        return [stmt.test]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [e for item in stmt.items for e in (item.context_expr, item.optional_vars) if e]
    if isinstance(stmt, ast.Try) or type(stmt).__name__ in ("TryStar",):
        return []
    if type(stmt).__name__ == "Match":
        return [stmt.subject]
    return [c for c in ast.iter_child_nodes(stmt) if isinstance(c, ast.expr)]


MAX_UNPARSE_DEPTH = 60  # deeper expressions are machine-generated; ast.unparse recurses per level


def deeper_than(node: ast.AST, limit: int) -> bool:
    """True when ``node``'s nesting exceeds ``limit`` levels (iterative: never recurses)."""
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in _children_reversed(current))
    return False


def unparse(node: ast.AST, max_depth: int = MAX_UNPARSE_DEPTH) -> str:
    """``ast.unparse`` for messages, depth-guarded: ``ast.unparse`` recurses once per
    nesting level and raises RecursionError on deep generated code, which would
    silently drop a rule's report. Too deep: ``func(...)`` for a call, else ``...``."""
    if not deeper_than(node, max_depth):
        return ast.unparse(node)
    if isinstance(node, ast.Call) and not deeper_than(node.func, max_depth):
        return ast.unparse(node.func) + "(...)"
    return "..."


def short_text(node: ast.AST, limit: int = 40) -> str:
    """Source text for a message, at most about ``limit`` characters: a long call
    becomes ``func(...)``, anything else long is cut with ``...``. The one text
    helper every rule uses."""
    text = unparse(node)
    if len(text) <= limit:
        return text
    if isinstance(node, ast.Call):
        return unparse(node.func) + "(...)"
    return text[: limit - 3] + "..."


def _arg_defaults(args: ast.arguments) -> List[ast.expr]:
    out = list(args.defaults) + [d for d in args.kw_defaults if d is not None]
    for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None and a.annotation is not None:
            out.append(a.annotation)
    return out


def _position(node: ast.AST) -> Tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _precedes(binding: Binding, use: ast.AST) -> bool:
    """The binding is written before ``use`` and ``use`` is not part of its own value."""
    if _position(binding.node) >= _position(use):
        return False
    value = binding.value if binding.unpack is None else binding.unpack[0]
    if value is None or not hasattr(value, "end_lineno"):
        return True
    start, end = _position(value), (value.end_lineno, value.end_col_offset)
    return not (start <= _position(use) <= end)


def _within(node: ast.AST, body: List[ast.stmt]) -> bool:
    """``node`` lies inside the statements ``body``, by position."""
    if not body or not hasattr(node, "lineno"):
        return False
    start = _position(body[0])
    end = (getattr(body[-1], "end_lineno", 0) or 0, getattr(body[-1], "end_col_offset", 0) or 0)
    return start <= _position(node) <= end


def _reads_name(expr: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(expr))


def _parameter_default(func: ast.AST, name: str) -> Optional[ast.expr]:
    args = func.args
    positional = args.posonlyargs + args.args
    offset = len(positional) - len(args.defaults)
    for i, a in enumerate(positional):
        if a.arg == name:
            return args.defaults[i - offset] if i >= offset else None
    for a, default in zip(args.kwonlyargs, args.kw_defaults):
        if a.arg == name:
            return default
    return None


def _is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    operands = [test.left, test.comparators[0]]
    names = [o for o in operands if isinstance(o, ast.Name) and o.id == "__name__"]
    consts = [o for o in operands if isinstance(o, ast.Constant) and o.value == "__main__"]
    return len(names) == 1 and len(consts) == 1
