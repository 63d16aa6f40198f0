"""``torchlint lightning FILE``: a LightningModule + Trainer skeleton derived from FILE's
hand-written training loop.

Static only: FILE is parsed with :mod:`ast` and read through the semantic model;
nothing in it is imported or run. What moves where:

* the model construction (device moves and ``DistributedDataParallel`` wrappers
  stripped) -> ``__init__``; the loss computation, sliced backwards from the
  ``backward()`` call -> ``training_step``; the evaluation loop the epoch loop
  calls -> ``validation_step``; the optimizer and scheduler construction ->
  ``configure_optimizers``;
* numeric settings (``args.lr`` of an argparse namespace, local constants) ->
  ``__init__`` arguments saved with ``save_hyperparameters()``;
* what the loop did by hand -> Trainer flags: ``precision="16-mixed"`` (GradScaler,
  autocast), ``strategy="ddp"``, ``gradient_clip_val``, ``accumulate_grad_batches``,
  ``ModelCheckpoint`` (``torch.save``), ``max_epochs``;
* the DataLoader construction -> ``main()``, sliced backwards from the loaders.

Whatever it cannot decide is left as a ``# TODO`` comment in the output.
"""
from __future__ import annotations

import ast
import builtins
import copy
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from torchlint import engine, known
from torchlint.facts import adoption, loops
from torchlint.semantic import FUNCTION_NODES, FunctionInfo, LoopInfo, Scope, SemanticModel, Site

PACKAGES = {
    "lightning": ("import lightning as L", "from lightning.pytorch.callbacks import ModelCheckpoint"),
    "pytorch_lightning": ("import pytorch_lightning as L",
                          "from pytorch_lightning.callbacks import ModelCheckpoint"),
}
_ITER_WRAPPERS = ("enumerate", "tqdm", "iter")
_BUILTINS = frozenset(dir(builtins))
INDENT = "    "


class GenerationError(Exception):
    """FILE has no training loop torchlint can turn into a LightningModule."""


def generate(source: str, filename: str = "FILE", package: str = "lightning",
             loop_line: Optional[int] = None) -> str:
    """The skeleton for ``source`` (a whole file) as Python source text."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise GenerationError(f"{filename} does not parse: {exc}") from None
    m = engine.open_model(tree, filename, source.splitlines(True))  # the linter's cross-module facts
    return _Generator(m, source, filename, package).run(loop_line)


def detect_package() -> str:
    """``lightning`` if installed, else ``pytorch_lightning`` if installed, else ``lightning``.
    (``find_spec`` of a top-level name locates it without importing it.)"""
    import importlib.util

    for name in ("lightning", "pytorch_lightning"):
        if importlib.util.find_spec(name) is not None:
            return name
    return "lightning"


# ----------------------------------------------------------------- name classes
@dataclass
class _Class:
    kind: str  # global import module device special hparam namespace expr local unknown epoch
    name: str = ""
    value: Optional[ast.expr] = None  # module construction, hparam default, expr to inline
    scope: Optional[Scope] = None
    extra: str = ""  # special: the kind (optimizer ...)
    node: Optional[ast.AST] = None  # import statement to hoist


@dataclass
class _Method:
    lines: List[str] = field(default_factory=list)
    todos: List[str] = field(default_factory=list)


class _Generator:
    def __init__(self, m: SemanticModel, source: str, filename: str, package: str):
        if package not in PACKAGES:
            raise GenerationError(f"unknown package {package!r}; use one of {sorted(PACKAGES)}")
        self.m = m
        self.lines = source.splitlines()
        self.filename = filename
        self.package = package
        self.hparams: Dict[str, Optional[str]] = {}  # name -> default source (None: unknown)
        self.modules: Dict[str, Tuple[ast.expr, Scope]] = {}  # attr -> construction
        self.module_todos: List[str] = []
        self.globals: Set[str] = set()
        self.hoisted: List[ast.stmt] = []
        self.main_needed: Set[str] = set()
        self.callsite_for: Dict[int, Site] = {}
        self.argparse = _argparse_defaults(m)
        self._classes: Dict[Tuple[str, int], _Class] = {}
        self._scopes: Dict[int, Scope] = {}  # pruned statement copies -> their original's scope
        self._origin: Dict[int, ast.stmt] = {}  # pruned statement copies -> the original
        self._main_attr: Optional[str] = None
        self.uses_device_in_main = False

    # ------------------------------------------------------------------ driver
    def run(self, loop_line: Optional[int]) -> str:
        m = self.m
        if adoption.uses_lightning_already(m):
            raise GenerationError(f"{self.filename} already hands its loop to Lightning Fabric "
                                  f"or Accelerate")
        primaries = adoption.primary_training_loops(m)
        if loop_line is not None:
            primaries = [p for p in primaries if p[0].node.lineno == loop_line]
        if not primaries:
            where = f" at line {loop_line}" if loop_line else ""
            raise GenerationError(f"no hand-written training loop (backward() and an optimizer "
                                  f"step in a for/while loop) found in {self.filename}{where}")
        self.primary, self.evs = primaries[0]
        self.others = [p[0].node.lineno for p in primaries[1:]]
        self.concerns = adoption.concerns(m, self.primary, self.evs)
        self.primary_function = self.primary.function
        backward = next(e for e in self.evs if e.kind == loops.BACKWARD)
        self.backward = backward
        for site in backward.via:
            self._register_call(site)
        self._find_batch_loop()
        training = self._training_step()
        validation = self._validation_step()
        optimizers = self._configure_optimizers()
        main = self._main()
        init = self._init()
        return self._assemble(init, training, validation, optimizers, main)

    def _register_call(self, site: Site) -> None:
        for target in self.m.call_targets(site) if hasattr(self.m, "call_targets") else []:
            self.callsite_for.setdefault(id(target.node), site)
        helper = self.m.function_for(site.node.func, site.scope)
        if helper is not None:
            self.callsite_for.setdefault(id(helper.node), site)

    # ---------------------------------------------------------------- the loops
    def _find_batch_loop(self) -> None:
        """The innermost loop around the backward call, and the block that holds the step."""
        chain = self.backward.via + (self.backward.site,)
        self.batch_loop: Optional[ast.AST] = None
        self.batch_scope = self.backward.site.scope
        for s in reversed(chain):
            if s.loops:
                self.batch_loop = s.loops[-1]
                self.batch_scope = s.scope
                break
        site = self.backward.site
        if site.loops:  # the step is written in the batch loop's body
            self.step_block = self.batch_loop.body
        else:  # the batch loop calls a helper that does the step
            fn = site.function
            self.step_block = fn.node.body if fn is not None else []
        self.batch_target, self.batch_index, self.batch_iter = _unpack_loop(self.batch_loop)
        self.batch_names = _target_names(self.batch_target)
        if self.batch_index is not None:
            self.batch_names.add(self.batch_index)

    # ---------------------------------------------------------- training_step
    def _training_step(self) -> _Method:
        out = _Method()
        call = self.backward.site.node
        loss = _loss_expr(self.m, call, self.backward.site.scope)
        self.accum = self._accumulation()
        if self.accum is not None and isinstance(loss, ast.BinOp) and isinstance(loss.op, ast.Div):
            loss = loss.left
        block = list(_flatten(self.m, self.step_block, self.batch_scope))
        anchor = _index_of(block, call)
        candidates = block[:anchor] if anchor is not None else []
        kept = self._slice(candidates, _loads(loss), skip=self._is_accumulation_scaling)
        if self.accum is not None:
            kept = [_unscale(stmt, loss, self.accum) for stmt in kept]
        locals_ = set(self.batch_names)
        index = self.batch_index if self.batch_index in _loads_all(kept) else None
        out.lines += self._unpack_batch("batch", "batch_idx", self.batch_target, index)
        for stmt in kept:
            scope = self._scope_of_stmt(stmt)
            text = self._emit(stmt, "step", scope, locals_, out)
            if text:
                out.lines += text.splitlines()
            locals_ |= _binds(stmt)
        loss_text = self._expr(loss, "step", self.backward.site.scope, locals_, out)
        if not (isinstance(loss, ast.Name)):
            out.lines.append(f"loss = {loss_text}")
            loss_text = "loss"
        out.lines.append(f'self.log("train_loss", {loss_text})')
        out.lines.append(f"return {loss_text}")
        self.loss_callee = _callee_text(kept, loss)
        return out

    def _accumulation(self) -> Optional[ast.expr]:
        for e in self.evs:
            if e.kind == loops.STEP:
                k = adoption.accumulation_modulus(self.m, e.site.node)
                if k is not None:
                    return k
        return None

    def _is_accumulation_scaling(self, stmt: ast.stmt) -> bool:
        """``loss = loss / k`` or ``loss /= k`` when the loop accumulates gradients."""
        if self.accum is None:
            return False
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Div):
            return True
        return (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.BinOp)
                and isinstance(stmt.value.op, ast.Div) and isinstance(stmt.value.left, ast.Name)
                and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id == stmt.value.left.id)

    def _unpack_batch(self, batch: str, index: str, target, index_name) -> List[str]:
        lines = []
        if target is not None and not (isinstance(target, ast.Name) and target.id == batch):
            text = ", ".join(ast.unparse(e) for e in target.elts) \
                if isinstance(target, ast.Tuple) and len(target.elts) > 1 else ast.unparse(target)
            lines.append(f"{text} = {batch}")
        if index_name is not None and index_name != index:
            lines.append(f"{index_name} = {index}")
        return lines

    def _slice(self, stmts: List[ast.stmt], needed: Set[str], skip=None) -> List[ast.stmt]:
        """Statements of ``stmts`` that ``needed`` depends on, in order (a backward slice),
        each pruned of device moves (:class:`_Prune`); the pruned copies remember their
        original's scope."""
        kept = []
        for stmt in reversed(stmts):
            if skip is not None and skip(stmt):
                continue
            scope = self._scope_of_stmt(stmt)
            pruned = _Prune(self, scope).prune(stmt)
            if pruned is None:
                continue
            if (_binds(pruned) | _mutates(pruned)) & needed:
                self._scopes[id(pruned)] = scope
                self._origin[id(pruned)] = stmt
                kept.append(pruned)
                needed = (needed - _binds(pruned)) | _loads(pruned)
        return kept[::-1]

    def _scope_of_stmt(self, stmt: ast.stmt) -> Scope:
        if id(stmt) in self._scopes:
            return self._scopes[id(stmt)]
        node = stmt
        while node is not None and not isinstance(node, FUNCTION_NODES):
            node = self.m.parent(node)
        return self.m.scope_of(node) if node is not None else self.m.module_scope

    # -------------------------------------------------------- validation_step
    def _validation_step(self) -> Optional[_Method]:
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
            self.val_iter = None
            return None
        lp: LoopInfo = candidates[0]
        for site in reached.get(id(lp.function.node), ()) if lp.function is not None else ():
            self._register_call(site)
        target, index, self.val_iter = _unpack_loop(lp.node)
        self.val_scope = lp.scope
        out = _Method()
        body = list(_flatten(m, lp.node.body, lp.scope))
        seeds = [s for s in body if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name)]
        loss_assigns = [s for s in body if isinstance(s, ast.Assign) and len(s.targets) == 1
                        and isinstance(s.targets[0], ast.Name) and (
                            s.targets[0].id in ("loss", "val_loss", "test_loss", "valid_loss")
                            or (self.loss_callee and _call_text(s.value) == self.loss_callee))]
        seeds += loss_assigns[:1]
        if not seeds:
            return None
        needed: Set[str] = set()
        for s in seeds:
            needed |= _loads(s) if isinstance(s, ast.AugAssign) else {s.targets[0].id}
        kept = self._slice([s for s in body if s not in seeds or s in loss_assigns], needed)
        sums = [s for s in seeds if isinstance(s, ast.AugAssign)]
        kept = sorted(kept + sums, key=lambda s: (s.lineno, s.col_offset))
        locals_ = _target_names(target) | ({index} if index else set())
        index = index if index in _loads_all(kept) else None
        out.lines += self._unpack_batch("batch", "batch_idx", target, index)
        for stmt in kept:
            if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                value = self._expr(stmt.value, "step", lp.scope, locals_, out)
                if isinstance(stmt.op, ast.Add):
                    out.lines.append(f'self.log("val_{stmt.target.id}", {value}, reduce_fx="sum")')
                else:
                    out.todos.append(f"port `{ast.unparse(stmt)}` (line {stmt.lineno})")
                continue
            text = self._emit(stmt, "step", lp.scope, locals_, out)
            if text:
                out.lines += text.splitlines()
            locals_ |= _binds(stmt)
            if self._origin.get(id(stmt), stmt) in loss_assigns:
                out.lines.append(f'self.log("val_loss", {stmt.targets[0].id})')
        if seeds and any(isinstance(s, ast.AugAssign) for s in seeds):
            out.todos.append(f"the loop at line {lp.node.lineno} summed these over the epoch; "
                             f"reduce_fx=\"sum\" logs the same sums (divide as the script did)")
        return out

    # --------------------------------------------------- configure_optimizers
    def _configure_optimizers(self) -> _Method:
        out = _Method()
        steps = [e for e in self.evs if e.kind == loops.STEP]
        receivers = []
        for e in steps:
            call = e.site.node
            recv = call.args[0] if "grad_scaler" in self.m.kinds(call.func.value, e.site.scope) \
                else call.func.value
            if ast.unparse(recv) not in [ast.unparse(r) for r, _ in receivers]:
                receivers.append((recv, e.site.scope))
        if len(receivers) > 1:
            out.todos.append("the loop steps several optimizers: use manual optimization "
                             "(self.automatic_optimization = False), see Lightning's docs")
        recv, scope = receivers[0]
        opt = self._construction(recv, scope, "optimizer")
        self.optimizer_name = ast.unparse(recv)
        if opt is None:
            out.todos.append(f"build the optimizer `{ast.unparse(recv)}` here")
            out.lines.append("optimizer = None")
        else:
            value, vscope = opt
            built = _Translator(self, "opt", vscope, set(), out).visit(copy.deepcopy(value))
            built = self._lr_as_hparam(built, value, vscope)
            out.lines.append(f"optimizer = {ast.unparse(ast.fix_missing_locations(built))}")
            self._main_attr = self._trained_module(value, vscope)
        scheds = [e for e in self.evs if e.kind == loops.SCHEDULER_STEP]
        if not scheds:
            out.lines.append("return optimizer")
            return out
        sched = scheds[0]
        recv = sched.site.node.func.value
        built = self._construction(recv, sched.site.scope, "scheduler")
        if built is None:
            out.todos.append(f"build the scheduler `{ast.unparse(recv)}` here")
            out.lines.append("return optimizer")
            return out
        value, vscope = built
        out.lines.append(f"scheduler = {self._expr(value, 'opt', vscope, set(), out)}")
        chain = sched.via + (sched.site,)
        per_batch = self.batch_loop is not None and any(self.batch_loop in s.loops for s in chain)
        config = f'"scheduler": scheduler, "interval": "{"step" if per_batch else "epoch"}"'
        if sched.site.node.args:
            config += ', "monitor": "val_loss"'
            out.todos.append(f"the script passed `{ast.unparse(sched.site.node.args[0])}` to "
                             f"scheduler.step(); monitor the metric you log for it")
        out.lines.append(f'return {{"optimizer": optimizer, "lr_scheduler": {{{config}}}}}')
        return out

    def _lr_as_hparam(self, built: ast.expr, original: ast.expr, scope: Scope) -> ast.expr:
        """A literal learning rate becomes the ``lr`` hyperparameter (its default): tunable
        from outside, and what TL301 asks for."""
        if not (isinstance(built, ast.Call) and isinstance(original, ast.Call)):
            return built
        if not known.is_optimizer_class(self.m.resolve(original.func, scope) or ""):
            return built
        slots = [k for k in built.keywords if k.arg == "lr"]
        value = slots[0].value if slots else (built.args[1] if len(built.args) > 1 else None)
        if not (_is_constant(value) and not isinstance(value, (ast.Tuple, ast.List))):
            return built
        if self.hparams.get("lr") not in (None, ast.unparse(value)):
            return built  # an ``lr`` setting with another default already exists
        self.hparams["lr"] = ast.unparse(value)
        ref = ast.Attribute(_self_attr("hparams"), "lr", ast.Load())
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
                root = _root_name(node.func.value)
                if root is None:
                    continue
                c = self.classify(root, scope)
                while c.kind == "expr" and isinstance(c.value, ast.Name):
                    root = c.value.id
                    c = self.classify(root, c.scope)
                if c.kind == "module":
                    return root
        return None

    def _construction(self, recv: ast.expr, scope: Scope, kind: str):
        """The value ``recv`` (a name bound to an optimizer / scheduler) was built from."""
        if isinstance(recv, ast.Name):
            c = self.classify(recv.id, scope)
            if c.kind == "expr":
                return self._construction(c.value, c.scope, kind)
            if c.kind == "special" and c.value is not None:
                return c.value, c.scope
        if isinstance(recv, ast.Attribute) and isinstance(recv.value, ast.Name) \
                and recv.value.id == "self":
            cls = self.m.enclosing_class(scope)
            if cls is not None:
                for c in self.m.local_bases(cls):
                    for value, vscope in c.attrs.get(recv.attr, ()):
                        return value, vscope
        return None

    # -------------------------------------------------------------------- main
    def _main(self) -> _Method:
        out = _Method()
        locals_: Set[str] = set()
        fit_args = []
        train = self._loader_text(self.batch_iter, self.batch_scope, out, locals_)
        fit_args.append(f"train_dataloaders={train}")
        if self.val_iter is not None:
            val = self._loader_text(self.val_iter, self.val_scope, out, locals_)
            fit_args.append(f"val_dataloaders={val}")
        flags = self._trainer_flags(out, locals_)
        data = self._main_slice(out)
        seed = self._seed(out, locals_)
        lines = []
        if seed:
            lines.append(seed)
        lines.append(f"model = {self.class_name}()")
        if self._main_uses_hparams:
            lines.append("hparams = model.hparams")
        if self.uses_device_in_main:
            lines.append('device = torch.device("cuda" if torch.cuda.is_available() else "cpu")'
                         "  # TODO: only for data loading; the Trainer places the model")
        lines += data
        lines.append("trainer = L.Trainer(")
        lines += [INDENT + f for f in flags]
        lines.append(")")
        lines.append(f"trainer.fit(model, {', '.join(fit_args)})")
        out.lines = lines
        return out

    @property
    def _main_uses_hparams(self) -> bool:
        return getattr(self, "_hparams_in_main", False)

    def _loader_text(self, expr: Optional[ast.expr], scope: Scope, out: _Method, locals_) -> str:
        if expr is None:
            out.todos.append("the loop made its own batches; wrap them in a Dataset / DataLoader")
            return "None"
        text = self._expr(expr, "main", scope, locals_, out)
        if _is_range(expr):  # for step in range(n): the batches are made inside the loop
            todo = ("the loop counted over a range and made its batches itself; move that into a "
                    "Dataset (this DataLoader only hands training_step the counter)")
            if todo not in out.todos:
                out.todos.append(todo)
            return f"torch.utils.data.DataLoader({text}, batch_size=None)"
        return text

    def _trainer_flags(self, out: _Method, locals_) -> List[str]:
        flags = []
        c = self.concerns
        main = self.primary.node
        if self.batch_loop is not None and main is not self.batch_loop \
                and isinstance(main, ast.For) and _is_range(main.iter):
            flags.append(f"max_epochs={self._epochs(main.iter, out, locals_)},")
        elif self.batch_loop is not None and main is self.batch_loop and _is_range(main.iter):
            steps = self._expr(main.iter.args[-1], "main", self.primary.scope, locals_, out)
            flags.append(f"max_steps={steps},")
        else:
            flags.append("max_epochs=1,  # TODO: the number of epochs the loop ran")
        if "ddp" in c:
            flags.append(f'strategy="ddp",  # replaces {self._where("ddp")}')
        if "amp" in c:
            flags.append(f'precision="{self._precision()}",  # replaces {self._where("amp")}')
        clip = self._clipping(out, locals_)
        if clip:
            flags += clip
        if self.accum is not None:
            k = self._expr(self.accum, "main", self._scope_of_node(self.accum), locals_, out)
            flags.append(f"accumulate_grad_batches={k},  # replaces the `% {ast.unparse(self.accum)}` "
                         f"step condition (line {self.accum.lineno})")
        if "checkpoint" in c:
            flags.append(f"callbacks=[ModelCheckpoint()],  # replaces {self._where('checkpoint')}; "
                         f"set monitor= to keep the best")
        if "logging" in c:
            flags.append(f"logger=True,  # replaces {self._where('logging')}; self.log() writes "
                         f"to TensorBoard (or pass WandbLogger / MLFlowLogger)")
        return flags

    def _where(self, concern: str) -> str:
        """``torch.amp.GradScaler (line 25), torch.autocast (line 30)``: what a flag replaces."""
        parts: List[str] = []
        sites = adoption.concern_sites(self.m, self.primary, self.evs)[concern]
        for site in sorted(sites, key=lambda s: s.node.lineno):
            node = site.node
            text = ast.unparse(node.func) if isinstance(node, ast.Call) else ast.unparse(node)
            if not any(p.startswith(text + " ") for p in parts):
                parts.append(f"{text} (line {node.lineno})")
        return ", ".join(parts[:3])

    def _precision(self) -> str:
        for site in adoption.concern_sites(self.m, self.primary, self.evs).get("amp", ()):
            if site.is_call and self.m.resolve(site.node.func, site.scope) in known.AUTOCAST_CONTEXTS:
                for k in site.node.keywords:
                    if k.arg == "dtype" and "bfloat16" in ast.unparse(k.value):
                        return "bf16-mixed"
        return "16-mixed"

    def _clipping(self, out, locals_) -> List[str]:
        site = self.concerns.get("clipping")
        if site is None:
            return []
        call = site.node
        q = self.m.resolve(call.func, site.scope) or ""
        by_value = "value" in q.rsplit(".", 1)[-1]
        kw = "clip_value" if by_value else "max_norm"
        value = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == kw), None)
        if value is None:
            return [f"gradient_clip_val=None,  # TODO: the clip value of line {call.lineno}"]
        text = self._expr(value, "main", site.scope, locals_, out)
        flags = [f"gradient_clip_val={text},  # replaces {ast.unparse(call.func)} (line {call.lineno})"]
        if by_value:
            flags.append('gradient_clip_algorithm="value",')
        return flags

    def _epochs(self, rng: ast.Call, out, locals_) -> str:
        scope = self.primary.scope
        args = rng.args
        if len(args) == 1:
            return self._expr(args[0], "main", scope, locals_, out)
        start, stop = args[0], args[1]
        if isinstance(start, ast.Constant) and start.value == 0:
            return self._expr(stop, "main", scope, locals_, out)
        if isinstance(start, ast.Constant) and start.value == 1 and isinstance(stop, ast.BinOp) \
                and isinstance(stop.op, ast.Add) and isinstance(stop.right, ast.Constant) \
                and stop.right.value == 1:
            return self._expr(stop.left, "main", scope, locals_, out)
        return (f"{self._expr(stop, 'main', scope, locals_, out)} - "
                f"{self._expr(start, 'main', scope, locals_, out)}")

    def _seed(self, out, locals_) -> Optional[str]:
        """``L.seed_everything(seed)`` for the script's seeding call; it runs before the
        model exists, so a seed taken from the settings is its default value."""
        for site, _via in adoption.context_sites(self.m, self.primary):
            if site.is_call and self.m.resolve(site.node.func, site.scope) in known.TORCH_SEEDERS:
                args = [self._expr(a, "main", site.scope, locals_, out) for a in site.node.args[:1]]
                if args and args[0].startswith("hparams."):
                    default = self.hparams.get(args[0][len("hparams."):])
                    args = [default if default not in (None, "None") else "0"]
                    out.todos.append(f"seed from your settings (the script used "
                                     f"`{ast.unparse(site.node.args[0])}`)")
                return f"L.seed_everything({', '.join(args)})"
        return None

    def _main_slice(self, out: _Method) -> List[str]:
        """Statements before the primary loop that build what main() needs."""
        needed = set(self.main_needed)
        collected: List[Tuple[ast.stmt, Scope]] = []
        node = self.primary.node
        scope = self.primary.scope
        seen_names: Set[str] = set()
        while True:
            parent = self.m.parent(node)
            if parent is None:
                break
            block = _block_holding(parent, node)
            if block is not None:
                before = block[:block.index(node)]
                for original in reversed(before):
                    if isinstance(original, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                                             ast.ClassDef, ast.AsyncFunctionDef)):
                        continue
                    stmt = _Prune(self, scope).prune(original)
                    if stmt is None:
                        continue
                    if (_binds(stmt) | _mutates(stmt)) & needed:
                        collected.append((stmt, scope))
                        needed = (needed - _binds(stmt)) | self._main_loads(stmt, scope, out)
            if isinstance(parent, FUNCTION_NODES) or isinstance(parent, ast.Module):
                break
            node = parent
        lines = []
        locals_: Set[str] = set()
        for stmt, sc in reversed(collected):
            text = self._emit(stmt, "main", sc, locals_, out)
            if text:
                lines += text.splitlines()
            locals_ |= _binds(stmt)
            seen_names |= _binds(stmt)
        missing = sorted(self.main_needed - seen_names)
        for name in missing:
            out.todos.append(f"define `{name}` (the script built it where torchlint cannot move it)")
        return lines

    def _main_loads(self, stmt: ast.stmt, scope: Scope, out: _Method) -> Set[str]:
        """Names ``stmt`` needs once translated for main(): locals to slice in too."""
        before = set(self.main_needed)
        self._emit(stmt, "main", scope, set(), _Method())
        new = self.main_needed - before
        return new | {n for n in _loads(stmt) if self.classify(n, scope).kind == "local"}

    # -------------------------------------------------------------------- init
    def _init(self) -> _Method:
        out = _Method()
        out.lines.append("super().__init__()")
        if self.hparams:
            out.lines.append("self.save_hyperparameters()")
        done: Set[str] = set()
        pending = sorted(self.modules, key=lambda a: a != self.main_model)
        while pending:
            attr = pending.pop(0)
            if attr in done:
                continue
            done.add(attr)
            value, scope = self.modules[attr]
            text = self._expr(value, "init", scope, set(), out)
            out.lines.append(f"self.{attr} = {text}")
            pending += [a for a in self.modules if a not in done and a not in pending]
        out.todos = self.module_todos + out.todos
        return out

    @property
    def main_model(self) -> Optional[str]:
        """The module whose parameters the optimizer trains, else the first one used."""
        if self._main_attr in self.modules:
            return self._main_attr
        for attr in self.modules:
            return attr
        return None

    @property
    def class_name(self) -> str:
        attr = self.main_model
        if attr is None:
            return "LitModel"
        value, scope = self.modules[attr]
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in known.SELF_RETURNING_METHODS:
            value = value.func.value  # Net().to(device)
        if isinstance(value, ast.Call) and self.m.class_for(value.func, scope) is not None:
            return f"Lit{value.func.id}"
        return "LitModel"

    # --------------------------------------------------------------- assembly
    def _assemble(self, init, training, validation, optimizers, main) -> str:
        params = ["self"] + [f"{k}={v if v is not None else 'None'}" for k, v in self.hparams.items()]
        signature = f"__init__({', '.join(params)})"
        if len(signature) > 80:
            signature = "__init__(\n" + "".join(f"{INDENT * 2}{p},\n" for p in params) + INDENT + ")"
        cls_lines = [f"class {self.class_name}(L.LightningModule):"]
        cls_lines += _method(signature, init)
        if self.main_model is not None:
            cls_lines += [""] + _method("forward(self, *args, **kwargs)", _Method(
                [f"return self.{self.main_model}(*args, **kwargs)"]))
        cls_lines += [""] + _method("training_step(self, batch, batch_idx)", training)
        if validation is not None:
            cls_lines += [""] + _method("validation_step(self, batch, batch_idx)", validation)
        cls_lines += [""] + _method("configure_optimizers(self)", optimizers)
        main_lines = _method("main()", main, indent="")
        body = "\n".join(cls_lines) + "\n\n\n" + "\n".join(main_lines) + "\n\n\n" + \
            'if __name__ == "__main__":\n    main()\n'
        used = _used_names(body)
        globals_text = self._globals(used)
        used |= _used_names(globals_text)
        imports = self._imports(used)
        concerns = adoption.describe(self.concerns)
        loop_line = self.primary.node.lineno
        header = [
            f'"""Lightning version of the training loop at {self.filename}:{loop_line}.',
            "",
            f"Generated by `torchlint lightning {self.filename}` (static: nothing was run).",
            f"The Trainer now does what the loop did by hand: {concerns}.",
            "Review every TODO before relying on it.",
            '"""',
        ]
        if self.others:
            header.append("# TODO: the file has more training loops (lines "
                          + ", ".join(map(str, self.others)) + "); this is the first")
        parts = ["\n".join(header), "\n".join(imports)]
        if globals_text:
            parts.append(globals_text)
        return "\n\n\n".join(parts) + "\n\n\n" + body

    def _globals(self, used: Set[str]) -> str:
        """Module-level definitions the skeleton refers to, verbatim, transitively, in file
        order (functions and classes by name; assignments the translation kept global)."""
        defs: Dict[str, List[ast.stmt]] = {}
        for stmt in self.m.tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs.setdefault(stmt.name, []).append(stmt)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                for name in _binds(stmt):
                    defs.setdefault(name, []).append(stmt)
        todo = [n for n in self.globals if n in defs]
        wanted: Set[int] = set()
        seen: Set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for stmt in defs.get(name, ()):
                if self.primary.function is None and stmt.lineno > self.primary.node.lineno:
                    continue
                wanted.add(id(stmt))
                todo += [n for n in _loads(stmt, deep=True) if n in defs]
        chunks = []
        for stmt in self.m.tree.body:
            if id(stmt) in wanted:
                start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
                chunks.append("\n".join(self.lines[start - 1:stmt.end_lineno]))
        return "\n\n\n".join(chunks)

    def _imports(self, used: Set[str]) -> List[str]:
        out: List[str] = []
        bound: Set[str] = set()
        for stmt in [s for s in self.m.tree.body if isinstance(s, (ast.Import, ast.ImportFrom))] \
                + self.hoisted:
            names = [a for a in stmt.names if (a.asname or a.name.split(".")[0]) in used]
            if not names:
                continue
            if len(names) == len(stmt.names) and not stmt.col_offset:
                text = "\n".join(self.lines[stmt.lineno - 1:stmt.end_lineno]).strip()
            else:
                fields = {f: getattr(stmt, f) for f in stmt._fields}
                fields["names"] = names
                text = ast.unparse(type(stmt)(**fields))
            if text not in out:
                out.append(text)
                bound |= {a.asname or a.name.split(".")[0] for a in names}
        import_l, import_cb = PACKAGES[self.package]
        if "torch" in used and "torch" not in bound:
            out.insert(0, "import torch")
        out.append(import_l)
        if "ModelCheckpoint" in used:
            out.append(import_cb)
        return out

    # --------------------------------------------------------------- emission
    def _emit(self, stmt: ast.stmt, ctx: str, scope: Scope, locals_: Set[str], out: _Method) -> str:
        if self._selects_device(stmt, scope):
            return ""
        inner = _binds_inside(stmt)  # for-targets, comprehension variables: local to the statement
        new = _Translator(self, ctx, scope, locals_ | inner, out).visit(copy.deepcopy(stmt))
        new = _Cleanup(self, scope).visit(ast.fix_missing_locations(new))
        if new is None or _is_trivial(new):
            return ""
        return ast.unparse(ast.fix_missing_locations(new))

    def _selects_device(self, stmt: ast.AST, scope: Scope) -> bool:
        """``torch.cuda.set_device(i)``: the Trainer picks devices."""
        return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and self.m.resolve(stmt.value.func, scope) in known.DEVICE_SELECTION

    def _expr(self, expr: ast.expr, ctx: str, scope: Scope, locals_: Set[str], out: _Method) -> str:
        new = _Translator(self, ctx, scope, locals_, out).visit(copy.deepcopy(expr))
        return ast.unparse(ast.fix_missing_locations(new))

    def _scope_of_node(self, node: ast.AST) -> Scope:
        while node is not None and not isinstance(node, FUNCTION_NODES):
            node = self.m.parent(node)
        return self.m.scope_of(node) if node is not None else self.m.module_scope

    # ---------------------------------------------------------- classification
    def classify(self, name: str, scope: Scope) -> _Class:
        key = (name, id(scope))
        if key not in self._classes:
            self._classes[key] = _Class("unknown", name)  # cycle guard
            self._classes[key] = self._classify(name, scope)
        return self._classes[key]

    def classify_through(self, name: str, scope: Scope) -> _Class:
        """:meth:`classify`, following parameters to the plain names passed for them."""
        c = self.classify(name, scope)
        for _ in range(8):
            if c.kind != "expr" or not isinstance(c.value, ast.Name):
                break
            c = self.classify(c.value.id, c.scope)
        return c

    def _classify(self, name: str, scope: Scope) -> _Class:  # noqa: C901
        m = self.m
        bindings = m.lookup(name, scope)
        if bindings is None:
            return _Class("global" if name in _BUILTINS else "unknown", name)
        first = bindings[0]
        if first.kind in ("function", "class") or (
                first.kind == "import" and first.scope is m.module_scope):
            return _Class("global", name)
        if first.kind == "import":
            return _Class("import", name, node=first.node)
        if self.primary.node is not None and isinstance(self.primary.node, ast.For) \
                and isinstance(self.primary.node.target, ast.Name) \
                and self.primary.node.target.id == name and self.primary.node is not self.batch_loop \
                and first.scope is self.primary.scope:
            return _Class("epoch", name)
        arg = next((b for b in bindings if b.kind == "argument"), None)
        if arg is not None:
            return self._classify_parameter(name, arg)
        assigns = [b for b in bindings if b.kind == "assign" and b.value is not None]
        if not assigns:
            return self._local_or_unknown(name, first)
        kinds = set()
        for b in assigns:
            kinds |= m.binding_kinds(b)
        module_level = first.scope is m.module_scope and self.primary.function is not None
        value = assigns[0].value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in ("parse_args", "parse_known_args"):
            return _Class("namespace", name)
        if kinds & {"optimizer", "scheduler", "grad_scaler", "dataloader", "sampler"}:
            b = assigns[0]
            return _Class("special", name, b.value, b.scope, extra=sorted(kinds)[0])
        if "module" in kinds and "lightning" not in kinds:
            built = [b for b in assigns if not _wraps(b.value, name)]
            if not built:
                return _Class("unknown", name)
            if len({ast.unparse(b.value) for b in built}) > 1:
                lines = ", ".join(str(b.node.lineno) for b in built)
                todo = f"the script builds `{name}` in several ways (lines {lines}); this is the first"
                if todo not in self.module_todos:
                    self.module_todos.append(todo)
            return _Class("module", name, built[0].value, built[0].scope)
        if "device" in kinds or name in adoption.DEVICE_NAMES or name.endswith("_device"):
            return _Class("device", name)
        if module_level:
            return _Class("global", name)
        if len(assigns) == 1:
            value = assigns[0].value
            if isinstance(value, (ast.Name, ast.Attribute)) and m.resolve(value, assigns[0].scope):
                return _Class("expr", name, value, assigns[0].scope)
            if _is_constant(value):
                return _Class("hparam", name, value)
        return self._local_or_unknown(name, first)

    def _local_or_unknown(self, name: str, first) -> _Class:
        """A value built in the primary loop's own function (or script) is sliced into main()."""
        home = self.primary.function.scope if self.primary.function is not None \
            else self.m.module_scope
        return _Class("local" if first.scope is home else "unknown", name, scope=first.scope)

    def _classify_parameter(self, name: str, arg) -> _Class:
        fn_node = arg.scope.node
        site = self.callsite_for.get(id(fn_node))
        fn = self.m.functions.get(fn_node)
        if site is None and fn is not None:
            for caller in self.m.callers(fn):
                if self.m.function_for(caller.node.func, caller.scope) is fn:
                    site = caller
                    break
        if site is not None and fn is not None:
            value = _argument_for(fn, site.node, name)
            if value is not None:
                return _Class("expr", name, value, site.scope)
        default = _default_for(fn_node, name)
        if default is not None and _is_constant(default):
            return _Class("hparam", name, default)
        if name in adoption.DEVICE_NAMES or name.endswith("_device"):
            return _Class("device", name)
        if name in ("args", "opt", "opts", "config", "cfg", "hparams", "flags"):
            return _Class("namespace", name)
        return _Class("unknown", name)

    def hparam(self, name: str, default: Optional[ast.expr]) -> None:
        text = ast.unparse(default) if default is not None and _is_constant(default) else None
        if name not in self.hparams or self.hparams[name] is None:
            self.hparams[name] = text
        if default is None and name in self.argparse:
            self.hparams[name] = self.argparse[name]


class _Translator(ast.NodeTransformer):
    """Rewrites one statement or expression for where it lands: ``init`` (__init__),
    ``step`` (training/validation_step), ``opt`` (configure_optimizers), ``main``."""

    def __init__(self, gen: _Generator, ctx: str, scope: Scope, locals_: Set[str], out: _Method):
        self.g = gen
        self.ctx = ctx
        self.scope = scope
        self.locals = locals_
        self.out = out

    def _sub(self, expr: ast.expr, scope: Scope) -> ast.expr:
        return _Translator(self.g, self.ctx, scope, self.locals, self.out).visit(copy.deepcopy(expr))

    def visit_Call(self, node: ast.Call):
        m = self.g.m
        if adoption.is_device_move(m, node, self.scope):
            recv = node.func.value
            dtype = [a for a in node.args[1:2]] + [k for k in node.keywords if k.arg == "dtype"]
            if self.ctx == "step" and not (isinstance(recv, ast.Name) and recv.id in self.locals):
                moved = ast.Call(ast.Attribute(self.visit(recv), "to", ast.Load()),
                                 [_self_attr("device")], [])
                return moved
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
        m = self.g.m
        for k in list(call.keywords):
            if k.arg != "sampler" or not isinstance(k.value, ast.Name):
                continue
            bindings = m.lookup(k.value.id, self.scope) or []
            samplers = [b.value for b in bindings if isinstance(b.value, ast.Call)
                        and m.resolve(b.value.func, b.scope) in known.DISTRIBUTED_SAMPLERS]
            if not samplers:
                continue
            call.keywords.remove(k)  # Lightning puts a DistributedSampler in itself
            shuffle = next((kw.value for kw in samplers[0].keywords if kw.arg == "shuffle"),
                           ast.Constant(True))
            given = [kw for kw in call.keywords if kw.arg == "shuffle"]
            if not given:
                call.keywords.append(ast.keyword("shuffle", copy.deepcopy(shuffle)))
            elif k.value.id in _loads(given[0].value):  # shuffle=(sampler is None)
                given[0].value = copy.deepcopy(shuffle)

    def visit_Attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load) \
                and node.value.id not in self.locals:
            c = self.g.classify_through(node.value.id, self.scope)
            if c.kind == "namespace":
                self.g.hparam(node.attr, None)
                return self._hparam_ref(node.attr)
            if c.kind == "module" and node.attr == "module":  # DDP(model).module
                return self.visit(node.value)
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name):  # noqa: C901
        if not isinstance(node.ctx, ast.Load) or node.id in self.locals:
            return node
        g = self.g
        c = g.classify(node.id, self.scope)
        kind = c.kind
        if kind == "global":
            g.globals.add(node.id)
            return node
        if kind == "import":
            if c.node not in g.hoisted:
                g.hoisted.append(c.node)
            return node
        if kind == "expr":
            return self._sub(c.value, c.scope)
        if kind == "module":
            if node.id not in g.modules:
                g.modules[node.id] = (c.value, c.scope)
            if self.ctx == "main":
                self.out.todos.append(f"`{node.id}` is the model's; use model.{node.id}")
                return ast.Attribute(ast.Name("model", ast.Load()), node.id, ast.Load())
            return _self_attr(node.id)
        if kind == "device":
            if self.ctx in ("step", "init", "opt"):
                return _self_attr("device")
            g.uses_device_in_main = True
            return node
        if kind == "hparam":
            g.hparam(node.id, c.value)
            return self._hparam_ref(node.id)
        if kind == "epoch":
            return _self_attr("current_epoch") if self.ctx != "main" else node
        if kind == "special" and self.ctx == "main" and c.extra in ("dataloader", "sampler"):
            g.main_needed.add(node.id)  # built before the loop: sliced into main()
            return node
        if kind == "special":
            if self.ctx == "opt" and c.extra == "optimizer":
                return ast.Name("optimizer", ast.Load())
            self.out.todos.append(f"`{node.id}` ({c.extra}) has no place here; the Trainer owns it")
            return node
        if kind == "local" and self.ctx == "main":
            g.main_needed.add(node.id)
            return node
        if kind == "namespace":
            self.out.todos.append(f"`{node.id}` is the script's settings object; pass what is needed")
            return node
        line = getattr(node, "lineno", "?")
        todo = f"define `{node.id}` (line {line} of the script; torchlint could not move it)"
        if todo not in self.out.todos:
            self.out.todos.append(todo)
        return node

    def _hparam_ref(self, name: str) -> ast.expr:
        if self.ctx == "init":
            return ast.Name(name, ast.Load())
        if self.ctx == "main":
            self.g._hparams_in_main = True
            return ast.Attribute(ast.Name("hparams", ast.Load()), name, ast.Load())
        return ast.Attribute(_self_attr("hparams"), name, ast.Load())


class _Prune(ast.NodeTransformer):
    """Before slicing: drop what only moves things between devices: ``x = x.to(device)``,
    ``x, y = x.cuda(), y.cuda()``, ``model.to(device)``, ``torch.cuda.set_device(i)``,
    and the blocks this leaves empty (``if use_cuda: x = x.cuda()``)."""

    def __init__(self, gen: _Generator, scope: Scope):
        self.g = gen
        self.scope = scope

    def _is_move(self, value: ast.expr, target: ast.expr) -> bool:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            return len(target.elts) == len(value.elts) and all(
                self._is_move(v, t) for v, t in zip(value.elts, target.elts))
        return isinstance(value, ast.Call) and adoption.is_device_move(self.g.m, value, self.scope) \
            and ast.unparse(value.func.value) == ast.unparse(target)

    def _useless(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            return self._is_move(stmt.value, stmt.targets[0])
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return adoption.is_device_move(self.g.m, stmt.value, self.scope) \
                or self.g._selects_device(stmt, self.scope)
        return False

    def prune(self, stmt: ast.stmt) -> Optional[ast.stmt]:
        if self._useless(stmt):
            return None
        return self.visit(copy.deepcopy(stmt))

    def generic_visit(self, node):
        for fname in ("body", "orelse", "finalbody"):
            block = getattr(node, fname, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, fname, [n for n in (self.visit(s) for s in block
                                                  if not self._useless(s)) if n is not None])
        if isinstance(node, (ast.If, ast.With, ast.For, ast.While)) and not node.body:
            if isinstance(node, ast.If) and node.orelse:
                node.test = ast.UnaryOp(ast.Not(), node.test)
                node.body, node.orelse = node.orelse, []
            else:
                return None
        return node


class _Cleanup(ast.NodeTransformer):
    """After translation: statements that became no-ops (``x = x`` once a device move is
    stripped, ``torch.cuda.set_device(...)``) go, and so do blocks left empty."""

    def __init__(self, gen: _Generator, scope: Scope):
        self.g = gen
        self.scope = scope

    def _block(self, stmts):
        out = []
        for stmt in stmts:
            if _is_trivial(stmt) or self.g._selects_device(stmt, self.scope):
                continue
            new = self.visit(stmt)
            if new is not None:
                out.append(new)
        return out

    def generic_visit(self, node):
        for fname in ("body", "orelse", "finalbody"):
            block = getattr(node, fname, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, fname, self._block(block))
        if isinstance(node, (ast.If, ast.With, ast.For, ast.While)) and not node.body:
            if isinstance(node, ast.If) and node.orelse:
                node.test = ast.UnaryOp(ast.Not(), node.test)
                node.body, node.orelse = node.orelse, []
            else:
                return None
        return node


# ------------------------------------------------------------------- helpers
def _self_attr(name: str) -> ast.expr:
    return ast.Attribute(ast.Name("self", ast.Load()), name, ast.Load())


def _method(signature: str, method: _Method, indent: str = INDENT) -> List[str]:
    lines = [f"{indent}def {signature}:"]
    for todo in method.todos:
        lines.append(f"{indent}{INDENT}# TODO: {todo}")
    body = method.lines or ["pass"]
    lines += [f"{indent}{INDENT}{line}" if line else "" for line in body]
    return lines


def _unpack_loop(loop) -> Tuple[Optional[ast.expr], Optional[str], Optional[ast.expr]]:
    """(batch target, index name, data iterable) of ``for i, (x, y) in enumerate(loader)``."""
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return None, None, None
    target, it, index = loop.target, loop.iter, None
    for _ in range(3):
        if not (isinstance(it, ast.Call) and it.args):
            break
        name = ast.unparse(it.func).split(".")[-1]
        if name not in _ITER_WRAPPERS:
            break
        if name == "enumerate" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
            first = target.elts[0]
            index = first.id if isinstance(first, ast.Name) else None
            target = target.elts[1]
        it = it.args[0]
    return target, index, it


def _is_range(expr) -> bool:
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "range"


def _target_names(target) -> Set[str]:
    if target is None:
        return set()
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _flatten(m: SemanticModel, stmts, scope):
    """Statements, with ``with autocast(...)`` / ``with torch.no_grad()`` bodies inlined."""
    for stmt in stmts:
        if isinstance(stmt, ast.With) and all(
                m.resolve(item.context_expr.func if isinstance(item.context_expr, ast.Call)
                          else item.context_expr, scope) in known.AUTOCAST_CONTEXTS | known.NO_GRAD_CONTEXTS
                for item in stmt.items):
            yield from _flatten(m, stmt.body, scope)
        else:
            yield stmt


def _index_of(block: List[ast.stmt], node: ast.AST) -> Optional[int]:
    for i, stmt in enumerate(block):
        if any(n is node for n in ast.walk(stmt)):
            return i
    return None


def _loss_expr(m: SemanticModel, call: ast.Call, scope: Scope) -> ast.expr:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "backward":
        recv = func.value
        if call.args and not isinstance(recv, ast.Call):  # accelerator.backward(loss)
            if m.resolve(recv, scope) is None and "grad_scaler" not in m.kinds(recv, scope) \
                    and not _looks_like_tensor(recv):
                return call.args[0]
        if isinstance(recv, ast.Call) and isinstance(recv.func, ast.Attribute) \
                and recv.func.attr == "scale" and recv.args:
            return recv.args[0]  # scaler.scale(loss).backward()
        return recv
    return call.args[0] if call.args else ast.Name("loss", ast.Load())


def _looks_like_tensor(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Name) and "loss" in expr.id.lower()


def _binds(stmt: ast.AST) -> Set[str]:
    out = set()
    for node in _walk_local(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
    return out


# Methods called as statements that do not build anything a later statement reads
# (training bookkeeping the Trainer takes over, mode switches, device moves).
_NOT_MUTATIONS = frozenset({"zero_grad", "step", "backward", "train", "eval", "to", "cuda", "cpu",
                            "unscale_", "update_scale", "set_epoch", "print", "info", "debug"})


def _binds_inside(stmt: ast.AST) -> Set[str]:
    """Names a compound statement binds for its own body: ``for`` targets, ``with ... as``,
    comprehension variables, ``except ... as``."""
    out: Set[str] = set()
    for node in _walk_local(stmt):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            out |= _target_names(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            out |= _target_names(node.optional_vars)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
    return out


def _mutates(stmt: ast.AST) -> Set[str]:
    """Names changed in place: ``x.update(...)``, ``x[k] = v``, ``x.attr = v``."""
    out = set()
    for node in _walk_local(stmt):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute) \
                and node.value.func.attr not in _NOT_MUTATIONS \
                and isinstance(node.value.func.value, ast.Name):
            out.add(node.value.func.value.id)
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name):
            out.add(node.value.id)
    return out


def _loads(node: ast.AST, deep: bool = False) -> Set[str]:
    walker = ast.walk(node) if deep else _walk_local(node)
    return {n.id for n in walker if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _unscale(stmt: ast.stmt, loss: ast.expr, k: ast.expr) -> ast.stmt:
    """``loss = criterion(...) / k`` -> ``loss = criterion(...)``: Lightning divides by
    ``accumulate_grad_batches`` itself."""
    if isinstance(loss, ast.Name) and isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == loss.id \
            and isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.Div) \
            and ast.unparse(stmt.value.right) == ast.unparse(k):
        stmt.value = stmt.value.left
    return stmt


def _loads_all(stmts) -> Set[str]:
    out: Set[str] = set()
    for stmt in stmts:
        out |= _loads(stmt)
    return out


def _walk_local(node: ast.AST):
    """ast.walk that does not enter nested functions, classes or lambdas."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            todo.append(child)


def _is_constant(expr: Optional[ast.expr]) -> bool:
    if expr is None:
        return False
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.UnaryOp):
        return _is_constant(expr.operand)
    if isinstance(expr, ast.BinOp):
        return _is_constant(expr.left) and _is_constant(expr.right)
    if isinstance(expr, (ast.Tuple, ast.List)):
        return all(_is_constant(e) for e in expr.elts)
    return False


def _wraps(value: ast.expr, name: str) -> bool:
    """``DDP(model)``, ``model.to(device)``, ``torch.compile(model)``: a re-binding of ``name``."""
    if isinstance(value, ast.Call):
        if isinstance(value.func, ast.Attribute) and _root_name(value.func.value) == name:
            return True
        return any(_root_name(a) == name for a in value.args)
    return False


def _root_name(expr) -> Optional[str]:
    while isinstance(expr, (ast.Attribute, ast.Call)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _is_trivial(stmt: ast.AST) -> bool:
    """``x = x`` / ``x, y = x, y`` (a device move that was stripped), or a bare name."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return ast.unparse(stmt.targets[0]) == ast.unparse(stmt.value)
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Name, ast.Attribute))


def _call_text(expr: ast.expr) -> Optional[str]:
    return ast.unparse(expr.func) if isinstance(expr, ast.Call) else None


def _callee_text(kept: List[ast.stmt], loss: ast.expr) -> Optional[str]:
    """The callable that computed the training loss (``criterion``, ``F.nll_loss``)."""
    if isinstance(loss, ast.Call):
        return _call_text(loss)
    if isinstance(loss, ast.Name):
        for stmt in reversed(kept):
            if isinstance(stmt, ast.Assign) and loss.id in _binds(stmt):
                return _call_text(stmt.value)
    return None


def _argument_for(fn: FunctionInfo, call: ast.Call, name: str) -> Optional[ast.expr]:
    args = fn.node.args
    params = [a.arg for a in args.posonlyargs + args.args]
    if fn.cls is not None and params and params[0] in ("self", "cls"):
        params = params[1:]
    for k in call.keywords:
        if k.arg == name:
            return k.value
    if name in params:
        i = params.index(name)
        if i < len(call.args) and not isinstance(call.args[i], ast.Starred):
            return call.args[i]
    return None


def _default_for(fn_node: ast.AST, name: str) -> Optional[ast.expr]:
    args = getattr(fn_node, "args", None)
    if args is None:
        return None
    positional = args.posonlyargs + args.args
    for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        if a.arg == name:
            return d
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if a.arg == name and d is not None:
            return d
    return None


def _argparse_defaults(m: SemanticModel) -> Dict[str, str]:
    """dest -> default source text of every ``X.add_argument(...)`` in the file."""
    out = {}
    for site in m.sites:
        call = site.node
        if not (site.is_call and isinstance(call.func, ast.Attribute)
                and call.func.attr == "add_argument"):
            continue
        flags = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        dest = kw["dest"].value if isinstance(kw.get("dest"), ast.Constant) else None
        if dest is None:
            longs = [f for f in flags if f.startswith("--")]
            chosen = longs[0] if longs else (flags[0] if flags else "")
            dest = chosen.lstrip("-").replace("-", "_")
        if not dest.isidentifier():
            continue
        default = kw.get("default")
        action = kw.get("action")
        if default is not None and _is_constant(default):
            out[dest] = ast.unparse(default)
        elif isinstance(action, ast.Constant) and action.value == "store_true":
            out[dest] = "False"
        elif isinstance(action, ast.Constant) and action.value == "store_false":
            out[dest] = "True"
        elif default is None:
            out[dest] = "None"
    return out


def _block_holding(parent: ast.AST, child: ast.AST) -> Optional[List[ast.stmt]]:
    for fname in ("body", "orelse", "finalbody"):
        block = getattr(parent, fname, None)
        if isinstance(block, list) and any(s is child for s in block):
            return block
    for handler in getattr(parent, "handlers", []) or []:
        if any(s is child for s in handler.body):
            return handler.body
    return None


def _used_names(text: str) -> Set[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:  # pragma: no cover - the generator emits valid code
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


# ------------------------------------------------------------------------- CLI
def add_subcommand(sub) -> None:
    """``torchlint lightning FILE``: registered on the CLI's subparsers."""
    p = sub.add_parser("lightning", help="print a LightningModule + Trainer skeleton derived from "
                                         "FILE's hand-written training loop (FILE is not run)")
    p.add_argument("file", metavar="FILE", help="a training script")
    p.add_argument("--package", choices=("auto",) + tuple(PACKAGES), default="auto",
                   help="import `lightning` or `pytorch_lightning` (default: whichever is "
                        "installed, `lightning` if neither)")
    p.add_argument("--loop", type=int, metavar="LINE",
                   help="the line of the training loop to convert (default: the first)")
    p.add_argument("-o", "--output", metavar="PATH", help="write the skeleton there, not to stdout")
    p.set_defaults(func=_cli)


def _cli(args) -> int:
    import sys

    package = detect_package() if args.package == "auto" else args.package
    try:
        with open(args.file, encoding="utf-8") as fh:
            source = fh.read()
        text = generate(source, args.file, package, args.loop)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"torchlint lightning: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    except GenerationError as exc:
        print(f"torchlint lightning: {exc}", file=sys.stderr)
        return 1
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0
