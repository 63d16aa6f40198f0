"""TL802: device placement hard-coded inside a LightningModule (see rules/TL802/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator, Optional

from torchlint import known
from torchlint.devices import keyword_arg
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import FunctionInfo, SemanticModel, Site, short_text, unparse

# Methods the Trainer runs with the module and the batch already on its device.
ON_DEVICE_METHODS = frozenset(
    {"forward", "training_step", "validation_step", "test_step", "predict_step"})
# Calls that take a CPU tensor without combining it with device tensors.
SAFE_SELF_METHODS = frozenset({"log", "log_dict", "register_buffer", "print"})
SAFE_CALLS = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter", "builtins.print",
                        "builtins.len", "builtins.float", "builtins.int", "builtins.bool",
                        "builtins.isinstance", "builtins.str"})
# Tensor methods whose result no longer needs the factory's device.
SAFE_METHODS = frozenset({"to", "type_as", "cuda", "cpu", "item", "tolist", "numpy", "size",
                          "dim", "numel", "shape"})
MAX_NAME_HOPS = 3


class HardcodedDeviceInLightningModule(Rule):
    """CUDA hard-coded, or a tensor created without device=, inside a LightningModule."""

    code = "TL802"
    name = "hardcoded-device-in-lightning-module"
    message = "{what} in LightningModule {cls}"
    hint = "{fix}"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        for cls in m.lightning_classes():
            for fn in cls.methods.values():
                for site in fn.sites:
                    what = _hardcoded_cuda(m, site)
                    if what:
                        yield self.violation(site.node, what=what, cls=cls.name,
                                             fix="let the Trainer place tensors: use self.device "
                                                 "or type_as(x)")
            seen = set()
            for name in sorted(ON_DEVICE_METHODS):
                fn = cls.methods.get(name)
                if fn is None:
                    continue
                for site, _via in m.sites_in(fn):
                    f = site.function
                    if id(site.node) in seen or f is None or f.cls is not cls:
                        continue
                    seen.add(id(site.node))
                    factory = _cpu_factory(m, site, f)
                    if factory:
                        yield self.violation(site.node, what=f"{factory}(...) without device=",
                                             cls=cls.name, fix="pass device=self.device, or use "
                                                               "x.new_*() / *_like(x)")


def _is_cuda_value(m: SemanticModel, expr: ast.expr, scope) -> bool:
    """``"cuda"``, ``"cuda:0"``, ``f"cuda:{i}"``, ``torch.device("cuda")``."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value.split(":")[0] == "cuda"
    if isinstance(expr, ast.JoinedStr) and expr.values:
        first = expr.values[0]
        return isinstance(first, ast.Constant) and str(first.value).startswith("cuda")
    if isinstance(expr, ast.Call) and m.resolve(expr.func, scope) in known.DEVICE_CONSTRUCTORS:
        return bool(expr.args) and _is_cuda_value(m, expr.args[0], scope)
    return False


def _hardcoded_cuda(m: SemanticModel, site: Site) -> Optional[str]:
    if not site.is_call:
        return None
    call, scope = site.node, site.scope
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "cuda":
        if m.resolve(func, scope) is None:  # x.cuda(), not torch.cuda(...)
            return short_text(call)
    if isinstance(func, ast.Attribute) and func.attr == "to":
        target = call.args[0] if call.args else keyword_arg(call, "device")
        if target is not None and _is_cuda_value(m, target, scope):
            return short_text(call)
    device = keyword_arg(call, "device")
    if device is not None and _is_cuda_value(m, device, scope):
        return f"{short_text(call.func)}(..., device={unparse(device)})"
    return None


def _cpu_factory(m: SemanticModel, site: Site, fn: FunctionInfo) -> Optional[str]:
    """A tensor factory without ``device=`` whose result is combined with other tensors."""
    if not site.is_call:
        return None
    call = site.node
    q = m.resolve(call.func, site.scope)
    if q not in known.TENSOR_FACTORIES:
        return None
    if any(k.arg in (None, "device") for k in call.keywords):  # device= or **kwargs
        return None
    if q in ("torch.tensor", "torch.as_tensor") and call.args and _is_scalar(call.args[0]):
        return None  # a 0-dim CPU tensor mixes with tensors on any device
    return q if _combined(m, call, fn, 0) else None


def _is_scalar(expr: ast.expr) -> bool:
    if isinstance(expr, ast.UnaryOp):
        expr = expr.operand
    return isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float, bool))


def _combined(m: SemanticModel, node: ast.expr, fn: FunctionInfo, hops: int) -> bool:  # noqa: C901
    """Does the value of ``node`` meet another (device) tensor? Unknown means no."""
    parent = m.parent(node)
    if isinstance(parent, ast.Attribute):  # factory(...).method(...)
        grand = m.parent(parent)
        if parent.attr in SAFE_METHODS or not (isinstance(grand, ast.Call) and grand.func is parent):
            return False
        if any(not isinstance(a, ast.Constant) for a in grand.args):
            return True  # torch.zeros(n).add(x)
        return _combined(m, grand, fn, hops)
    if isinstance(parent, ast.Subscript):
        return parent.value is node and _combined(m, parent, fn, hops)  # as an index: fine
    if isinstance(parent, (ast.BinOp, ast.Compare)):
        others = ([parent.left, parent.right] if isinstance(parent, ast.BinOp)
                  else [parent.left, *parent.comparators])
        if any(o is not node and not isinstance(o, ast.Constant) for o in others):
            return True
        return isinstance(parent, ast.BinOp) and _combined(m, parent, fn, hops)
    if isinstance(parent, ast.UnaryOp):
        return _combined(m, parent, fn, hops)
    if isinstance(parent, (ast.List, ast.Tuple)) and isinstance(m.parent(parent), ast.Call):
        return _argument_of(m, m.parent(parent), parent, fn, hops)
    if isinstance(parent, ast.keyword) and isinstance(m.parent(parent), ast.Call):
        return _argument_of(m, m.parent(parent), node, fn, hops)
    if isinstance(parent, ast.Call) and node is not parent.func:
        return _argument_of(m, parent, node, fn, hops)
    if isinstance(parent, ast.AugAssign):
        return True  # x += torch.randn(...)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name) and hops < MAX_NAME_HOPS:
        name = parent.targets[0].id
        return any(_combined(m, use, fn, hops + 1) for use in _loads(fn, name, parent))
    return False


def _argument_of(m: SemanticModel, call: ast.Call, arg: ast.expr, fn: FunctionInfo, hops: int) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id == "self" and func.attr in SAFE_SELF_METHODS:
        return False
    q = m.resolve(func, fn.scope)
    if q in SAFE_CALLS:
        return False
    values = list(call.args) + [k.value for k in call.keywords]
    if any(v is not arg and not isinstance(v, ast.Constant) for v in values):
        return True  # torch.cat([x, z]), F.mse_loss(out, z)
    if "module" in m.kinds(func, fn.scope) or (isinstance(func, ast.Name) and func.id == "self"):
        return True  # self.layer(z): weights on the device, input on the CPU
    if q is not None and q.startswith("torch."):
        return _combined(m, call, fn, hops)  # torch.sigmoid(torch.randn(3)) flows on
    return False


def _loads(fn: FunctionInfo, name: str, after: ast.stmt):
    """Loads of ``name`` in ``fn`` after the statement ``after`` and up to the end of the
    next statement that re-binds it (``z = z.type_as(x)``: later uses see the new value)."""
    start = (after.end_lineno, after.end_col_offset)
    names = [n for n in ast.walk(fn.node) if isinstance(n, ast.Name) and n.id == name
             and (n.lineno, n.col_offset) > start]
    stores = [n for n in names if isinstance(n.ctx, ast.Store)]
    cutoff = None
    if stores:
        first = min(stores, key=lambda n: (n.lineno, n.col_offset))
        stmt = next((s for s in ast.walk(fn.node) if isinstance(s, (ast.Assign, ast.AnnAssign))
                     and any(t is first for t in ast.walk(s))), None)
        cutoff = (stmt.end_lineno, stmt.end_col_offset) if stmt is not None \
            else (first.lineno, first.col_offset)
    for node in names:
        if isinstance(node.ctx, ast.Load) and (cutoff is None or (node.lineno, node.col_offset) < cutoff):
            yield node
