"""Hyperparameter facts, shared by TL301 and TL302: optimizer constructions and
the learning rate each is given, the learning-rate *settings* a file declares
(argparse options, config classes and dicts, hparams, function parameters,
constants), and whether anything reads them.

A setting counts as *read* (:func:`is_read`) when code reads it the way its kind
is read, anywhere it could be: an argparse dest, config field or dict key as any
object's attribute or key (``args.lr``, ``cfg.lr``, ``config["lr"]``); hparams as
``hparams.lr`` / ``hparams["lr"]`` or the ``__init__`` parameter itself; a
parameter or local variable by name in its function (nested functions included);
a module-level variable by name anywhere. Coarse on purpose: it can only make
the rules quieter.
"""
from __future__ import annotations

import ast
import operator
from functools import lru_cache
from typing import List, NamedTuple, Optional, Sequence

from torchlint import known
from torchlint.facts import containers
from torchlint.semantic import ClassInfo, FunctionInfo, SemanticModel, Site, memoized
from torchlint.syntax import find_argument, source_segment, unparse

OPTIMIZER_BASES = frozenset({"torch.optim.Optimizer", "torch.optim.optimizer.Optimizer"})
# schedulers that set the learning rate themselves, whatever the optimizer was given
LR_OVERRIDING_SCHEDULERS = ("OneCycleLR", "CyclicLR")
LAMBDA_LR = "torch.optim.lr_scheduler.LambdaLR"
_SPLAT_HOLDERS = frozenset({"builtins.vars", "builtins.dict", "dataclasses.asdict", "attr.asdict",
                            "attrs.asdict", "omegaconf.OmegaConf.to_container"})
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv}
_Dict, _Call = ast.Dict, ast.Call  # tested by ``type(x) is``: parsed trees hold no subclasses


class OptimizerCall(NamedTuple):
    site: Site
    lr: Optional[ast.expr]  # the lr argument (keyword or positional), None when not given
    # the lr as written when it is a numeric literal (``0.01``, ``1e-3 * 4``), else None
    literal_lr: Optional[str] = None

    @property
    def name(self) -> str:
        """The optimizer as written: ``"optim.SGD"`` (for messages: made when asked)."""
        return unparse(self.site.node.func)


ARGPARSE, FIELD, KEY, VARIABLE, PARAMETER, HPARAMS = (
    "argparse", "field", "key", "variable", "parameter", "hparams")


class LrSetting(NamedTuple):
    kind: str  # ARGPARSE | FIELD | KEY | VARIABLE | PARAMETER | HPARAMS
    name: str  # the identifier code reads it by: argparse dest, field, key, parameter, constant
    label: str  # for messages: "--lr", "TrainConfig.lr", 'CONFIG["lr"]', "hparams lr"
    node: ast.AST  # where it is declared
    owner: Optional[FunctionInfo] = None  # parameters and locals: only calls in here ignore it
    owner_cls: Optional[ClassInfo] = None  # ``__init__`` parameters: calls in the class's methods


def literal_number(expr: ast.AST) -> Optional[float]:
    """The value of a numeric literal expression (``3e-4``, ``-1``, ``0.1 / 4``), else None."""
    if type(expr) is ast.Constant:
        v = expr.value
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if type(expr) is ast.UnaryOp and isinstance(expr.op, (ast.USub, ast.UAdd)):
        v = literal_number(expr.operand)
        return None if v is None else (-v if isinstance(expr.op, ast.USub) else v)
    if type(expr) is ast.BinOp and type(expr.op) in _OPS:
        left, right = literal_number(expr.left), literal_number(expr.right)
        if left is None or right is None:
            return None
        try:
            return float(_OPS[type(expr.op)](left, right))
        except (ZeroDivisionError, OverflowError):
            return None
    return None


# ---------------------------------------------------------------- optimizers
@memoized
def optimizer_calls(m: SemanticModel) -> List[OptimizerCall]:
    """Every optimizer constructor call (``torch.optim.*``, any class whose name ends in a
    known optimizer name, lr-taking ``torch.distributed.optim`` wrappers, same-file
    ``Optimizer`` subclasses) and, inside a LightningModule's ``configure_optimizers``,
    any unresolvable call given ``lr=`` (``getattr(torch.optim, name)(..., lr=0.1)``).
    Only calls that pass a learning rate (``lr=`` or a second positional argument)."""
    out = []
    for site in _optimizer_candidates(m):
        call = site.node
        if len(call.args) < 2 and not any(k.arg == "lr" for k in call.keywords):
            continue  # no learning rate given: nothing to say about it
        position = _lr_position(m, site)
        if position is False:
            continue
        lr = next((k.value for k in call.keywords if k.arg == "lr"), None)
        if lr is None and isinstance(position, int) and len(call.args) > position \
                and not any(isinstance(a, ast.Starred) for a in call.args[:position + 1]):
            lr = call.args[position]
        literal = None
        if lr is not None and literal_number(lr) is not None:
            literal = source_segment(m.lines, lr) or unparse(lr)
        out.append(OptimizerCall(site, lr, literal))
    return out


@memoized
def hard_coded_calls(m: SemanticModel) -> List[OptimizerCall]:
    """The optimizer calls TL301 and TL302 judge: given a literal lr, built outside tests,
    in a file that sets no learning rate after construction (:func:`lr_set_elsewhere`)."""
    calls = [c for c in optimizer_calls(m) if c.literal_lr is not None and not in_test(m, c.site)]
    return [] if not calls or lr_set_elsewhere(m) else calls


def _optimizer_candidates(m: SemanticModel) -> List[Site]:
    """The calls :func:`_lr_position` can take for an optimizer, in source order: those
    resolving to an optimizer (or lr-taking wrapper) class, those naming a same-file
    class, those inside a ``configure_optimizers`` (every other call it rejects)."""
    indexes = {i for q, found in m.called_names().items() if _lr_taking(q) for i in found}
    if _may_build_unresolved_optimizer(m):
        for i, site in enumerate(m.sites):
            if site.is_call and (site.function is not None and site.function.name == "configure_optimizers"
                                 or type(site.node.func) is ast.Name and site.node.func.id in m.class_names):
                indexes.add(i)
    return [m.sites[i] for i in sorted(indexes)]


def _may_build_unresolved_optimizer(m: SemanticModel) -> bool:
    """Can :func:`_lr_position` accept a call whose name resolves to no optimizer? Only
    one in a ``configure_optimizers``, or one naming a same-file optimizer class (kind
    or base): it rejects every other same-file class."""
    return "configure_optimizers" in m.function_names or any(
        "optimizer" in m.class_kinds(c) or m.base_names(c) & OPTIMIZER_BASES for c in m.classes.values())


def _lr_position(m: SemanticModel, site: Site):
    """The positional index of ``lr`` (None: keyword only); False: not an optimizer."""
    func = site.node.func
    q = m.resolve(func, site.scope)
    if q is not None:
        if not _lr_taking(q):
            return False
        if q in known.LR_TAKING_OPTIMIZER_WRAPPERS:
            return None
        # torch.optim.SGD(params, lr, ...) and lookalikes (transformers.AdamW, Lion, ...)
        return 1
    cls = m.class_for(func, site.scope)
    if cls is not None:
        if "optimizer" not in m.class_kinds(cls) and not (m.base_names(cls) & OPTIMIZER_BASES):
            return False
        init = m.method(cls, "__init__")
        if init is None:  # inherits a torch optimizer's (params, lr, ...)
            return 1
        params = [a.arg for a in init.node.args.posonlyargs + init.node.args.args][1:]
        return params.index("lr") if "lr" in params else None
    if m.function_for(func, site.scope) is not None or not _in_configure_optimizers(m, site):
        return False
    return None if any(k.arg == "lr" for k in site.node.keywords) else False


@lru_cache(maxsize=4096)  # a pure function of a name; names repeat across files
def _lr_taking(q: str) -> bool:
    """A qualified name of an optimizer class or of an lr-taking optimizer wrapper."""
    return q in known.LR_TAKING_OPTIMIZER_WRAPPERS or (
        not q.startswith("torch.optim.swa_utils.") and known.is_optimizer_class(q))


def _in_configure_optimizers(m: SemanticModel, site: Site) -> bool:
    f = site.function
    return (f is not None and f.name == "configure_optimizers" and f.cls is not None
            and m.is_lightning_module(f.cls))


def lr_replaced(m: SemanticModel, call: OptimizerCall) -> bool:
    """The constructor's literal lr is not the learning rate the run uses: the optimizer is
    restored from a checkpoint before any use, every parameter group it is given sets its
    own ``lr`` (``SGD(groups, 0, ...)``), or the literal is a base rate of 1 that a
    ``LambdaLR`` scales (``lambda s: args.lr * f(s)``: the lambda gives the learning rate,
    and passing a setting as lr too would square it)."""
    return (restored_from_checkpoint(m, call) or _groups_set_lr(m, call)
            or (literal_number(call.lr) == 1.0 and _scaled_by_lambda(m, call)))


def _groups_set_lr(m: SemanticModel, call: OptimizerCall) -> bool:
    """Every parameter group of the optimizer's ``params`` is a dict that sets ``lr``."""
    params = find_argument(call.site.node, 0, "params")
    groups = containers.element_values(m, params, call.site.scope) if params is not None else None
    if not groups:
        return False
    for group, gscope in groups:
        origins = m.origins(group, gscope)
        if not origins or not all(_dict_sets_lr(m, o, s) for o, s in origins):
            return False
    return True


def _dict_sets_lr(m: SemanticModel, value: ast.AST, scope) -> bool:
    if isinstance(value, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value == "lr" for k in value.keys)
    return (isinstance(value, ast.Call) and m.resolve(value.func, scope) == "builtins.dict"
            and any(k.arg == "lr" for k in value.keywords))


def _scaled_by_lambda(m: SemanticModel, call: OptimizerCall) -> bool:
    """A ``LambdaLR`` of the file is built on the optimizer this call makes."""
    for sched, sscope in _lambda_schedulers(m):
        optimizer = find_argument(sched, 0, "optimizer")
        if optimizer is not None and any(o is call.site.node for o, _s in m.origins(optimizer, sscope)):
            return True
    return False


@memoized
def _lambda_schedulers(m: SemanticModel) -> List[tuple]:
    """``LambdaLR(...)`` calls of the file, each with its scope."""
    return [(s.node, s.scope) for s in m.sites if s.is_call and isinstance(s.node.func, (
        ast.Name, ast.Attribute)) and m.resolve(s.node.func, s.scope) == LAMBDA_LR]


def restored_from_checkpoint(m: SemanticModel, call: OptimizerCall) -> bool:
    """``opt = SGD(..., lr=0.1)`` followed, unconditionally and before any other use of
    ``opt``, by ``opt.load_state_dict(...)``: the checkpoint's learning rate replaces the
    literal before it is ever used. "Unconditionally" is judged by indentation (the load
    starts in the column the assignment starts in), "before any use" by line: no call in
    the same scope between the two mentions ``opt``."""
    if not m.mentions("load_state_dict"):
        return False
    target = _assigned_to(m, call.site)
    if target is None:
        return False
    text = unparse(target)  # depth-guarded: deep generated expressions must not raise
    between = False
    for site in m.sites:
        if site.scope is not call.site.scope or not site.is_call or site.node is call.site.node:
            continue
        if site.node.lineno <= target.lineno:
            continue
        func = site.node.func
        if (isinstance(func, ast.Attribute) and func.attr == "load_state_dict"
                and unparse(func.value) == text and site.node.col_offset == target.col_offset):
            return not between
        mentions = [func.value] if isinstance(func, ast.Attribute) else []
        mentions += list(site.node.args) + [k.value for k in site.node.keywords]
        if any(unparse(e) == text for e in mentions):
            between = True
    return False


def _assigned_to(m: SemanticModel, site: Site) -> Optional[ast.expr]:
    """The name (or ``self.attr``) the call's value is assigned to, in its own scope."""
    for bindings in site.scope.bindings.values():
        for b in bindings:
            if b.kind == "assign" and b.value is site.node and isinstance(b.node, ast.Name):
                return b.node
    for attr, writes in m.attr_writes.items():
        for target, value, _scope in writes:
            if value is site.node:
                return target
    return None


def in_test(m: SemanticModel, site: Site) -> bool:
    """Built in a test module or a test function (RULES.md: optimizers built in tests)."""
    return m.is_test_module() or m.is_test_function(site.function)


@memoized
def lr_set_elsewhere(m: SemanticModel) -> bool:
    """The file replaces learning rates after construction (``group["lr"] = ...``) or
    builds a scheduler that sets them itself (OneCycleLR, CyclicLR): the constructor's
    lr is not the one the run uses."""
    if "lr" in m.keys_written:
        return True
    if not m.star_imports and not any(m.mentions(name) for name in LR_OVERRIDING_SCHEDULERS):
        return False  # such a scheduler's name is written in the file (or star-imported)
    for site in m.sites:
        if site.is_call:
            q = m.resolve(site.node.func, site.scope)
            if q is not None and q.startswith("torch.optim.") and q.endswith(LR_OVERRIDING_SCHEDULERS):
                return True
    return False


# ---------------------------------------------------------------- settings
def lr_settings(m: SemanticModel, names: Sequence[str]) -> List[LrSetting]:
    """Learning-rate settings the file declares, argparse options first."""
    return _lr_settings(m, frozenset(names))


@memoized
def _lr_settings(m: SemanticModel, wanted: frozenset) -> List[LrSetting]:
    return (_argparse_settings(m, wanted) + _class_field_settings(m, wanted)
            + _dict_settings(m, wanted) + _variable_settings(m, wanted)
            + _parameter_settings(m, wanted))


def _argparse_settings(m: SemanticModel, wanted) -> List[LrSetting]:
    # an ``X.add_argument`` call spells the name in the text (read as Python reads names,
    # m.text): no other file needs the scan of every call
    if not m.mentions("add_argument"):
        return []
    out = []
    for site in m.sites:
        if not (site.is_call and type(site.node.func) is ast.Attribute
                and site.node.func.attr == "add_argument"):
            continue
        call = site.node
        opts = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        dest = next((k.value.value for k in call.keywords if k.arg == "dest"
                     and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)), None)
        longs = [o for o in opts if o.startswith("--")]
        if dest is None and opts:
            dest = (longs[0] if longs else opts[0]).lstrip("-").replace("-", "_")
        if dest in wanted:
            out.append(LrSetting(ARGPARSE, dest, (longs or opts)[0], call))
    return out


def _class_field_settings(m: SemanticModel, wanted) -> List[LrSetting]:
    out = []
    for cls in m.classes.values():
        for stmt in cls.node.body:
            if type(stmt) is ast.AnnAssign and isinstance(stmt.target, ast.Name):
                target = stmt.target
            elif (type(stmt) is ast.Assign and len(stmt.targets) == 1
                  and isinstance(stmt.targets[0], ast.Name) and literal_number(stmt.value) is not None):
                target = stmt.targets[0]
            else:
                continue
            if target.id in wanted and not m.class_kinds(cls) & {"optimizer", "scheduler"}:
                out.append(LrSetting(FIELD, target.id, f"{cls.name}.{target.id}", stmt))
    return out


def _dict_settings(m: SemanticModel, wanted) -> List[LrSetting]:
    out = []
    for scope in m.scopes.values():
        for name, bindings in scope.bindings.items():
            for b in bindings:
                if b.kind == "assign" and _may_hold_keys(b.value):
                    out.extend(_dict_keys(m, b.value, scope, name, wanted))
    for cls in m.classes.values():
        for attr, values in cls.attrs.items():
            for v, scope in values:
                if _may_hold_keys(v):
                    out.extend(_dict_keys(m, v, scope, f"self.{attr}", wanted))
    return out


def _may_hold_keys(value) -> bool:
    """Only a dict literal with keys or a call given keywords can hold a setting:
    :func:`_dict_keys` finds no item in any other value."""
    return type(value) is _Dict and bool(value.keys) or type(value) is _Call and bool(value.keywords)


def _dict_keys(m: SemanticModel, value, scope, holder: str, wanted) -> List[LrSetting]:
    """``{"lr": ...}`` / ``dict(lr=...)`` config literals (nested dicts too, param groups not)."""
    out = []
    todo = [value]
    while todo:
        node = todo.pop()
        if type(node) is ast.Dict:
            keys = {k.value: v for k, v in zip(node.keys, node.values)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            items = keys.items()
        elif type(node) is ast.Call and node.keywords and m.resolve(node.func, scope) == "builtins.dict":
            items = [(k.arg, k.value) for k in node.keywords if k.arg]
            keys = dict(items)
        else:
            continue
        if "params" in keys:  # an optimizer parameter group, not a config
            continue
        for k, v in items:
            if k in wanted:
                out.append(LrSetting(KEY, k, f'{holder}["{k}"]', node))
            todo.append(v)
    return out


def _variable_settings(m: SemanticModel, wanted) -> List[LrSetting]:
    """``LR = 1e-3`` (module level, any case) and ``lr = 0.01`` / ``lr = float(os.environ
    .get("LR", ...))`` variables holding a number or an environment value."""
    out = []
    for scope in m.scopes.values():
        if scope.is_class:
            continue
        owner = m.functions.get(scope.node)
        if owner is not None and wanted.isdisjoint(scope.bindings):
            continue  # a function's variables match by their exact name
        for name, bindings in scope.bindings.items():
            if not (name in wanted or (owner is None and name.lower() in wanted)):
                continue
            for b in bindings:
                if b.kind != "assign" or b.value is None:
                    continue
                env = _environment_key(m, b.value, scope)
                if env is not None or literal_number(b.value) is not None:
                    label = f"{name} (${env})" if env else name
                    out.append(LrSetting(VARIABLE, name, label, b.node, owner=owner))
                    break
    return out


def _environment_key(m: SemanticModel, value: ast.AST, scope) -> Optional[str]:
    """``float(os.environ.get("LR", "0.1"))`` -> ``"LR"`` (``"?"`` for a computed key)."""
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            target = node.func.value if (isinstance(node.func, ast.Attribute)
                                         and node.func.attr == "get") else node.func
            if m.resolve(target, scope) in ("os.environ", "os.getenv"):
                key = node.args[0] if node.args else None
                return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else "?"
        elif isinstance(node, ast.Subscript) and m.resolve(node.value, scope) == "os.environ":
            key = node.slice
            return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else "?"
    return None


def _parameter_settings(m: SemanticModel, wanted) -> List[LrSetting]:
    """Parameters named like a learning rate: the function's own optimizers ignore them;
    an ``__init__`` parameter (``save_hyperparameters()`` hparams) is ignored by the
    optimizers the class's methods build."""
    out = []
    for f in m.functions.values():
        args = f.node.args
        for a in args.posonlyargs + args.args + args.kwonlyargs:
            if a.arg not in wanted or _trivial_body(f):
                continue
            init = f.cls if f.name == "__init__" else None
            if init is not None and _saves_hyperparameters(m, f):
                out.append(LrSetting(HPARAMS, a.arg, f"hparams {a.arg}", a, owner=f, owner_cls=init))
            else:
                out.append(LrSetting(PARAMETER, a.arg, f"parameter {a.arg} of {f.qualname}()", a,
                                     owner=f, owner_cls=init))
    return out


def _trivial_body(f: FunctionInfo) -> bool:
    """``pass`` / ``...`` / ``raise`` / a docstring only: an interface, not an implementation."""
    return all(isinstance(s, (ast.Pass, ast.Raise)) or (isinstance(s, ast.Expr) and isinstance(
        s.value, ast.Constant)) for s in f.node.body)


def _saves_hyperparameters(m: SemanticModel, f: FunctionInfo) -> bool:
    return any(s.is_call and isinstance(s.node.func, ast.Attribute)
               and s.node.func.attr == "save_hyperparameters" for s in f.sites)


def ignored_lr_setting(m: SemanticModel, call: OptimizerCall,
                       names: Sequence[str]) -> Optional[LrSetting]:
    """A declared learning-rate setting that nothing reads while ``call`` hard-codes its lr
    (RULES.md TL302), or None. Quiet when settings may be read wholesale
    (``Model(**vars(args))``) or the optimizer is handed to the user's own code
    imported from another module (it may apply the setting there)."""
    if call.literal_lr is None:
        return None
    settings = lr_settings(m, names)
    if not settings or _settings_escape(m) or _optimizer_escapes(m):
        return None
    site = call.site
    for setting in settings:
        if is_read(m, setting):
            continue
        if setting.owner_cls is not None:
            if site.function is None or site.function.cls is None or (
                    setting.owner_cls not in m.local_bases(site.function.cls)):
                continue
        elif setting.owner is not None and setting.owner is not site.function:
            continue
        return setting
    return None


def is_read(m: SemanticModel, setting: LrSetting) -> bool:
    if setting.kind in (ARGPARSE, FIELD, KEY):
        return setting.name in m.keys_read
    if setting.kind == HPARAMS and f"hparams.{setting.name}" in m.keys_read:
        return True
    return m.name_read(setting.name, setting.owner.scope if setting.owner is not None else None)


@memoized
def _settings_escape(m: SemanticModel) -> bool:
    return any(kw.arg is None and _wholesale(m, kw.value, site)
               for site in m.sites if site.is_call for kw in site.node.keywords)


def _wholesale(m: SemanticModel, value: ast.AST, site: Site) -> bool:
    """``**vars(args)``, ``**asdict(cfg)``, ``**cfg.__dict__``, ``**config`` (a dict literal)."""
    if isinstance(value, ast.Call):
        return m.resolve(value.func, site.scope) in _SPLAT_HOLDERS
    if isinstance(value, ast.Attribute):
        return value.attr == "__dict__"
    if isinstance(value, ast.Name):
        bindings = m.lookup(value.id, site.scope) or []
        return any(b.kind == "assign" and isinstance(b.value, (ast.Dict, ast.Call)) for b in bindings)
    return False


@memoized
def _optimizer_escapes(m: SemanticModel) -> bool:
    for site in m.sites:
        if not site.is_call or m.function_for(site.node.func, site.scope) is not None:
            continue
        binding = m.import_binding(site.node.func, site.scope)
        if binding is None or not m.is_project_import(binding):
            continue
        args = list(site.node.args) + [k.value for k in site.node.keywords]
        if any("optimizer" in m.kinds(a, site.scope) for a in args):
            return True
    return False
