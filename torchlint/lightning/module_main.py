"""The module path's ``main()`` and what the LightningModule script carries from the
original: the command line (whole), the seed, the data, the Trainer's flags, the
statements that change the model before training, the module-level definitions and
imports the new code uses, and the list of loop statements nothing carried.

Trainer flags describe the *default run*: a concern switched by a setting that is off
by default (``GradScaler(enabled=args.amp)``, ``if args.distributed:``) gives no flag,
only a TODO naming the setting; a script that is not distributed runs on one device
(``devices=1``: the Trainer would otherwise take every GPU and shard the data), and a
script that validated only after training gets ``num_sanity_val_steps=0``.
"""
from __future__ import annotations

import ast
import textwrap
from typing import Dict, List, Optional, Set, Tuple

from torchlint import known
from torchlint.facts import adoption
from torchlint.lightning import settings, statements
from torchlint.lightning.translate import INIT, MAIN, Prune, Section
from torchlint import syntax
from torchlint.semantic import FUNCTION_NODES, Scope

INDENT = "    "
_SETUP_METHODS = frozenset({"apply", "load_state_dict", "requires_grad_", "reset_parameters",
                            "tie_weights", "init_weights"})


class MainPlanner:
    def __init__(self, planner):
        self.p = planner
        self.m = planner.m
        self.t = planner.t
        self.primary = planner.primary

    def run(self) -> Section:
        out = Section()
        locals_: Set[str] = set()
        parser = self._command_line(out)
        self.p.parser_lines = parser
        fit = [f"train_dataloaders={self._loader(self.p.batch_iter, self.p.batch_scope, out, locals_)}"]
        if self.p.val_iter is not None:
            fit.append(f"val_dataloaders={self._loader(self.p.val_iter, self.p.val_scope, out, locals_)}")
        flags = self._trainer_flags(out, locals_)
        data = self._data(out)
        seed = self._seed(out, locals_)
        lines = list(parser)
        lines += seed
        if self.t.uses_device_in_main:
            lines.append('device = torch.device("cuda" if torch.cuda.is_available() else "cpu")'
                         "  # TODO: only for data loading; the Trainer places the model")
        model = [f"model = {self.p.out.class_name}({self._model_arguments()})"]
        if self.t.hparams_in_main:
            model.append("hparams = model.hparams")
        at = self._model_position(data)
        lines += [text for _line, text, _bound in data[:at]] + model
        lines += [text for _line, text, _bound in data[at:]]
        lines.append("trainer = L.Trainer(")
        lines += [INDENT + f for f in flags]
        lines.append(")")
        lines.append(f"trainer.fit(model, {', '.join(fit)})")
        out.lines = lines
        return out

    # ---------------------------------------------------------- command line
    def _command_line(self, out: Section) -> List[str]:
        """The statements that build and parse the command line, as written."""
        for scope in self._command_line_scopes():
            for name, bindings in scope.bindings.items():
                for b in bindings:
                    if b.kind != "assign" or not settings.is_namespace(
                            self.m, ast.Name(name, ast.Load()), scope):
                        continue
                    stmt = _statement(self.m, b.node)
                    self.t.namespace = name
                    value = getattr(stmt, "value", None)
                    if isinstance(value, ast.Subscript):
                        value = value.value
                    parses = isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr in ("parse_args", "parse_known_args")
                    chosen = [s for s in settings.parser_statements(self.m)
                              if _same_scope(self.m, s, stmt)] if parses else [stmt]
                    bound = {n for s in chosen for n in statements.binds(s)}
                    self.t.globals |= statements.loads_all(chosen) - bound
                    return [line for s in chosen for line in self._verbatim(s)]
        return []

    def _command_line_scopes(self) -> List[Scope]:
        """Where the command line may be parsed: the loop's function, the functions that
        call it (``main()`` parses, ``main_worker(args)`` trains), the module."""
        out, fn = [], self.primary.function
        for _ in range(3):
            if fn is None:
                break
            out.append(fn.scope)
            callers = self.m.callers(fn)
            fn = callers[0].function if callers else None
        return out + [self.m.module_scope]

    def _verbatim(self, stmt: ast.stmt) -> List[str]:
        text = "\n".join(self.p.lines[stmt.lineno - 1:stmt.end_lineno])
        return textwrap.dedent(text).splitlines()

    def _model_arguments(self) -> str:
        out = [f"{a}={a}" for a in self.t.init_args]
        ns = self.t.namespace
        if ns is not None:
            args = settings.arguments(self.m)
            out += [f"{h}={ns}.{h}" for h in self.t.hparams if h in args]
        return ", ".join(out)

    def _model_position(self, data) -> int:
        """Where the model is built among main()'s data statements: where the script
        built it (building it draws its initial weights from the RNG, and the data may
        too), after the statements that compute its __init__ arguments; right away when
        the data reads ``hparams``."""
        needs = set(self.t.init_args)
        last_needed = max((i + 1 for i, (_l, _t, bound) in enumerate(data) if bound & needs), default=0)
        if self.t.hparams_in_main:
            return last_needed
        main_model = self.p.main_model
        built = self.t.modules[main_model][0] if main_model in self.t.modules else None
        line = getattr(built, "lineno", None)
        before = max((i + 1 for i, (l, _t, _b) in enumerate(data) if line is not None and l < line),
                     default=0)
        return max(before, last_needed)

    # ---------------------------------------------------------------- data
    def _loader(self, expr: Optional[ast.expr], scope: Scope, out: Section, locals_) -> str:
        if expr is None:
            out.todo("the loop made its own batches; wrap them in a Dataset / DataLoader")
            return "None"
        text = self.t.expr(expr, MAIN, scope, locals_, out)
        if statements.is_range(expr):  # for step in range(n): the batches are made in the loop
            out.todo("the loop counted over a range and made its batches itself; move that into "
                     "a Dataset (this DataLoader only hands training_step the counter)")
            return f"torch.utils.data.DataLoader({text}, batch_size=None)"
        return text

    def _data(self, out: Section) -> List[Tuple[int, str, Set[str]]]:
        """Statements before the primary loop that build what main() needs."""
        needed = set(self.t.main_needed)
        collected: List[Tuple[ast.stmt, Scope]] = []
        node, scope = self.primary.node, self.primary.scope
        prune = self.p.t
        while True:
            parent = self.m.parent(node)
            if parent is None:
                break
            block = statements.block_holding(parent, node)
            if block is not None:
                for original in reversed(block[:block.index(node)]):
                    if isinstance(original, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                                             ast.ClassDef, ast.AsyncFunctionDef)):
                        continue
                    stmt = Prune(prune, scope).prune(original)
                    if stmt is None:
                        continue
                    if (statements.binds(stmt) | statements.mutates(stmt)) & needed:
                        collected.append((stmt, scope))
                        needed = (needed - statements.kills(stmt)) | self._loads(stmt, scope)
            if isinstance(parent, FUNCTION_NODES) or isinstance(parent, ast.Module):
                break
            node = parent
        lines: List[Tuple[int, str, Set[str]]] = []  # (script line, text, names bound)
        locals_: Set[str] = set()
        for stmt, sc in reversed(collected):
            text = self.t.emit(stmt, MAIN, sc, locals_, out)
            if text:
                lines += [(stmt.lineno, line, statements.binds(stmt)) for line in text.splitlines()]
            locals_ |= statements.binds(stmt)
        for name in sorted(self.t.main_needed - locals_):
            out.todo(f"define `{name}` (the script built it where torchlint cannot move it)")
        return lines

    def _loads(self, stmt: ast.stmt, scope: Scope) -> Set[str]:
        """Names ``stmt`` needs once translated for main(): locals to slice in too."""
        before = set(self.t.main_needed)
        self.t.emit(stmt, MAIN, scope, set(), Section())
        new = self.t.main_needed - before
        return new | {n for n in statements.loads(stmt)
                      if self.t.classify(n, scope).kind.value == "local"}

    # --------------------------------------------------------------- seed
    def _seed(self, out: Section, locals_) -> List[str]:
        """The script's seeding calls, as written, before the model (``torch.manual_seed``
        stays ``torch.manual_seed``: ``L.seed_everything`` would also reseed Python's
        ``random`` and NumPy, which the script may draw from with their own state), under
        the same test when the script seeded only sometimes (``if args.seed is not None:``),
        with that test's other statements (``cudnn.deterministic = True``)."""
        seeders = known.TORCH_SEEDERS | known.RANDOM_SEEDERS | known.NUMPY_SEEDERS | known.SEED_ALL
        lines: List[str] = []
        guards: Set[int] = set()
        for site, _via in adoption.context_sites(self.m, self.primary):
            if not (site.is_call and self.m.resolve(site.node.func, site.scope) in seeders):
                continue
            stmt = _statement(self.m, site.node)
            if not isinstance(stmt, ast.Expr) or stmt.value is not site.node:
                continue
            test = _guard(self.m, site.node)
            if test is None:
                lines.append(self.t.emit(stmt, MAIN, site.scope, locals_, out))
                continue
            guard = self.m.parent(stmt)
            if id(guard) in guards:
                continue
            guards.add(id(guard))
            lines.append(f"if {self.t.expr(test, MAIN, site.scope, locals_, out)}:")
            for sub in guard.body:
                trial = Section()
                text = self.t.emit(sub, MAIN, site.scope, set(locals_), trial)
                if text and not trial.todos:
                    lines += [INDENT + line for line in text.splitlines()]
                else:
                    out.todo(f"the script also ran `{ast.unparse(sub).splitlines()[0][:50]}` (line "
                             f"{sub.lineno}) when it seeded: carry it over")
        return lines

    # ------------------------------------------------------------- flags
    def _trainer_flags(self, out: Section, locals_) -> List[str]:
        flags = [self._epochs(out, locals_)]
        sites = adoption.concern_sites(self.m, self.primary, self.evs)
        ddp = [s for s in sites.get("ddp", []) if settings.runs_by_default(self.m, s.node, s.scope)
               and not _data_parallel(self.m, s)]  # surely in the default run; DP is one process
        if ddp:
            flags.append(f'strategy="ddp",  # replaces {self._where(ddp)}')
        else:
            flags.append("devices=1,")
            if sites.get("ddp"):
                out.todo(f"DDP is off by default ({self._where(sites['ddp'])}): pass "
                         f"strategy=\"ddp\" and devices= to the Trainer to turn it on")
        flags += self._precision(sites.get("amp", []), out)
        flags += self._clipping(out, locals_)
        accum = self.p.accum
        if accum is not None:
            k = self.t.expr(accum, MAIN, self.t.scope_of_stmt(_statement(self.m, accum)), locals_, out)
            flags.append(f"accumulate_grad_batches={k},  # replaces the `% {ast.unparse(accum)}` "
                         f"step condition (line {accum.lineno})")
        if sites.get("checkpoint"):
            flags.append(f"callbacks=[ModelCheckpoint()],  # replaces {self._where(sites['checkpoint'])}; "
                         f"set monitor= to keep the best")
        if sites.get("logging"):
            flags.append(f"logger=True,  # replaces {self._where(sites['logging'])}; self.log() writes "
                         f"to TensorBoard (or pass WandbLogger / MLFlowLogger)")
        if self.p.val_iter is not None:
            flags.append("num_sanity_val_steps=0,  # the script validated only after training")
        return flags

    @property
    def evs(self):
        return self.p.evs

    def _epochs(self, out: Section, locals_) -> str:
        main, batch = self.primary.node, self.p.batch_loop
        if batch is not None and main is not batch and isinstance(main, ast.For) \
                and statements.is_range(main.iter):
            return f"max_epochs={self._count(main.iter, out, locals_)},"
        if batch is not None and main is batch and isinstance(main, ast.For) \
                and statements.is_range(main.iter):
            steps = self.t.expr(main.iter.args[-1], MAIN, self.primary.scope, locals_, out)
            return f"max_steps={steps},"
        return "max_epochs=1,  # TODO: the number of epochs the loop ran"

    def _count(self, rng: ast.Call, out: Section, locals_) -> str:
        scope = self.primary.scope
        args = rng.args
        if len(args) == 1:
            return self.t.expr(args[0], MAIN, scope, locals_, out)
        start, stop = args[0], args[1]
        if isinstance(start, ast.Constant) and start.value == 0:
            return self.t.expr(stop, MAIN, scope, locals_, out)
        if isinstance(start, ast.Constant) and start.value == 1 and isinstance(stop, ast.BinOp) \
                and isinstance(stop.op, ast.Add) and isinstance(stop.right, ast.Constant) \
                and stop.right.value == 1:
            return self.t.expr(stop.left, MAIN, scope, locals_, out)
        return (f"{self.t.expr(stop, MAIN, scope, locals_, out)} - "
                f"{self.t.expr(start, MAIN, scope, locals_, out)}")

    def _where(self, sites) -> str:
        """``torch.amp.GradScaler (line 25), torch.autocast (line 30)``: what a flag replaces."""
        parts: List[str] = []
        for site in sorted(sites, key=lambda s: s.node.lineno):
            node = site.node
            text = ast.unparse(node.func) if isinstance(node, ast.Call) else ast.unparse(node)
            if not any(p.startswith(text + " ") for p in parts):
                parts.append(f"{text} (line {node.lineno})")
        return ", ".join(parts[:3])

    def _precision(self, sites, out: Section) -> List[str]:
        if not sites:
            return []
        on = [s for s in sites if settings.runs_by_default(self.m, s.node, s.scope) is not False
              and _enabled(self.m, s) is not False]
        bf16 = any(s.is_call and "bfloat16" in ast.unparse(k.value) for s in sites
                   for k in s.node.keywords if k.arg == "dtype")
        value = '"bf16-mixed"' if bf16 else '"16-mixed"'
        if not on:
            out.todo(f"AMP is off by default ({self._where(sites)}): pass precision={value} to the "
                     f"Trainer to turn it on")
            return []
        cuda_only = any(s.is_call and (self.m.resolve(s.node.func, s.scope) or "").startswith(
            "torch.cuda.") or any(isinstance(a, ast.Constant) and a.value == "cuda"
                                  for a in s.node.args[:1]) for s in sites)
        if cuda_only:
            value = f'{value} if torch.cuda.is_available() else "32-true"'
        return [f"precision={value},  # replaces {self._where(sites)}"]

    def _clipping(self, out: Section, locals_) -> List[str]:
        site = adoption.concerns(self.m, self.primary, self.evs).get("clipping")
        if site is None or settings.runs_by_default(self.m, site.node, site.scope) is False:
            return []
        call = site.node
        q = self.m.resolve(call.func, site.scope) or ""
        by_value = "value" in q.rsplit(".", 1)[-1]
        kw = "clip_value" if by_value else "max_norm"
        value = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == kw), None)
        if value is None:
            return [f"gradient_clip_val=None,  # TODO: the clip value of line {call.lineno}"]
        text = self.t.expr(value, MAIN, site.scope, locals_, out)
        flags = [f"gradient_clip_val={text},  # replaces {ast.unparse(call.func)} (line {call.lineno})"]
        if by_value:
            flags.append('gradient_clip_algorithm="value",')
        return flags


def _guard(m, node: ast.AST) -> Optional[ast.expr]:
    """The test of the ``if`` (without ``else``) a call runs under, in its function."""
    stmt = _statement(m, node)
    parent = m.parent(stmt) if stmt is not None else None
    if isinstance(parent, ast.If) and any(s is stmt for s in parent.body) and not parent.orelse \
            and not syntax.is_main_guard(parent.test):
        return parent.test
    return None


def _data_parallel(m, site) -> bool:
    """``nn.DataParallel(model)``: one process driving several GPUs, not DDP."""
    return site.is_call and m.resolve(site.node.func, site.scope) in (
        known.DATA_PARALLEL_CLASSES - known.DDP_CLASSES)


def _enabled(m, site) -> Optional[bool]:
    """The ``enabled=`` of a GradScaler / autocast in the default run (None: not known)."""
    if not site.is_call:
        return None
    for k in site.node.keywords:
        if k.arg == "enabled":
            value = settings.evaluate(m, k.value, site.scope)
            return None if value is settings.UNKNOWN else bool(value)
    return True


def _statement(m, node: ast.AST) -> Optional[ast.stmt]:
    while node is not None and not isinstance(node, ast.stmt):
        node = m.parent(node)
    return node


def _same_scope(m, a: ast.AST, b: ast.AST) -> bool:
    return statements.enclosing_function(m.parent, a) is statements.enclosing_function(m.parent, b)


# ------------------------------------------------------------ the model's setup
def module_setup(p, attr: str, scope: Scope, out: Section) -> List[str]:
    """Statements after a module's construction that change it before training
    (``netG.apply(weights_init)``, ``model.load_state_dict(...)``): into ``__init__``."""
    c = p.t.classify(attr, scope)
    if c.value is None:
        return []
    built = _statement(p.m, c.value)
    block = statements.block_holding(p.m.parent(built), built) if built is not None else None
    if block is None:
        return []
    lines = []
    for stmt in block[block.index(built) + 1:]:
        if stmt is p.primary.node or any(n is p.primary.node for n in ast.walk(stmt)):
            break
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                and call.func.attr in _SETUP_METHODS and statements.root_name(call.func.value) == attr:
            text = p.t.emit(stmt, INIT, scope, set(), out)
            if text:
                lines += text.splitlines()
    return lines


# ------------------------------------------------------------- carried code
def carry(p) -> None:
    """Module-level definitions the new code refers to (verbatim, transitively, in file
    order) and the imports it needs; a name bound only under the main guard is a TODO."""
    from torchlint.lightning import module_render

    out = p.out
    used = module_render.used_names(out)
    defs: Dict[str, List[ast.stmt]] = {}
    mutators: Dict[str, List[ast.stmt]] = {}  # module-level calls on a name: parser.add_argument
    guarded: Dict[str, ast.stmt] = {}
    for stmt in p.m.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs.setdefault(stmt.name, []).append(stmt)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            for name in statements.binds(stmt):
                defs.setdefault(name, []).append(stmt)
        elif isinstance(stmt, ast.If) and stmt in p.m.main_guards:
            for sub in stmt.body:
                for name in statements.binds(sub):
                    guarded.setdefault(name, sub)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Attribute):
            root = statements.root_name(stmt.value.func)  # parser.add_argument(...)
            if root is not None:
                mutators.setdefault(root, []).append(stmt)
    wanted: Set[int] = set()
    seen: Set[str] = set()
    todo = [n for n in p.t.globals if n in defs or n in guarded]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in defs and name in guarded:
            out.init.todo(f"`{name}` is bound under `if __name__ == \"__main__\":` (line "
                          f"{guarded[name].lineno}) in the script: define it where this code can see it")
            continue
        for stmt in defs.get(name, ()) + (mutators.get(name, []) if name in defs and any(
                isinstance(d, (ast.Assign, ast.AnnAssign)) for d in defs[name]) else []):
            if p.primary.function is None and stmt.lineno > p.primary.node.lineno:
                continue
            wanted.add(id(stmt))
            todo += [n for n in statements.loads(stmt, deep=True) if n in defs or n in guarded]
    out.carried = [s for s in p.m.tree.body if id(s) in wanted]
    out.imports = _imports(p, used | {n for s in out.carried for n in statements.loads(s, deep=True)})


def _imports(p, used: Set[str]) -> List[str]:
    out: List[str] = []
    bound: Set[str] = set()
    for stmt in [s for s in p.m.tree.body if isinstance(s, (ast.Import, ast.ImportFrom))] \
            + p.t.hoisted:
        names = [a for a in stmt.names if (a.asname or a.name.split(".")[0]) in used]
        if not names:
            continue
        if len(names) == len(stmt.names) and not stmt.col_offset:
            text = "\n".join(p.lines[stmt.lineno - 1:stmt.end_lineno]).strip()
        else:
            fields = {f: getattr(stmt, f) for f in stmt._fields}
            fields["names"] = names
            text = ast.unparse(type(stmt)(**fields))
        if text not in out:
            out.append(text)
            bound |= {a.asname or a.name.split(".")[0] for a in names}
    if "torch" in used and "torch" not in bound:
        out.insert(0, "import torch")
    return out
