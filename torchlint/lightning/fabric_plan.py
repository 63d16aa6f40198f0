"""The Fabric conversion, planned: which objects Fabric sets up, where the ``Fabric``
is built and launched, and how every function that needs it reaches it.

Lightning Fabric's own five steps (https://lightning.ai/docs/fabric/stable/): build a
``Fabric`` and ``launch()`` it, ``fabric.setup(model, optimizer)`` each pair,
``fabric.setup_dataloaders(loader)``, ``fabric.backward(loss)`` for
``loss.backward()``, and no more ``.to(device)``. This module decides the first three
(:class:`FabricPlanner`); :mod:`~torchlint.lightning.fabric_rewrites` rewrites the
loop's own calls. Both only record edits (:class:`~torchlint.lightning.edits.Edits`):
the script keeps its text, its order and its comments.

*Where things are bound.* Each optimizer the loop steps is followed from the name
the loop uses (``optimizer``, ``self.optimizer``, a parameter) back to the statement
that binds it - through a helper's parameters to the caller's argument - and so are
the modules whose parameters it trains and the DataLoader the batch loop iterates.
The scope that binds the (first) optimizer is the *owner*: the ``Fabric`` is built
there (``self.fabric`` in a class's ``__init__``), right before the first setup
statement. A function of the loop that is not in the owner gets the Fabric through
a keyword-only ``fabric`` parameter, passed at each of its same-file call sites.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from torchlint import known
from torchlint.facts import loops
from torchlint.lightning import fabric_arguments, plan, statements
from torchlint.lightning.edits import Edits
from torchlint.semantic import FUNCTION_NODES, Scope, SemanticModel

MAX_FOLLOW = 4  # parameter -> argument hops when looking for a binding
FABRIC_IMPORTS = {"lightning": "from lightning.fabric import Fabric",
                  "pytorch_lightning": "from lightning_fabric import Fabric"}


@dataclass
class Bound:
    """A name (``model``) or ``self`` attribute (``self.model``) and the statements in
    one scope that bind it."""

    text: str
    scope: Scope
    statements: List[ast.stmt]

    @property
    def key(self) -> Tuple[str, int]:
        return self.text, id(self.scope)


@dataclass
class Pair:
    """An optimizer and the modules whose parameters it trains, as bound in one scope."""

    optimizer: Bound
    modules: List[Bound] = field(default_factory=list)


@dataclass
class FabricPlan:
    edits: Edits
    notes: List[str] = field(default_factory=list)  # what the user must check (stderr)
    kwargs: List[str] = field(default_factory=list)  # Fabric(...) arguments, as source
    owner: Optional[Scope] = None
    set_up: List[str] = field(default_factory=list)  # what fabric.setup* took over


class FabricPlanner:
    def __init__(self, m: SemanticModel, loop: plan.Loop, source: str, package: str):
        self.m = m
        self.loop = loop
        self.edits = Edits(source, m.tree)
        self.out = FabricPlan(self.edits)
        self.package = package
        self.pairs: List[Pair] = []
        self.loaders: List[Bound] = []  # DataLoaders handed to setup_dataloaders
        self.modules: Dict[Tuple[str, int], Bound] = {}  # set-up modules by (text, scope)
        self.owner: Optional[Scope] = None
        self.owner_class = None  # the ClassInfo when the owner is a method (self.fabric)
        self.threaded: Dict[int, ast.AST] = {}  # functions given a ``fabric`` parameter
        self._modules_done: set = set()
        self._entries: Dict[int, Optional[ast.stmt]] = {}
        self.amp = None  # fabric_rewrites.Amp when the script's AMP goes to Fabric
        self.ddp_wraps: list = []  # the DistributedDataParallel(...) sites the rewrites removed

    # ------------------------------------------------------------------ driver
    def run(self) -> FabricPlan:
        from torchlint.lightning import fabric_rewrites

        self.pairs = self._pairs()
        if not self.pairs:
            raise plan.GenerationError("torchlint could not find where the loop's optimizer is "
                                       "built (it needs it for fabric.setup)")
        self.owner = self.pairs[0].optimizer.scope
        self.owner_class = self._owner_class()
        self.loaders = self._loaders()
        rewriter = fabric_rewrites.Rewriter(self)
        self.amp = rewriter.amp
        rewriter.run()
        self._insert_setup()
        self.edits.header([FABRIC_IMPORTS[self.package]])
        fabric_rewrites.drop_unused_imports(self)
        self.out.owner = self.owner
        return self.out

    def note(self, text: str) -> None:
        if text not in self.out.notes:
            self.out.notes.append(text)

    # ------------------------------------------------------------- bindings
    def bound(self, expr: ast.expr, scope: Scope, depth: int = 0) -> Optional[Bound]:
        """Where ``expr`` (a name or ``self.x``) is bound: in ``scope``, or - for a
        parameter - where the same-file callers' argument is bound."""
        m = self.m
        if depth > MAX_FOLLOW:
            return None
        if isinstance(expr, ast.Name):
            bindings = m.lookup(expr.id, scope) or []
            if bindings and bindings[0].kind == "argument":
                passed = m.parameter_arguments(bindings[0].scope.node, expr.id)
                found = [self.bound(value, vscope, depth + 1) for value, vscope in passed]
                found = [f for f in found if f is not None]
                if found and len(found) == len(passed) and all(f.key == found[0].key for f in found):
                    return found[0]
                return None
            stmts = [self._statement(b.node) for b in bindings if b.kind == "assign"]
            stmts = self._before_entry([s for s in stmts if s is not None], bindings[0].scope)
            if not stmts:
                return None
            return Bound(expr.id, bindings[0].scope, _unique(stmts))
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) \
                and expr.value.id == "self":
            cls = m.enclosing_class(scope)
            if cls is None:
                return None
            stmts = []
            init = m.method(cls, "__init__")
            for value, vscope in cls.attrs.get(expr.attr, ()):
                stmt = self._statement(value)
                if stmt is not None and init is not None and vscope is init.scope:
                    stmts.append(stmt)
            if not stmts or init is None:
                return None
            return Bound(f"self.{expr.attr}", init.scope, _unique(stmts))
        return None

    def _before_entry(self, stmts: List[ast.stmt], scope: Scope) -> List[ast.stmt]:
        """The bindings that can reach the loop: those before the statement of ``scope``
        that runs it (``model = torch.load(...)`` after training does not)."""
        entry = self._entry(scope)
        if entry is None:
            return stmts
        kept = [s for s in stmts if (s.lineno, s.col_offset) < (entry.lineno, entry.col_offset)]
        return kept or stmts

    def _entry(self, scope: Scope) -> Optional[ast.stmt]:
        """The statement of ``scope`` (at any depth, not in nested functions) that holds
        the loop or a call that leads to it."""
        if id(scope) not in self._entries:
            self._entries[id(scope)] = self._find_entry(scope)
        return self._entries[id(scope)]

    def _find_entry(self, scope: Scope) -> Optional[ast.stmt]:
        targets = {id(self.loop.info.node)}
        fn = self.loop.info.function
        for _ in range(MAX_FOLLOW):
            if fn is None:
                break
            callers = self.m.callers(fn)
            targets |= {id(c.node) for c in callers}
            fn = callers[0].function if callers else None
        for node in statements.walk_local(scope.node) if not isinstance(scope.node, ast.Module) \
                else ast.walk(scope.node):
            if id(node) in targets:
                stmt = node if isinstance(node, ast.stmt) else self._statement(node)
                if stmt is not None and self.scope_of(stmt) is scope:
                    return stmt
        return None

    def scope_of(self, node: ast.AST) -> Scope:
        return plan.scope_of_node(self.m, node)

    def _statement(self, node: ast.AST) -> Optional[ast.stmt]:
        while node is not None and not isinstance(node, ast.stmt):
            node = self.m.parent(node)
        return node

    # ---------------------------------------------------------------- pairs
    def _pairs(self) -> List[Pair]:
        m = self.m
        pairs: List[Pair] = []
        seen = set()
        for e in self.loop.steps:
            call = e.site.node
            receiver = call.args[0] if "grad_scaler" in m.kinds(call.func.value, e.site.scope) \
                and call.args else call.func.value
            opt = self.bound(receiver, e.site.scope)
            if opt is None or opt.key in seen:
                if opt is None:
                    self.note(f"the optimizer `{ast.unparse(receiver)}` (line {call.lineno}) is built "
                              f"where torchlint cannot follow it: set it up with fabric.setup")
                continue
            seen.add(opt.key)
            pairs.append(Pair(opt, self._trained_modules(opt)))
        return pairs

    def _trained_modules(self, opt: Bound) -> List[Bound]:
        """The modules whose ``.parameters()`` the optimizer's construction reads; else the
        modules the loop runs forward on, when they are bound where the optimizer is."""
        out: List[Bound] = []
        for stmt in opt.statements:
            value = getattr(stmt, "value", None)
            if value is None:
                continue
            for node in ast.walk(value):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in ("parameters", "named_parameters") \
                        and isinstance(node.func.value, (ast.Name, ast.Attribute)):
                    self._add_module(out, node.func.value, opt.scope)
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node is value and "module" in self.m.kinds(node.func.value, opt.scope):
                    self._add_module(out, node.func.value, opt.scope)  # model.configure_optimizers()
        if out:
            return out
        steps = {id(e.site.function.node) for e in self.loop.backwards if e.site.function is not None}
        for site, _via in self.m.sites_in(self.loop.info):
            # a module run where the loss is backpropagated (not a validation helper's loss_fn)
            if site.is_call and site.function is not None and id(site.function.node) in steps \
                    and loops.is_forward(self.m, site) and not self._is_loss(site):
                b = self.bound(site.node.func, site.scope)
                if b is not None and b.scope is opt.scope:
                    self._add_module(out, site.node.func, site.scope)
        return out

    def _is_loss(self, site) -> bool:
        """``criterion(...)`` bound to ``nn.CrossEntropyLoss()`` (moved or not)."""
        for origin, oscope in self.m.origins(site.node.func, site.scope):
            while isinstance(origin, ast.Call) and isinstance(origin.func, ast.Attribute) \
                    and origin.func.attr in known.SELF_RETURNING_METHODS:
                origin = origin.func.value
            if isinstance(origin, ast.Call) and known.nn_layer_name(
                    self.m.resolve(origin.func, oscope) or "").endswith("Loss"):
                return True
        return False

    def _add_module(self, out: List[Bound], expr: ast.expr, scope: Scope) -> None:
        b = self.bound(expr, scope)
        if b is None:
            return
        b.statements = [s for s in b.statements if not self._wraps_itself(s, b.text)] or b.statements
        if b.key not in [x.key for x in out]:
            out.append(b)
            self.modules[b.key] = b

    def _wraps_itself(self, stmt: ast.stmt, text: str) -> bool:
        """``model = DDP(model)`` / ``model = model.to(device)``: not where it is built."""
        value = getattr(stmt, "value", None)
        return value is not None and statements.wraps(value, text.split(".")[-1]) and any(
            ast.unparse(n) == text for n in ast.walk(value) if isinstance(n, (ast.Name, ast.Attribute)))

    def _owner_class(self):
        fn = self.m.functions.get(self.owner.node)
        return fn.cls if fn is not None and fn.cls is not None else None

    # -------------------------------------------------------------- loaders
    def _loaders(self) -> List[Bound]:
        """The DataLoader the batch loop iterates, when it is bound in the owner."""
        batch = plan.batch_loop(self.m, self.loop.info, self.loop.events)
        if batch is None or not plan.feeds_from_loader(self.m, batch):
            return []
        _target, _index, it = statements.unpack_loop(batch.node)
        if it is None:
            return []
        b = self.bound(it, batch.scope)
        if b is None or b.scope is not self.owner:
            self.note(f"the DataLoader `{ast.unparse(it)}` is built outside "
                      f"{self._owner_name()}: its batches keep their .to(device)")
            return []
        return [b]

    def loader_of(self, lp) -> bool:
        """Does this loop iterate a set-up DataLoader?"""
        if not self.loaders or not isinstance(lp.node, (ast.For, ast.AsyncFor)):
            return False
        _t, _i, it = statements.unpack_loop(lp.node)
        b = self.bound(it, lp.scope) if it is not None else None
        return b is not None and b.key in [x.key for x in self.loaders]

    def is_set_up(self, expr: ast.expr, scope: Scope) -> bool:
        """Is ``expr`` one of the modules Fabric sets up?"""
        b = self.bound(expr, scope)
        return b is not None and b.key in self.modules

    def _owner_name(self) -> str:
        fn = self.m.functions.get(self.owner.node) if self.owner is not None else None
        return f"{fn.qualname}()" if fn is not None else "the script's top level"

    # ------------------------------------------------------------ placement
    def _insert_setup(self) -> None:
        """``fabric.setup*`` after the statements that bind what it takes, the Fabric
        itself before the first of them."""
        inserts: List[Tuple[ast.stmt, str]] = []  # (anchor statement, line)
        f = self.reference(self.owner)
        for loader in self.loaders:
            anchor = self._anchor([loader])
            inserts.append((anchor, f"{loader.text} = {f}.setup_dataloaders({loader.text})"))
        for pair in self.pairs:
            inserts += self._setup_pair(pair, f)
        inserts.sort(key=lambda item: (item[0].end_lineno, item[0].end_col_offset))
        if not inserts:
            return
        first = inserts[0][0]
        self.out.kwargs = fabric_arguments.arguments(self, first)
        target = "self.fabric" if self.owner_class is not None else "fabric"
        creation = [f"{target} = Fabric({', '.join(self.out.kwargs)})", f"{target}.launch()"]
        creation = [f"# TODO: {t}" for t in fabric_arguments.todos(self)] + creation
        block, (top,) = self._common_block([first], self.owner)
        if top is first or top is None:
            self.edits.after(first, creation)
        else:  # the first setup sits under an ``if``: build the Fabric before it, unconditionally
            self.edits.before(top, creation)
        for anchor, line in inserts:
            self.edits.after(anchor, [line])
        self.out.set_up = [line for _a, line in inserts]

    def _setup_pair(self, pair: Pair, f: str) -> List[Tuple[ast.stmt, str]]:
        opt = pair.optimizer
        mods = [b for b in pair.modules if b.scope is opt.scope]
        for b in pair.modules:
            if b.scope is not opt.scope:
                self.note(f"`{b.text}` is built outside {self._owner_name()}: set it up there "
                          f"with fabric.setup_module")
        if not pair.modules:
            self.note(f"which module `{opt.text}` trains is not clear: set it up with "
                      f"fabric.setup_module(...) (it keeps its own .to(device) meanwhile)")
        conditional = self._conditional(opt)
        if len(mods) == 1 and not conditional and not self._shared(mods[0]):
            anchor = self._anchor([opt] + mods)
            names = f"{mods[0].text}, {opt.text}"
            return [(anchor, f"{names} = {f}.setup({names})")]
        out = []
        for b in mods:
            if b.key not in self._modules_done:
                self._modules_done.add(b.key)
                out.append((self._anchor([b]), f"{b.text} = {f}.setup_module({b.text})"))
        anchor = opt.statements[-1] if conditional else self._anchor([opt] + mods)
        out.append((anchor, f"{opt.text} = {f}.setup_optimizers({opt.text})"))
        return out

    def _shared(self, module: Bound) -> bool:
        """Trained by more than one optimizer (set it up once, with setup_module)."""
        return sum(1 for p in self.pairs for b in p.modules if b.key == module.key) > 1

    def _conditional(self, b: Bound) -> bool:
        """Bound only under an ``if`` (``if args.use_optimizer: optimizer = ...``)."""
        block, tops = self._common_block(b.statements, b.scope)
        if any(s in block for s in b.statements):
            return False
        return all(isinstance(t, ast.If) for t in tops) and not all(
            self._both_branches(t, b.statements) for t in tops)

    @staticmethod
    def _both_branches(node: ast.If, stmts: List[ast.stmt]) -> bool:
        """Both the ``if`` and its ``else`` hold one of ``stmts``."""
        def holds(block):
            return any(s is n for top in block for n in ast.walk(top) for s in stmts)
        return bool(node.orelse) and holds(node.body) and holds(node.orelse)

    def _anchor(self, bounds: List[Bound]) -> ast.stmt:
        """The statement after which all of ``bounds`` are bound, in the block that also
        holds the way into the loop (a main guard's body, a function's)."""
        stmts = [s for b in bounds for s in b.statements]
        _block, tops = self._common_block(stmts, bounds[0].scope)
        tops = [t for t in tops if not self.edits.is_deleted(t)]
        return max(tops, key=lambda s: (s.lineno, s.col_offset)) if tops else stmts[-1]

    def _common_block(self, stmts: List[ast.stmt], scope: Scope):
        """The innermost statement list holding all of ``stmts`` and the loop's entry, and
        the statement of it around each of ``stmts``."""
        entry = self._entry(scope)
        chains = [self._chain(s, scope) for s in stmts + ([entry] if entry is not None else [])]
        common = chains[0]
        for chain in chains[1:]:
            n = 0
            while n < min(len(common), len(chain)) and common[n][0] is chain[n][0]:
                n += 1
            common = common[:n]
        if not common:
            body = self._scope_body(scope)
            return body, [self._top(s, body) for s in stmts]
        block = common[-1][0]
        depth = len(common) - 1
        return block, [self._chain(s, scope)[depth][1] for s in stmts]

    def _chain(self, stmt: ast.stmt, scope: Scope) -> List[Tuple[list, ast.stmt]]:
        """(block, statement in it) from ``scope``'s body down to ``stmt``."""
        out = []
        node = stmt
        while node is not None and node is not scope.node:
            parent = self.m.parent(node)
            if parent is None:
                break
            block = statements.block_holding(parent, node)
            if block is not None:
                out.append((block, node))
            node = parent
        return out[::-1]

    def _scope_body(self, scope: Scope) -> List[ast.stmt]:
        return scope.node.body

    def _top(self, stmt: ast.stmt, block: List[ast.stmt]) -> Optional[ast.stmt]:
        """The statement of ``block`` that holds ``stmt``."""
        node = stmt
        while node is not None:
            if any(node is s for s in block):
                return node
            node = self.m.parent(node)
        return None

    def bound_before(self, name: str, scope: Scope, before: ast.stmt) -> bool:
        """``name`` is bound in ``scope`` (or the module) by a statement ending before
        ``before`` ends: usable in the Fabric's arguments."""
        for s in (scope, self.m.module_scope):
            for b in s.bindings.get(name) or []:
                if b.kind in ("assign", "argument", "import") and (
                        b.kind != "assign" or getattr(b.node, "lineno", 10 ** 9) <= before.end_lineno):
                    return True
        return False

    # ------------------------------------------------------------ threading
    def reference(self, scope: Scope, depth: int = 0) -> str:
        """How code in ``scope`` reaches the Fabric: ``fabric`` (the owner, a module-level
        owner's global, or a ``fabric`` parameter added here) or ``self.fabric``."""
        m = self.m
        if self.owner is m.module_scope:
            return "fabric"
        fn = self._function_of(scope)
        if fn is None:
            return "fabric"
        outer = self._function_of(fn.scope.parent) if fn.scope.parent is not None else None
        if outer is not None and self.owner_class is None:  # a nested function: the closure
            self.reference(outer.scope, depth + 1)
            return "fabric"
        if self.owner_class is not None:
            if fn.cls is self.owner_class:
                return "self.fabric"
        elif fn.scope is self.owner:
            return "fabric"
        self._thread(fn, depth)
        return "fabric"

    def _function_of(self, scope: Scope):
        node = scope.node
        while node is not None and not isinstance(node, FUNCTION_NODES):
            scope = scope.parent
            node = scope.node if scope is not None else None
        return self.m.functions.get(node) if node is not None else None

    def _thread(self, fn, depth: int) -> None:
        """Give ``fn`` a keyword-only ``fabric`` parameter and pass it at its call sites."""
        if id(fn.node) in self.threaded:
            return
        self.threaded[id(fn.node)] = fn.node
        if not _add_parameter(self.edits, fn.node):
            self.note(f"pass the Fabric to {fn.qualname}() (torchlint could not add the parameter)")
            return
        callers = self.m.callers(fn)
        if not callers:
            self.note(f"{fn.qualname}() now takes fabric=...; pass it where it is called")
        for site in callers:
            if depth > MAX_FOLLOW:
                self.note(f"pass fabric= to {fn.qualname}() at line {site.node.lineno}")
                continue
            ref = self.reference(site.scope, depth + 1)
            self.edits.replace(site.node, _with_keyword(site.node, f"fabric={ref}"))


# ------------------------------------------------------------------- helpers
def _unique(stmts: List[ast.stmt]) -> List[ast.stmt]:
    seen, out = set(), []
    for s in stmts:
        if id(s) not in seen:
            seen.add(id(s))
            out.append(s)
    return out


def _with_keyword(call: ast.Call, keyword: str):
    """``f(a, b)`` -> ``f(a, b, <keyword>)``, on the call's edited text, its layout kept
    (a trailing comma and a closing parenthesis on its own line stay so)."""
    def text(edits: Edits) -> str:
        body = edits.text_within(call)
        inner = body[:-1]
        head = inner.rstrip()
        tail = inner[len(head):]
        if head.endswith("("):
            return f"{head}{keyword}{tail})"
        if head.endswith(","):
            return f"{head} {keyword},{tail})"
        return f"{head}, {keyword}{tail})"
    return text


def _add_parameter(edits: Edits, fn: ast.AST) -> bool:
    """Append a keyword-only ``fabric`` to a ``def``'s parameters (before ``**kwargs``)."""
    a = fn.args
    items = list(a.posonlyargs) + list(a.args)
    last: Optional[ast.AST] = None
    if items:
        last = items[-1]
        defaults = a.defaults
        if defaults and len(defaults) and items.index(last) >= len(items) - len(defaults):
            last = defaults[-1]
    star = a.vararg is not None or bool(a.kwonlyargs)
    if a.vararg is not None:
        last = a.vararg
    if a.kwonlyargs:
        last = a.kwonlyargs[-1]
        kw_default = a.kw_defaults[-1]
        if kw_default is not None:
            last = kw_default
    if last is None or not hasattr(last, "end_col_offset"):
        return False
    extra = ", fabric" if star else ", *, fabric"
    prior = edits.replaced.get(last)
    edits.replace(last, lambda e, node=last, prior=prior: (
        (prior(e) if callable(prior) else prior) if prior is not None else e.text_within(node)) + extra)
    return True
