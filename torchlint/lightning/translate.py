"""What the script's names and statements become in a ``LightningModule`` script
(the module path's translation, used by :mod:`~torchlint.lightning.module_plan`).

Every name a moved statement reads is *classified* once per scope (:class:`Name`):
a global (copied verbatim), an import (hoisted), a module (``self.model``), the
device (``self.device`` - the Trainer places things), a setting (an ``__init__``
argument read as ``self.hparams.lr``), the epoch counter (``self.current_epoch``),
an optimizer / scheduler / DataLoader (the Trainer's), a value of the loop's own
function (sliced into ``main()``), or unknown (a ``# TODO``). :class:`Translator`
rewrites a statement for where it lands - ``init``, ``step`` (training / validation
step), ``opt`` (``configure_optimizers``) or ``main`` - and records what it needed:
settings, modules, globals, imports. :class:`Prune` drops what only moved things
between devices before a statement is sliced.
"""
from __future__ import annotations

import ast
import builtins
import copy
import enum
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from torchlint import known
from torchlint.facts import adoption
from torchlint.lightning import settings, statements
from torchlint.semantic import FUNCTION_NODES, Scope, SemanticModel, Site
from torchlint.syntax import bind_arguments, parameter_default

_BUILTINS = frozenset(dir(builtins))
_NAMESPACE_NAMES = ("args", "opt", "opts", "config", "cfg", "hparams", "flags")
STEP, INIT, OPT, MAIN = "step", "init", "opt", "main"


class Kind(enum.Enum):
    GLOBAL = "global"  # module-level definition or builtin: copied / used as is
    IMPORT = "import"  # an import inside a function: hoisted
    MODULE = "module"  # an nn.Module: an attribute of the LightningModule
    DEVICE = "device"
    SPECIAL = "special"  # optimizer, scheduler, scaler, DataLoader, sampler
    HPARAM = "hparam"  # a setting with a literal default
    NAMESPACE = "namespace"  # the parsed argparse namespace
    EXPR = "expr"  # a parameter or alias: read what was passed / bound instead
    LOCAL = "local"  # a value of the loop's own function: sliced into main()
    EPOCH = "epoch"  # the epoch loop's counter
    UNKNOWN = "unknown"


@dataclass
class Name:
    kind: Kind
    name: str = ""
    value: Optional[ast.expr] = None  # module construction, setting default, expression
    scope: Optional[Scope] = None
    extra: str = ""  # SPECIAL: the kind (optimizer ...)
    node: Optional[ast.AST] = None  # IMPORT: the statement to hoist


@dataclass
class Section:
    """The statements of one method (or ``main()``), as text, and its TODOs."""

    lines: List[str] = field(default_factory=list)
    todos: List[str] = field(default_factory=list)

    def todo(self, text: str) -> None:
        if text not in self.todos:
            self.todos.append(text)


class Translation:
    """The names' classification and what the translated code needs."""

    def __init__(self, m: SemanticModel, loop, batch_loop, batch_scope: Scope):
        self.m = m
        self.loop = loop  # plan.Loop
        self.primary = loop.info
        self.batch_loop = batch_loop  # ast loop node or None
        self.batch_scope = batch_scope
        self.hparams: Dict[str, Optional[str]] = {}  # name -> default source (None: unknown)
        self.modules: Dict[str, Tuple[ast.expr, Scope]] = {}  # attribute -> construction
        self.module_todos: List[str] = []
        self.globals: Set[str] = set()
        self.hoisted: List[ast.stmt] = []
        self.main_needed: Set[str] = set()
        self.callsite_for: Dict[int, Site] = {}
        self.uses_device_in_main = False
        self.hparams_in_main = False
        self.namespace: Optional[str] = None  # main()'s name for the parsed command line
        self.init_args: List[str] = []  # values main() computes and hands to __init__
        self._names: Dict[Tuple[str, int], Name] = {}
        self._scopes: Dict[int, Scope] = {}  # pruned statement copies -> their original's scope
        self.origin: Dict[int, ast.stmt] = {}  # pruned statement copies -> the original

    # ----------------------------------------------------------- statements
    def emit(self, stmt: ast.stmt, ctx: str, scope: Scope, locals_: Set[str], out: Section) -> str:
        """``stmt`` translated for ``ctx``, as source ("" when nothing is left)."""
        if self.selects_device(stmt, scope):
            return ""
        inner = statements.binds_inside(stmt)  # for-targets, comprehension variables
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)):
            inner |= statements.binds(stmt)  # what a block binds for itself
        new = Translator(self, ctx, scope, locals_ | inner, out).visit(copy.deepcopy(stmt))
        new = Cleanup(self, scope).visit(ast.fix_missing_locations(new))
        if new is None or statements.is_trivial(new):
            return ""
        return ast.unparse(ast.fix_missing_locations(new))

    def expr(self, expr: ast.expr, ctx: str, scope: Scope, locals_: Set[str], out: Section) -> str:
        new = Translator(self, ctx, scope, locals_, out).visit(copy.deepcopy(expr))
        return ast.unparse(ast.fix_missing_locations(new))

    def selects_device(self, stmt: ast.AST, scope: Scope) -> bool:
        """``torch.cuda.set_device(i)``: the Trainer picks devices."""
        return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and self.m.resolve(stmt.value.func, scope) in known.DEVICE_SELECTION

    def slice(self, stmts: List[ast.stmt], needed: Set[str], skip=None) -> List[ast.stmt]:
        """Statements of ``stmts`` that ``needed`` depends on, in order (a backward slice),
        each pruned of device moves; the copies remember their original and its scope."""
        kept = []
        for stmt in reversed(stmts):
            if skip is not None and skip(stmt):
                continue
            scope = self.scope_of_stmt(stmt)
            pruned = Prune(self, scope).prune(stmt)
            if pruned is None:
                continue
            if (statements.binds(pruned) | statements.mutates(pruned)) & needed:
                self._scopes[id(pruned)] = scope
                self.origin[id(pruned)] = stmt
                kept.append(pruned)
                needed = (needed - statements.kills(pruned)) | statements.reads(pruned)
        return kept[::-1]

    def scope_of_stmt(self, stmt: ast.AST) -> Scope:
        if id(stmt) in self._scopes:
            return self._scopes[id(stmt)]
        fn = statements.enclosing_function(self.m.parent, stmt)
        return self.m.scope_of(fn) if fn is not None else self.m.module_scope

    def register_call(self, site: Site) -> None:
        """A call on the way to the loss: its callee's parameters read its arguments."""
        for target in self.m.call_targets(site):
            self.callsite_for.setdefault(id(target.node), site)
        helper = self.m.function_for(site.node.func, site.scope)
        if helper is not None:
            self.callsite_for.setdefault(id(helper.node), site)

    # -------------------------------------------------------- classification
    def classify(self, name: str, scope: Scope) -> Name:
        key = (name, id(scope))
        if key not in self._names:
            self._names[key] = Name(Kind.UNKNOWN, name)  # cycle guard
            self._names[key] = self._classify(name, scope)
        return self._names[key]

    def classify_through(self, name: str, scope: Scope) -> Name:
        """:meth:`classify`, following parameters to the plain names passed for them."""
        c = self.classify(name, scope)
        for _ in range(8):
            if c.kind is not Kind.EXPR or not isinstance(c.value, ast.Name):
                break
            c = self.classify(c.value.id, c.scope)
        return c

    def _classify(self, name: str, scope: Scope) -> Name:  # noqa: C901 - one decision list
        m = self.m
        bindings = m.lookup(name, scope)
        if bindings is None:
            return Name(Kind.GLOBAL if name in _BUILTINS else Kind.UNKNOWN, name)
        first = bindings[0]
        if first.kind in ("function", "class") or (
                first.kind == "import" and first.scope is m.module_scope):
            return Name(Kind.GLOBAL, name)
        if first.kind == "import":
            return Name(Kind.IMPORT, name, node=first.node)
        primary = self.primary.node
        if isinstance(primary, ast.For) and isinstance(primary.target, ast.Name) \
                and primary.target.id == name and primary is not self.batch_loop \
                and first.scope is self.primary.scope:
            return Name(Kind.EPOCH, name)
        arg = next((b for b in bindings if b.kind == "argument"), None)
        if arg is not None:
            return self._classify_parameter(name, arg)
        assigns = [b for b in bindings if b.kind == "assign" and b.value is not None]
        if not assigns:
            return self._local_or_unknown(name, first)
        kinds: Set[str] = set()
        for b in assigns:
            kinds |= m.binding_kinds(b)
        value = assigns[0].value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in ("parse_args", "parse_known_args"):
            return Name(Kind.NAMESPACE, name)
        if kinds & {"optimizer", "scheduler", "grad_scaler", "dataloader", "sampler"}:
            b = self.default_binding(assigns)
            return Name(Kind.SPECIAL, name, b.value, b.scope, extra=sorted(kinds)[0])
        if "module" in kinds and "lightning" not in kinds:
            return self._module(name, assigns)
        if "device" in kinds or name in adoption.DEVICE_NAMES or name.endswith("_device"):
            return Name(Kind.DEVICE, name)
        if first.scope is m.module_scope and self.primary.function is not None:
            return Name(Kind.GLOBAL, name)
        if len(assigns) == 1:
            value = assigns[0].value
            if isinstance(value, (ast.Name, ast.Attribute)) and m.resolve(value, assigns[0].scope):
                return Name(Kind.EXPR, name, value, assigns[0].scope)
            if statements.is_constant(value):
                return Name(Kind.HPARAM, name, value)
        return self._local_or_unknown(name, first)

    def _module(self, name: str, assigns) -> Name:
        built = [b for b in assigns if not statements.wraps(b.value, name)]
        if not built:
            return Name(Kind.UNKNOWN, name)
        chosen = self.default_binding(built)
        if len({ast.unparse(b.value) for b in built}) > 1:
            lines = ", ".join(str(b.node.lineno) for b in built)
            todo = (f"the script builds `{name}` in several ways (lines {lines}); this is the one "
                    f"its default settings take (line {chosen.node.lineno})")
            if todo not in self.module_todos:
                self.module_todos.append(todo)
        return Name(Kind.MODULE, name, chosen.value, chosen.scope)

    def default_binding(self, bindings):
        """The binding the default run takes (``if args.model == "lstm":`` evaluated at the
        argparse defaults), else the first."""
        for b in bindings:
            if settings.runs_by_default(self.m, b.node, b.scope) is True:
                return b
        for b in bindings:
            if settings.runs_by_default(self.m, b.node, b.scope) is not False:
                return b
        return bindings[0]

    def _local_or_unknown(self, name: str, first) -> Name:
        """A value the primary loop's own function (or script) builds before the loop:
        sliced into main(). One the loop itself computes (``val_loss`` of an epoch) is
        not: unknown."""
        home = self.primary.function.scope if self.primary.function is not None \
            else self.m.module_scope
        bindings = self.m.lookup(name, first.scope) or []
        loop = self.primary.node
        before = all(getattr(b.node, "lineno", 0) < loop.lineno for b in bindings)
        return Name(Kind.LOCAL if first.scope is home and before else Kind.UNKNOWN, name,
                    scope=first.scope)

    def _classify_parameter(self, name: str, arg) -> Name:
        fn_node = arg.scope.node
        site = self.callsite_for.get(id(fn_node))
        fn = self.m.functions.get(fn_node)
        if site is None and fn is not None:
            for caller in self.m.callers(fn):
                if self.m.function_for(caller.node.func, caller.scope) is fn:
                    site = caller
                    break
        if site is not None and fn is not None:
            value = bind_arguments(fn.node, site.node, skip_first=fn.cls is not None).exact.get(name)
            if value is not None:
                return Name(Kind.EXPR, name, value, site.scope)
        default = parameter_default(fn_node, name)
        if default is not None and statements.is_constant(default):
            return Name(Kind.HPARAM, name, default)
        if name in adoption.DEVICE_NAMES or name.endswith("_device"):
            return Name(Kind.DEVICE, name)
        if name in _NAMESPACE_NAMES:
            return Name(Kind.NAMESPACE, name)
        return Name(Kind.UNKNOWN, name)

    def hparam(self, name: str, default: Optional[ast.expr]) -> None:
        text = ast.unparse(default) if default is not None and statements.is_constant(default) else None
        if name not in self.hparams or self.hparams[name] is None:
            self.hparams[name] = text
        argument = settings.arguments(self.m).get(name)
        if default is None and argument is not None:
            self.hparams[name] = argument.default_text


class Translator(ast.NodeTransformer):
    """Rewrites one statement or expression for where it lands (``ctx``)."""

    def __init__(self, t: Translation, ctx: str, scope: Scope, locals_: Set[str], out: Section):
        self.t = t
        self.ctx = ctx
        self.scope = scope
        self.locals = locals_
        self.out = out

    def _sub(self, expr: ast.expr, scope: Scope) -> ast.expr:
        return Translator(self.t, self.ctx, scope, self.locals, self.out).visit(copy.deepcopy(expr))

    def visit_Call(self, node: ast.Call):
        m = self.t.m
        if adoption.is_device_move(m, node, self.scope):
            recv = node.func.value
            dtype = [a for a in node.args[1:2]] + [k for k in node.keywords if k.arg == "dtype"]
            if self.ctx == STEP and not (isinstance(recv, ast.Name) and recv.id in self.locals):
                return ast.Call(ast.Attribute(self.visit(recv), "to", ast.Load()),
                                [self_attr("device")], [])
            recv = self.visit(recv)
            if dtype:
                value = dtype[0].value if isinstance(dtype[0], ast.keyword) else dtype[0]
                return ast.Call(ast.Attribute(recv, "to", ast.Load()), [self.visit(value)], [])
            return recv
        q = m.resolve(node.func, self.scope)
        if q in known.DATA_PARALLEL_CLASSES and node.args:
            return self.visit(node.args[0])
        if q in known.DATALOADERS:
            self._drop_distributed_sampler(node)
        return self.generic_visit(node)

    def _drop_distributed_sampler(self, call: ast.Call) -> None:
        m = self.t.m
        for k in list(call.keywords):
            if k.arg != "sampler" or not isinstance(k.value, ast.Name):
                continue
            bindings = m.lookup(k.value.id, self.scope) or []
            samplers = [b.value for b in bindings if isinstance(b.value, ast.Call)
                        and m.resolve(b.value.func, b.scope) in known.DISTRIBUTED_SAMPLERS]
            if not samplers:
                continue
            call.keywords.remove(k)  # the Trainer puts in a DistributedSampler itself
            shuffle = next((kw.value for kw in samplers[0].keywords if kw.arg == "shuffle"),
                           ast.Constant(True))
            given = [kw for kw in call.keywords if kw.arg == "shuffle"]
            if not given:
                call.keywords.append(ast.keyword("shuffle", copy.deepcopy(shuffle)))
            elif k.value.id in statements.loads(given[0].value):  # shuffle=(sampler is None)
                given[0].value = copy.deepcopy(shuffle)

    def visit_Lambda(self, node: ast.Lambda):
        a = node.args
        params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs} | {
            p.arg for p in (a.vararg, a.kwarg) if p is not None}
        inner = Translator(self.t, self.ctx, self.scope, self.locals | params, self.out)
        node.body = inner.visit(node.body)
        return node

    def visit_Attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load) \
                and node.value.id not in self.locals:
            c = self.t.classify_through(node.value.id, self.scope)
            if c.kind is Kind.NAMESPACE and self.ctx == MAIN and self.t.namespace:
                return ast.Attribute(ast.Name(self.t.namespace, ast.Load()), node.attr, ast.Load())
            if c.kind is Kind.NAMESPACE:
                self.t.hparam(node.attr, None)
                return self._hparam_ref(node.attr)
            if c.kind is Kind.MODULE and node.attr == "module":  # DDP(model).module
                return self.visit(node.value)
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name):  # noqa: C901 - one case per kind
        if not isinstance(node.ctx, ast.Load) or node.id in self.locals:
            return node
        t = self.t
        c = t.classify(node.id, self.scope)
        kind = c.kind
        if kind is Kind.GLOBAL:
            t.globals.add(node.id)
            return node
        if kind is Kind.IMPORT:
            if c.node not in t.hoisted:
                t.hoisted.append(c.node)
            return node
        if kind is Kind.EXPR:
            return self._sub(c.value, c.scope)
        if kind is Kind.MODULE:
            if node.id not in t.modules:
                t.modules[node.id] = (c.value, c.scope)
            if self.ctx == MAIN:
                self.out.todo(f"`{node.id}` is the model's; use model.{node.id}")
                return ast.Attribute(ast.Name("model", ast.Load()), node.id, ast.Load())
            return self_attr(node.id)
        if kind is Kind.DEVICE:
            if self.ctx in (STEP, INIT, OPT):
                return self_attr("device")
            t.uses_device_in_main = True
            return node
        if kind is Kind.HPARAM:
            t.hparam(node.id, c.value)
            return self._hparam_ref(node.id)
        if kind is Kind.EPOCH:
            if self.ctx == MAIN:
                return node
            start = _range_start(self.t.primary.node)  # for epoch in range(1, n + 1)
            epoch = self_attr("current_epoch")
            return ast.BinOp(epoch, ast.Add(), ast.Constant(start)) if start else epoch
        if kind is Kind.SPECIAL and self.ctx == MAIN and c.extra in ("dataloader", "sampler"):
            t.main_needed.add(node.id)  # built before the loop: sliced into main()
            return node
        if kind is Kind.SPECIAL:
            if self.ctx == OPT and c.extra == "optimizer":
                return ast.Name("optimizer", ast.Load())
            self.out.todo(f"`{node.id}` ({c.extra}) has no place here; the Trainer owns it")
            return node
        if kind is Kind.LOCAL and self.ctx == MAIN:
            t.main_needed.add(node.id)
            return node
        if kind is Kind.LOCAL:  # built by the script before training: an __init__ argument
            if node.id not in t.init_args:
                t.init_args.append(node.id)
            t.main_needed.add(node.id)
            return node if self.ctx == INIT else ast.Attribute(self_attr("hparams"), node.id, ast.Load())
        if kind is Kind.NAMESPACE:
            self.out.todo(f"`{node.id}` is the script's settings object; pass what is needed")
            return node
        line = getattr(node, "lineno", "?")
        self.out.todo(f"define `{node.id}` (line {line} of the script; torchlint could not move it)")
        return node

    def _hparam_ref(self, name: str) -> ast.expr:
        if self.ctx == INIT:
            return ast.Name(name, ast.Load())
        if self.ctx == MAIN:
            self.t.hparams_in_main = True
            return ast.Attribute(ast.Name("hparams", ast.Load()), name, ast.Load())
        return ast.Attribute(self_attr("hparams"), name, ast.Load())


class Prune(ast.NodeTransformer):
    """Before slicing: drop what only moves things between devices (``x = x.to(device)``,
    ``model.to(device)``, ``torch.cuda.set_device(i)``) and the blocks this empties."""

    def __init__(self, t: Translation, scope: Scope):
        self.t = t
        self.scope = scope

    def _is_move(self, value: ast.expr, target: ast.expr) -> bool:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            return len(target.elts) == len(value.elts) and all(
                self._is_move(v, t) for v, t in zip(value.elts, target.elts))
        return isinstance(value, ast.Call) and adoption.is_device_move(self.t.m, value, self.scope) \
            and ast.unparse(value.func.value) == ast.unparse(target)

    def useless(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            return self._is_move(stmt.value, stmt.targets[0])
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return adoption.is_device_move(self.t.m, stmt.value, self.scope) \
                or self.t.selects_device(stmt, self.scope)
        return False

    def prune(self, stmt: ast.stmt) -> Optional[ast.stmt]:
        if self.useless(stmt):
            return None
        return self.visit(copy.deepcopy(stmt))

    def generic_visit(self, node):
        return _drop_in_blocks(node, lambda s: self.useless(s), self.visit)


class Cleanup(ast.NodeTransformer):
    """After translation: no-ops left behind (``x = x`` once a move is stripped,
    ``torch.cuda.set_device(...)``) go, and so do blocks left empty."""

    def __init__(self, t: Translation, scope: Scope):
        self.t = t
        self.scope = scope

    def generic_visit(self, node):
        return _drop_in_blocks(
            node, lambda s: statements.is_trivial(s) or self.t.selects_device(s, self.scope), self.visit)


def _drop_in_blocks(node, drop, visit):
    for fname in ("body", "orelse", "finalbody"):
        block = getattr(node, fname, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            setattr(node, fname, [n for n in (visit(s) for s in block if not drop(s)) if n is not None])
    if isinstance(node, (ast.If, ast.With, ast.For, ast.While)) and not node.body:
        if isinstance(node, ast.If) and node.orelse:
            node.test = ast.UnaryOp(ast.Not(), node.test)
            node.body, node.orelse = node.orelse, []
        else:
            return None
    return node


def _range_start(loop: ast.AST) -> int:
    """``k`` of ``for epoch in range(k, ...)`` with a literal ``k``, else 0."""
    it = getattr(loop, "iter", None)
    if statements.is_range(it) and len(it.args) >= 2 and isinstance(it.args[0], ast.Constant) \
            and isinstance(it.args[0].value, int):
        return it.args[0].value
    return 0


def self_attr(name: str) -> ast.expr:
    return ast.Attribute(ast.Name("self", ast.Load()), name, ast.Load())


def scope_of_node(m: SemanticModel, node: ast.AST) -> Scope:
    while node is not None and not isinstance(node, FUNCTION_NODES):
        node = m.parent(node)
    return m.scope_of(node) if node is not None else m.module_scope
