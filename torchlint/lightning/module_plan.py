"""The module path, planned: what each statement of a plain loop becomes in a
``LightningModule`` + ``Trainer`` script (:class:`ModulePlan`; text by
:mod:`~torchlint.lightning.module_render`).

* the model construction (device moves and ``DistributedDataParallel`` stripped,
  the branch the default settings take) -> ``__init__``, with the statements that
  change it before the loop (``model.apply(weights_init)``);
* the loss computation, sliced backwards from the ``backward()`` call ->
  ``training_step`` (with several optimizers: the whole step, under manual
  optimization, ``loss.backward()`` -> ``self.manual_backward(loss)``);
* the evaluation loop the epoch loop calls -> ``validation_step``;
* every optimizer and the scheduler -> ``configure_optimizers``;
* settings (``args.lr``, local constants) -> ``__init__`` arguments saved with
  ``save_hyperparameters()``; the command line itself -> ``main()``, whole;
* what the loop did by hand -> Trainer flags, each only when the default run does it
  (:mod:`~torchlint.lightning.module_main`);
* what none of this covers -> a ``# TODO`` naming the statement and its line.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

from torchlint import known
from torchlint.facts import adoption, loops
from torchlint.lightning import plan as planning, statements
from torchlint.lightning.translate import INIT, OPT, STEP, Kind, Section, Translation, Translator
from torchlint.semantic import LoopInfo, Scope, SemanticModel

_LOSS_NAMES = ("loss", "val_loss", "test_loss", "valid_loss")


@dataclass
class ModulePlan:
    filename: str
    package: str
    loop: planning.Loop
    class_name: str = "LitModel"
    hparams: Dict[str, Optional[str]] = field(default_factory=dict)
    init_args: List[str] = field(default_factory=list)  # __init__ arguments without a default
    init: Section = field(default_factory=Section)
    training: Section = field(default_factory=Section)
    validation: Optional[Section] = None
    epoch_end: Section = field(default_factory=Section)  # on_train_epoch_end
    optimizers: Section = field(default_factory=Section)
    main: Section = field(default_factory=Section)
    forward_attr: Optional[str] = None  # the module forward() delegates to
    manual: bool = False  # several optimizers: manual optimization
    concerns: str = ""
    carried: List[ast.stmt] = field(default_factory=list)  # module-level definitions, verbatim
    imports: List[str] = field(default_factory=list)
    header_todos: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    source_lines: List[str] = field(default_factory=list)


def plan(m: SemanticModel, loop: planning.Loop, source: str, filename: str,
         package: str) -> ModulePlan:
    return ModulePlanner(m, loop, source, filename, package).run()


class ModulePlanner:
    def __init__(self, m: SemanticModel, loop: planning.Loop, source: str, filename: str,
                 package: str):
        self.m = m
        self.loop = loop
        self.lines = source.splitlines()
        self.out = ModulePlan(filename, package, loop, source_lines=self.lines)
        self.primary: LoopInfo = loop.info
        self.evs = loop.events
        self.backward = loop.backwards[0]
        self.optimizer_receivers = planning.optimizer_receivers(m, self.evs)
        self.out.manual = len(self.optimizer_receivers) > 1
        self._find_batch_loop()
        self.t = Translation(m, loop, self.batch_loop, self.batch_scope)
        for site in self.backward.via:
            self.t.register_call(site)
        self.accum = self._accumulation()
        self.accounted: Set[int] = set()  # ids of loop statements carried or replaced
        self.val_iter: Optional[ast.expr] = None
        self.val_scope: Optional[Scope] = None
        self.loss_callee: Optional[str] = None
        self.main_attr: Optional[str] = None
        self.val_loop: Optional[LoopInfo] = None  # the evaluation loop validation_step carries
        self.parser_lines: List[str] = []  # main()'s command line, verbatim

    def run(self) -> ModulePlan:
        from torchlint.lightning import leftovers, module_main

        out = self.out
        out.training = self._manual_step() if out.manual else self._training_step()
        out.validation = self._validation_step()
        out.optimizers = self._configure_optimizers()
        out.init = self._init()
        out.class_name = self._class_name()
        out.forward_attr = self.main_model
        out.main = module_main.MainPlanner(self).run()
        out.hparams = self.t.hparams
        out.init_args = self.t.init_args
        out.concerns = adoption.describe(adoption.concerns(self.m, self.primary, self.evs))
        if self.loop.others:
            out.header_todos.append("the file has more training loops (lines " + ", ".join(
                map(str, self.loop.others)) + "); this is the first")
        if self.loop.reasons:
            out.header_todos.append("this loop " + "; ".join(self.loop.reasons) + ": the Fabric "
                                    "conversion (--style fabric) keeps it as written")
        leftovers.account(self)
        module_main.carry(self)
        leftovers.unused_settings(self, self.parser_lines)
        return out

    # ---------------------------------------------------------------- loops
    def _find_batch_loop(self) -> None:
        """The loop over the DataLoader around the backward call (not an inner micro-step
        loop), and the block that holds the step."""
        m = self.m
        lp = planning.batch_loop(m, self.primary, self.evs)
        self.batch_loop = lp.node if lp is not None else None
        self.batch_scope = lp.scope if lp is not None else self.backward.site.scope
        site = self.backward.site
        if self.batch_loop is not None and any(s.loops and self.batch_loop in s.loops
                                               for s in self.backward.via + (site,)) \
                and site.function is (lp.function if lp is not None else None):
            self.step_block = self.batch_loop.body  # the step is written in the batch loop
        else:  # the batch loop calls a helper that does the step
            fn = site.function
            self.step_block = fn.node.body if fn is not None else []
        self.batch_target, self.batch_index, self.batch_iter = statements.unpack_loop(self.batch_loop)
        self.batch_names = statements.target_names(self.batch_target)
        if self.batch_index is not None:
            self.batch_names.add(self.batch_index)

    def flatten(self, stmts, scope):
        """Statements, with ``with autocast(...)`` / ``with torch.no_grad()`` bodies inlined."""
        contexts = known.AUTOCAST_CONTEXTS | known.NO_GRAD_CONTEXTS
        for stmt in stmts:
            if isinstance(stmt, ast.With) and all(
                    self.m.resolve(item.context_expr.func if isinstance(item.context_expr, ast.Call)
                                   else item.context_expr, scope) in contexts
                    for item in stmt.items):
                self.accounted.add(id(stmt))
                yield from self.flatten(stmt.body, scope)
            else:
                yield stmt

    # -------------------------------------------------------- training_step
    def _training_step(self) -> Section:
        out = Section()
        call = self.backward.site.node
        loss = _loss_expr(self.m, call, self.backward.site.scope)
        if self.accum is not None and isinstance(loss, ast.BinOp) and isinstance(loss.op, ast.Div):
            loss = loss.left
        block = list(self.flatten(self.step_block, self.batch_scope))
        anchor = statements.index_of(block, call)
        candidates = block[:anchor] if anchor is not None else []
        kept = self.t.slice(candidates, statements.loads(loss), skip=self._is_accumulation_scaling)
        if self.accum is not None:
            kept = [_unscale(stmt, loss, self.accum) for stmt in kept]
        self.accounted |= {id(self.t.origin.get(id(s), s)) for s in kept}
        locals_ = set(self.batch_names)
        index = self.batch_index if self.batch_index in statements.loads_all(kept) else None
        out.lines += unpack_batch("batch", "batch_idx", self.batch_target, index)
        for stmt in kept:
            text = self.t.emit(stmt, STEP, self.t.scope_of_stmt(stmt), locals_, out)
            if text:
                out.lines += text.splitlines()
            locals_ |= statements.binds(stmt)
        loss_text = self.t.expr(loss, STEP, self.backward.site.scope, locals_, out)
        if not isinstance(loss, ast.Name):
            out.lines.append(f"loss = {loss_text}")
            loss_text = "loss"
        out.lines.append(f'self.log("train_loss", {loss_text})')
        out.lines.append(f"return {loss_text}")
        self.loss_callee = _callee_text(kept, loss)
        return out

    def _manual_step(self) -> Section:
        """Several optimizers: the batch loop's body as written, under manual optimization
        (``self.optimizers()`` hands them out in configure_optimizers' order)."""
        out = Section()
        names = [r.split(".")[-1] for r in self.optimizer_receivers]
        out.lines.append(f"{', '.join(names)} = self.optimizers()")
        locals_ = set(self.batch_names) | set(names) | {"self"}
        out.lines += unpack_batch("batch", "batch_idx", self.batch_target, self.batch_index)
        scope = self.batch_scope
        for stmt in self.step_block:
            self.accounted.add(id(stmt))
            manual = _ManualSteps(self, scope).visit(copy.deepcopy(stmt))
            if manual is None:
                continue
            text = self.t.emit(manual, STEP, scope, locals_, out)
            if text:
                out.lines += text.splitlines()
            locals_ |= statements.binds(stmt)
        return out

    def _accumulation(self) -> Optional[ast.expr]:
        for e in self.loop.steps:
            k = adoption.accumulation_modulus(self.m, e.site.node)
            if k is not None:
                return k
        return None

    def _is_accumulation_scaling(self, stmt: ast.stmt) -> bool:
        """``loss = loss / k`` or ``loss /= k`` when the loop accumulates gradients."""
        if self.accum is None:
            return False
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Div):
            self.accounted.add(id(stmt))
            return True
        scaled = (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.BinOp)
                  and isinstance(stmt.value.op, ast.Div) and isinstance(stmt.value.left, ast.Name)
                  and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                  and stmt.targets[0].id == stmt.value.left.id)
        if scaled:
            self.accounted.add(id(stmt))
        return scaled

    # ------------------------------------------------------- validation_step
    def _validation_step(self) -> Optional[Section]:
        m = self.m
        reached = {}
        for site, via in m.sites_in(self.primary):
            if site.function is not None and id(site.function.node) not in reached:
                reached[id(site.function.node)] = via
        candidates = []
        for inf in loops.inference_loops(m):
            lp = inf.loop
            if not inf.is_evaluation or not isinstance(lp.node, (ast.For, ast.AsyncFor)):
                continue
            nested = self.primary.node in lp.parents
            if lp.function is not None and id(lp.function.node) in reached or nested:
                candidates.append(lp)
        if not candidates:
            return None
        lp: LoopInfo = candidates[0]
        calls = reached.get(id(lp.function.node), ()) if lp.function is not None else ()
        for site in calls:
            self.t.register_call(site)
        target, index, self.val_iter = statements.unpack_loop(lp.node)
        self.val_scope = lp.scope
        out = Section()
        body = list(self.flatten(lp.node.body, lp.scope))
        seeds = [s for s in body if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name)]
        loss_assigns = [s for s in body if isinstance(s, ast.Assign) and len(s.targets) == 1
                        and isinstance(s.targets[0], ast.Name) and (
                            s.targets[0].id in _LOSS_NAMES
                            or (self.loss_callee and statements.call_text(s.value) == self.loss_callee))]
        seeds += loss_assigns[:1]
        if not seeds:
            return None
        self.val_loop = lp
        self.accounted |= {id(_statement(m, site.node)) for site in calls} | {id(s) for s in seeds}
        self.accounted |= {id(s) for s in _initializers(lp, seeds)}
        needed: Set[str] = set()
        for s in seeds:
            needed |= statements.loads(s) if isinstance(s, ast.AugAssign) else {s.targets[0].id}
        kept = self.t.slice([s for s in body if s not in seeds or s in loss_assigns], needed)
        sums = [s for s in seeds if isinstance(s, ast.AugAssign)]
        kept = sorted(kept + sums, key=lambda s: (s.lineno, s.col_offset))
        self.accounted |= {id(self.t.origin.get(id(s), s)) for s in kept}
        locals_ = statements.target_names(target) | ({index} if index else set())
        index = index if index in statements.loads_all(kept) else None
        out.lines += unpack_batch("batch", "batch_idx", target, index)
        for stmt in kept:
            if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                value = self.t.expr(stmt.value, STEP, lp.scope, locals_, out)
                if isinstance(stmt.op, ast.Add):
                    out.lines.append(f'self.log("val_{stmt.target.id}", {value}, reduce_fx="sum")')
                else:
                    out.todo(f"port `{ast.unparse(stmt)}` (line {stmt.lineno})")
                continue
            text = self.t.emit(stmt, STEP, lp.scope, locals_, out)
            if text:
                out.lines += text.splitlines()
            locals_ |= statements.binds(stmt)
            if self.t.origin.get(id(stmt), stmt) in loss_assigns:
                out.lines.append(f'self.log("val_loss", {stmt.targets[0].id})')
        if any(isinstance(s, ast.AugAssign) for s in seeds):
            out.todo(f"the loop at line {lp.node.lineno} summed these over the epoch; "
                     f"reduce_fx=\"sum\" logs the same sums (divide as the script did)")
        return out

    # -------------------------------------------------- configure_optimizers
    def _configure_optimizers(self) -> Section:
        out = Section()
        receivers = []
        for e in self.loop.steps:
            call = e.site.node
            recv = call.args[0] if "grad_scaler" in self.m.kinds(call.func.value, e.site.scope) \
                else call.func.value
            if ast.unparse(recv) not in [ast.unparse(r) for r, _ in receivers]:
                receivers.append((recv, e.site.scope))
        names = []
        for i, (recv, scope) in enumerate(receivers):
            name = recv.attr if isinstance(recv, ast.Attribute) else ast.unparse(recv)
            name = name if self.out.manual else "optimizer"
            names.append(name)
            built = self.construction(recv, scope)
            if built is None:
                out.todo(f"build the optimizer `{ast.unparse(recv)}` here")
                out.lines.append(f"{name} = None")
                continue
            value, vscope = built
            new = Translator(self.t, OPT, vscope, set(), out).visit(copy.deepcopy(value))
            if i == 0:
                new = self._lr_as_hparam(new, value, vscope)
                self.main_attr = self._trained_module(value, vscope)
            out.lines.append(f"{name} = {ast.unparse(ast.fix_missing_locations(new))}")
        if self.out.manual:
            out.lines.append(f"return [{', '.join(names)}]")
            return out
        return self._scheduler(out)

    def _scheduler(self, out: Section) -> Section:
        scheds = self.loop.scheduler_steps
        if not scheds:
            out.lines.append("return optimizer")
            return out
        sched = scheds[0]
        recv = sched.site.node.func.value
        built = self.construction(recv, sched.site.scope)
        if built is None:
            out.todo(f"build the scheduler `{ast.unparse(recv)}` here")
            out.lines.append("return optimizer")
            return out
        value, vscope = built
        out.lines.append(f"scheduler = {self.t.expr(value, OPT, vscope, set(), out)}")
        chain = sched.via + (sched.site,)
        per_batch = self.batch_loop is not None and any(self.batch_loop in s.loops for s in chain)
        config = f'"scheduler": scheduler, "interval": "{"step" if per_batch else "epoch"}"'
        if sched.site.node.args:
            config += ', "monitor": "val_loss"'
            out.todo(f"the script passed `{ast.unparse(sched.site.node.args[0])}` to "
                     f"scheduler.step(); monitor the metric you log for it")
        out.lines.append(f'return {{"optimizer": optimizer, "lr_scheduler": {{{config}}}}}')
        return out

    def _lr_as_hparam(self, built: ast.expr, original: ast.expr, scope: Scope) -> ast.expr:
        """A literal learning rate becomes the ``lr`` setting (its default): tunable from
        outside, and what TL301 asks for."""
        if not (isinstance(built, ast.Call) and isinstance(original, ast.Call)):
            return built
        if not known.is_optimizer_class(self.m.resolve(original.func, scope) or ""):
            return built
        slots = [k for k in built.keywords if k.arg == "lr"]
        value = slots[0].value if slots else (built.args[1] if len(built.args) > 1 else None)
        if not (statements.is_constant(value) and not isinstance(value, (ast.Tuple, ast.List))):
            return built
        if self.t.hparams.get("lr") not in (None, ast.unparse(value)):
            return built  # an ``lr`` setting with another default already exists
        self.t.hparams["lr"] = ast.unparse(value)
        ref = ast.Attribute(ast.Attribute(ast.Name("self", ast.Load()), "hparams", ast.Load()),
                            "lr", ast.Load())
        if slots:
            slots[0].value = ref
        else:
            built.args[1] = ref
        return built

    def _trained_module(self, value: ast.expr, scope: Scope) -> Optional[str]:
        """``model`` of ``SGD(model.parameters(), ...)``, as the attribute it becomes."""
        for node in ast.walk(value):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("parameters", "named_parameters"):
                root = statements.root_name(node.func.value)
                if root is None:
                    continue
                c = self.t.classify(root, scope)
                while c.kind is Kind.EXPR and isinstance(c.value, ast.Name):
                    root = c.value.id
                    c = self.t.classify(root, c.scope)
                if c.kind is Kind.MODULE:
                    return root
        return None

    def construction(self, recv: ast.expr, scope: Scope):
        """The value ``recv`` (a name bound to an optimizer / scheduler) was built from,
        in the branch the default settings take."""
        if isinstance(recv, ast.Name):
            c = self.t.classify(recv.id, scope)
            if c.kind is Kind.EXPR:
                return self.construction(c.value, c.scope)
            if c.kind is Kind.SPECIAL and c.value is not None:
                return c.value, c.scope
        if isinstance(recv, ast.Attribute) and isinstance(recv.value, ast.Name) \
                and recv.value.id == "self":
            cls = self.m.enclosing_class(scope)
            if cls is not None:
                for c in self.m.local_bases(cls):
                    for value, vscope in c.attrs.get(recv.attr, ()):
                        return value, vscope
        return None

    # ------------------------------------------------------------------ init
    def _init(self) -> Section:
        from torchlint.lightning import module_main

        out = Section()
        out.lines.append("super().__init__()")
        if self.t.hparams:
            out.lines.append("self.save_hyperparameters()")
        if self.out.manual:
            out.lines.append("self.automatic_optimization = False")
        done: Set[str] = set()
        # in the script's order: building a module draws its initial weights from the RNG
        pending = sorted(self.t.modules, key=lambda a: _position(self.t.modules[a][0]))
        while pending:
            attr = pending.pop(0)
            if attr in done:
                continue
            done.add(attr)
            value, scope = self.t.modules[attr]
            out.lines.append(f"self.{attr} = {self.t.expr(value, INIT, scope, set(), out)}")
            out.lines += module_main.module_setup(self, attr, scope, out)
            pending += [a for a in self.t.modules if a not in done and a not in pending]
        out.todos = self.t.module_todos + out.todos
        return out

    @property
    def main_model(self) -> Optional[str]:
        """The module whose parameters the optimizer trains, else the first one used."""
        if self.main_attr in self.t.modules:
            return self.main_attr
        return next(iter(self.t.modules), None)

    def _class_name(self) -> str:
        attr = self.main_model
        if attr is None:
            return "LitModel"
        value, scope = self.t.modules[attr]
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in known.SELF_RETURNING_METHODS:
            value = value.func.value  # Net().to(device)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) \
                and self.m.class_for(value.func, scope) is not None:
            return f"Lit{value.func.id}"
        return "LitModel"


class _ManualSteps(ast.NodeTransformer):
    """Manual optimization: ``loss.backward()`` / ``scaler.scale(loss).backward()`` ->
    ``self.manual_backward(loss)``, ``scaler.step(opt)`` -> ``opt.step()``, other
    scaler calls dropped."""

    def __init__(self, planner: ModulePlanner, scope: Scope):
        self.p = planner
        self.scope = scope

    def visit_Expr(self, node: ast.Expr):
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                and "grad_scaler" in self.p.m.kinds(call.func.value, self.scope):
            if call.func.attr == "step" and call.args:
                return ast.Expr(ast.Call(ast.Attribute(call.args[0], "step", ast.Load()), [], []))
            return None
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
            loss = _loss_expr(self.p.m, node, self.scope)
            return ast.Call(ast.Attribute(ast.Name("self", ast.Load()), "manual_backward", ast.Load()),
                            [loss] + list(node.args), node.keywords)
        return node


# ------------------------------------------------------------------ helpers
def unpack_batch(batch: str, index: str, target, index_name) -> List[str]:
    lines = []
    if target is not None and not (isinstance(target, ast.Name) and target.id == batch):
        text = ", ".join(ast.unparse(e) for e in target.elts) \
            if isinstance(target, ast.Tuple) and len(target.elts) > 1 else ast.unparse(target)
        lines.append(f"{text} = {batch}")
    if index_name is not None and index_name != index:
        lines.append(f"{index_name} = {index}")
    return lines


def _loss_expr(m: SemanticModel, call: ast.Call, scope: Scope) -> ast.expr:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "backward":
        recv = func.value
        if isinstance(recv, ast.Call) and isinstance(recv.func, ast.Attribute) \
                and recv.func.attr == "scale" and recv.args:
            return recv.args[0]  # scaler.scale(loss).backward()
        return recv
    return call.args[0] if call.args else ast.Name("loss", ast.Load())


def _unscale(stmt: ast.stmt, loss: ast.expr, k: ast.expr) -> ast.stmt:
    """``loss = criterion(...) / k`` -> ``loss = criterion(...)``: Lightning divides by
    ``accumulate_grad_batches`` itself."""
    if isinstance(loss, ast.Name) and isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == loss.id \
            and isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.Div) \
            and ast.unparse(stmt.value.right) == ast.unparse(k):
        stmt.value = stmt.value.left
    return stmt


def _callee_text(kept: List[ast.stmt], loss: ast.expr) -> Optional[str]:
    """The callable that computed the training loss (``criterion``, ``F.nll_loss``)."""
    if isinstance(loss, ast.Call):
        return statements.call_text(loss)
    if isinstance(loss, ast.Name):
        for stmt in reversed(kept):
            if isinstance(stmt, ast.Assign) and loss.id in statements.binds(stmt):
                return statements.call_text(stmt.value)
    return None


def _statement(m: SemanticModel, node: ast.AST) -> Optional[ast.stmt]:
    while node is not None and not isinstance(node, ast.stmt):
        node = m.parent(node)
    return node


def _position(node: ast.AST):
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _initializers(lp: LoopInfo, seeds: List[ast.stmt]) -> List[ast.stmt]:
    """``total = 0`` before the evaluation loop, for each sum it takes (``total += ...``):
    carried by ``reduce_fx="sum"``."""
    sums = {s.target.id for s in seeds if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name)}
    body = lp.function.node.body if lp.function is not None else []
    return [s for s in body if isinstance(s, ast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name) and s.targets[0].id in sums
            and statements.is_constant(s.value) and s.lineno < lp.node.lineno]
