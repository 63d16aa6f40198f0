"""Tensors a module's ``forward()`` creates, and where they meet other tensors
(TL201 part (a), TL802).

A factory (``torch.zeros``, ``torch.randn``, ``torch.tensor([...])`` ...) called
without ``device=`` in ``forward()`` makes a CPU tensor; it is a bug only when
that tensor meets a tensor on the model's device: an input of ``forward()``, a
value computed from one, or a submodule's weights. The facts:

* :func:`device_less_factory` - a factory call without ``device=`` making a tensor
  of one or more dimensions;
* :func:`forward_methods` - ``forward()``/``training_step()``... of a class and the
  same-class helpers they call;
* :func:`input_params` / :func:`is_input_derived` - the tensor inputs of a method
  and the values computed from them;
* :func:`cpu_factories` - the device-less factories a value comes from;
* :func:`cpu_attributes` - plain tensor attributes made on the CPU at construction
  (``.to(device)`` moves parameters, buffers and submodules, not these);
* :func:`factories_meeting_inputs` - TL201(a): each device-less factory of a
  module's forward methods, and each such attribute, with what it meets;
* :func:`meets_other_tensor` - TL802: does a value made in a method meet another tensor.
"""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Set, Tuple

from torchlint import known
from torchlint.semantic import ClassInfo, FunctionInfo, SemanticModel, Scope, Site, memoized
from torchlint.syntax import const_str, find_argument, is_self, position, unparse, walk, walk_breadth

# hot node tests use ``type(x) is ast.X``: parsed trees hold exact node classes (no isinstance walk)

MAX_DEPTH = 6
MAX_FLOW_DEPTH = 24  # expression steps followed from a forward() input


def device_less_factory(m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[str]:
    """The qualified name of a tensor factory called without ``device=`` that makes a
    tensor of one or more dimensions (0-dim CPU tensors mix with any device), or of
    ``torch.from_numpy``, else None."""
    qualname = m.resolve(call.func, scope)
    if qualname in known.CPU_TENSOR_CONVERSIONS:  # torch.from_numpy(array): always the CPU
        return qualname
    if qualname not in known.TENSOR_FACTORIES:
        return None
    names = {k.arg for k in call.keywords if k.arg}
    if names & {"device", "out"}:
        return None
    if any(k.arg is None for k in call.keywords):  # **factory_kwargs
        shim = ast.Call(func=call.func, args=[], keywords=call.keywords)
        given, complete = m.call_arguments(shim, scope)
        if "device" in given or "out" in given or not complete:
            return None
    data_name = "data" if qualname in known.DATA_FACTORIES else "size"
    first = find_argument(call, 0, data_name)
    if qualname in known.DATA_FACTORIES:
        data = (ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp)
        if qualname in ("torch.tensor", "torch.as_tensor") and not isinstance(first, data):
            return None  # a scalar (0-dim) or an array/tensor torchlint cannot size
    elif isinstance(first, (ast.Tuple, ast.List)) and not first.elts and len(call.args) == 1:
        return None  # torch.zeros(()): 0-dim
    return qualname


def input_params(function: FunctionInfo, m: SemanticModel) -> List[ast.arg]:
    """The tensor inputs of a method: parameters other than ``self``, without a non-tensor
    annotation (``int``, ``bool``...) or a non-None constant default."""
    args = function.node.args
    positional = args.posonlyargs + args.args
    params = positional[1:] if function.cls is not None else positional
    defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]],
                        args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    out = []
    for a in params + args.kwonlyargs:
        default = defaults.get(a.arg)
        if isinstance(default, ast.Constant) and default.value is not None:
            continue
        if a.annotation is not None:
            q = m.resolve(a.annotation, function.scope.parent or function.scope) or ""
            text = ast.unparse(a.annotation)
            if q.startswith("builtins.") or text.startswith(("int", "float", "bool", "str",
                                                             "Optional[int", "Optional[float")):
                continue
        out.append(a)
    return out


def is_input_derived(m: SemanticModel, expr: ast.AST, scope: Scope, params: FrozenSet[int],
                     depth: int = 0) -> Optional[ast.arg]:
    """The input parameter (one of ``params``, ids of ``ast.arg``) that ``expr`` is computed
    from, through names, calls, arithmetic and indexing - but not through metadata
    (``x.shape``, ``x.size(0)``, ``len(x)``, ``x.device``), or None."""
    if depth > MAX_FLOW_DEPTH:
        return None
    return _input_derived(m, expr, scope, params, depth)


@memoized(guard=None)
def _input_derived(m: SemanticModel, expr: ast.AST, scope: Scope, params: FrozenSet[int],
                   depth: int) -> Optional[ast.arg]:
    found = None
    for origin, oscope in m.origins(expr, scope):
        if isinstance(origin, ast.arg):
            if id(origin) in params:
                found = origin
                break
            continue
        for child, cscope in _value_children(m, origin, oscope):
            found = is_input_derived(m, child, cscope, params, depth + 1)
            if found is not None:
                break
        if found is not None:
            break
    return found


def _value_children(m: SemanticModel, node: ast.AST, scope: Scope) -> List[Tuple[ast.AST, Scope]]:
    """The sub-expressions whose tensors flow into ``node``'s value (a terminal of origins)."""
    if isinstance(node, ast.Name):  # a loop target or an unpacked name: what it iterates/unpacks
        if isinstance(node.ctx, ast.Load):
            bindings = m.reaching_bindings(node, scope)
        else:
            bindings = [b for b in m.lookup(node.id, scope) or () if b.node is node]
        out = []
        for b in bindings:
            hit = m.loop_target(b.node)
            if hit is not None:
                out.append((hit[0].node.iter, hit[0].scope))
            elif b.unpack is not None:
                out.append((b.unpack[0], b.scope))
        return out
    return [(child, scope) for child in _expression_children(m, node, scope)]


def _expression_children(m: SemanticModel, node: ast.AST, scope: Scope) -> List[ast.AST]:
    if isinstance(node, ast.Attribute):
        return [] if node.attr in known.TENSOR_META_ATTRIBUTES or is_self(node.value) else [node.value]
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in known.TENSOR_META_METHODS:
            return []
        qualname = m.resolve(func, scope) or ""
        if qualname.startswith("builtins."):
            return []
        children = [a.value if isinstance(a, ast.Starred) else a for a in node.args]
        children += [k.value for k in node.keywords]
        if isinstance(func, ast.Attribute) and not is_self(func.value) and not qualname:
            children.append(func.value)
        return children
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Subscript):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        return list(node.elts)
    return []


def cpu_factories(m: SemanticModel, expr: ast.AST, scope: Scope, homes: FrozenSet[int],
                  depth: int = 0) -> Set[ast.Call]:
    """Device-less factory calls made in ``homes`` (ids of methods' scopes: forward() and
    the helpers it calls, whose return values origins follows) that ``expr``'s value
    comes from, unchanged in device: through names, tensor methods, torch functions,
    arithmetic and indexing. Empty when some value of ``expr`` is put on a device
    (``.to(x.device)``, ``.type_as(x)``, ``.cuda()``, ``device=``)."""
    if depth > MAX_DEPTH:
        return set()
    found: Set[ast.Call] = set()
    for origin, oscope in m.origins(expr, scope):
        if type(origin) is ast.Call:
            func = origin.func
            if type(func) is ast.Attribute and func.attr in known.DEVICE_FIX_METHODS:
                return set()
            if find_argument(origin, None, "device") is not None:
                return set()
            if id(oscope) in homes and device_less_factory(m, origin, oscope):
                found.add(origin)
                continue
            qualname = m.resolve(func, oscope) or ""
            if _full_reduction(origin, qualname) or (
                    isinstance(func, ast.Attribute) and func.attr in known.TENSOR_META_METHODS):
                continue  # a 0-dim result mixes with any device; ``t.numel()`` is no tensor
            if qualname.startswith("torch.") and not qualname.startswith("torch.nn."):
                parts = [a for a in origin.args if not isinstance(a, ast.Starred)]
            elif isinstance(func, ast.Attribute) and not qualname and not is_self(func.value) \
                    and "module" not in m.kinds(func.value, oscope):
                parts = [func.value]  # a tensor method: same device as the tensor
            else:
                continue
        elif type(origin) is ast.BinOp:
            parts = [origin.left, origin.right]
        elif type(origin) is ast.UnaryOp:
            parts = [origin.operand]
        elif type(origin) is ast.Subscript:
            parts = [origin.value]
        elif isinstance(origin, (ast.List, ast.Tuple)):
            parts = list(origin.elts)
        else:
            continue
        for part in parts:
            found |= cpu_factories(m, part, oscope, homes, depth + 1)
    return found


def _full_reduction(call: ast.Call, qualname: str) -> bool:
    """``t.sum()`` / ``torch.mean(t)`` without a dimension: a 0-dim tensor."""
    func = call.func
    name = qualname.rsplit(".", 1)[-1] if qualname.startswith("torch.") else (
        func.attr if isinstance(func, ast.Attribute) and not qualname else "")
    if name not in known.FULL_REDUCTIONS or any(k.arg in ("dim", "axis") for k in call.keywords):
        return False
    positional = len(call.args) - (1 if qualname.startswith("torch.") else 0)
    return positional <= (1 if name in ("dot", "vdot") else 0)


# ------------------------------------------- a CPU tensor meeting another tensor
# (TL802: a device-less factory in a LightningModule method is a bug only where its
# value is combined with the batch or the module's weights)
# Calls that take a CPU tensor without combining it with device tensors.
SAFE_SELF_METHODS = frozenset({"log", "log_dict", "register_buffer", "print"})
SAFE_CALLS = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter", "builtins.print",
                        "builtins.len", "builtins.float", "builtins.int", "builtins.bool",
                        "builtins.isinstance", "builtins.str"})
# Tensor methods whose result no longer needs the factory's device.
SAFE_METHODS = frozenset({"to", "type_as", "cuda", "cpu", "item", "tolist", "numpy", "size",
                          "dim", "numel", "shape"})
MAX_NAME_HOPS = 3


def meets_other_tensor(m: SemanticModel, node: ast.expr, fn: FunctionInfo) -> bool:
    """Does the value of ``node`` (a tensor made in ``fn``) meet another tensor? Unknown: no."""
    return _combined(m, node, fn, 0)


def is_scalar(expr: ast.expr) -> bool:
    if isinstance(expr, ast.UnaryOp):
        expr = expr.operand
    return isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float, bool))


def _combined(m: SemanticModel, node: ast.expr, fn: FunctionInfo, hops: int) -> bool:  # noqa: C901
    """Does the value of ``node`` meet another (device) tensor? Unknown means no."""
    parent = m.parent(node, fn.node)
    if isinstance(parent, ast.Attribute):  # factory(...).method(...)
        grand = m.parent(parent, fn.node)
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
    if isinstance(parent, (ast.List, ast.Tuple)) and isinstance(m.parent(parent, fn.node), ast.Call):
        return _argument_of(m, m.parent(parent, fn.node), parent, fn, hops)
    if isinstance(parent, ast.keyword) and isinstance(m.parent(parent, fn.node), ast.Call):
        return _argument_of(m, m.parent(parent, fn.node), node, fn, hops)
    if isinstance(parent, ast.Call) and node is not parent.func:
        return _argument_of(m, parent, node, fn, hops)
    if isinstance(parent, ast.AugAssign):
        return True  # x += torch.randn(...)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name) and hops < MAX_NAME_HOPS:
        name = parent.targets[0].id
        return any(_combined(m, use, fn, hops + 1) for use in _loads(m, fn, name, parent))
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


def _loads(m: SemanticModel, fn: FunctionInfo, name: str, after: ast.stmt):
    """Loads of ``name`` in ``fn`` after the statement ``after`` and up to the end of the
    next statement that re-binds it (``z = z.type_as(x)``: later uses see the new value)."""
    start = (after.end_lineno, after.end_col_offset)
    names = [n for n in _names_in(m, fn.node).get(name, ()) if (n.lineno, n.col_offset) > start]
    stores = [n for n in names if isinstance(n.ctx, ast.Store)]
    cutoff = None
    if stores:
        first = min(stores, key=lambda n: (n.lineno, n.col_offset))
        # the (Ann)Assign holding it: an assignment holds no other statement, so at most one
        stmt = first
        while stmt is not fn.node and not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            stmt = m.parent(stmt, fn.node)
        stmt = stmt if stmt is not fn.node else None
        cutoff = (stmt.end_lineno, stmt.end_col_offset) if stmt is not None \
            else (first.lineno, first.col_offset)
    for node in names:
        if isinstance(node.ctx, ast.Load) and (cutoff is None or (node.lineno, node.col_offset) < cutoff):
            yield node


@memoized
def _names_in(m: SemanticModel, root: ast.AST) -> Dict[str, List[ast.Name]]:
    """The ``Name`` nodes under ``root`` by identifier, in ``ast.walk`` order."""
    out: Dict[str, List[ast.Name]] = {}
    for node in walk_breadth(root):
        if type(node) is ast.Name:
            out.setdefault(node.id, []).append(node)
    return out


# ------------------------------------------------------------- TL201 (a)
def forward_methods(m: SemanticModel, cls: ClassInfo) -> List[FunctionInfo]:
    """forward()/training_step()... of the class, and same-class helpers they call."""
    out = [f for name, f in cls.methods.items() if name in known.FORWARD_METHODS]
    for function in list(out):
        for site in function.sites:
            helper = m.function_for(site.node.func, site.scope) if site.is_call else None
            if helper is not None and helper.cls is cls and helper not in out:
                out.append(helper)
    return out


def construction_methods(m: SemanticModel, cls: ClassInfo) -> List[FunctionInfo]:
    """``__init__`` of the class and of its same-file bases, and the same-class helpers
    they call (``self.pe = self._table()``), helpers of helpers included."""
    out = [c.methods["__init__"] for c in m.local_bases(cls) if "__init__" in c.methods]
    i = 0
    while i < len(out) and len(out) < 4 * MAX_DEPTH:
        for site in out[i].sites:
            helper = m.function_for(site.node.func, site.scope) if site.is_call else None
            if helper is not None and helper.cls is out[i].cls and helper not in out:
                out.append(helper)
        i += 1
    return out


@memoized
def cpu_attributes(m: SemanticModel, cls: ClassInfo) -> Dict[str, FrozenSet[ast.Call]]:
    """The plain tensor attributes a module class makes on the CPU at construction, which
    ``.to(device)`` does not move (only parameters, buffers and submodules move):
    attribute name -> the device-less factories (or ``torch.from_numpy``) its value comes
    from. Every ``self.<name> = ...`` of the class and its same-file bases is in a
    construction method (:func:`construction_methods`) and makes such a tensor. Not:
    names registered (``register_buffer("pe", ...)``), ``nn.Parameter`` values, a class
    overriding ``_apply`` / ``to`` / ``cuda``, a name also stored on another object
    (``model.pe = model.pe.cuda()``)."""
    bases = list(m.local_bases(cls))
    if any(name in c.methods for c in bases for name in known.MODULE_MOVE_OVERRIDES):
        return {}
    building = construction_methods(m, cls)
    if not any(s.is_call and _may_name_factory(m, s) and device_less_factory(m, s.node, s.scope)
               for f in building for s in f.sites):
        return {}  # the cheap gate: construction makes no CPU tensor at all
    homes = frozenset(id(f.scope) for f in building)
    registered = {const_str(s.node.args[0]) for c in bases for f in c.methods.values() for s in f.sites
                  if s.is_call and s.node.args and isinstance(s.node.func, ast.Attribute)
                  and s.node.func.attr in known.MODULE_REGISTRATIONS and is_self(s.node.func.value)}
    out = {}
    for name in {n for c in bases for n in c.attrs} - registered:
        made: Set[ast.Call] = set()
        for value, vscope in (vs for c in bases for vs in c.attrs.get(name, ())):
            found = cpu_factories(m, value, vscope, homes) if id(vscope) in homes else None
            if not found:
                break
            made |= found
        else:
            if made:
                out[name] = frozenset(made)
    if out:
        stored = _stored_elsewhere(m)
        out = {name: calls for name, calls in out.items() if name not in stored}
    return out


_FACTORY_NAMES = frozenset(q.rsplit(".", 1)[-1]
                           for q in known.TENSOR_FACTORIES | known.CPU_TENSOR_CONVERSIONS)


def _may_name_factory(m: SemanticModel, site: Site) -> bool:
    """The cheap test :func:`device_less_factory` implies: the callee's last name is a
    factory's (``torch.zeros``, ``zeros``), or it is a bare name that resolves to one
    (``from torch import zeros as z``: resolving gives the qualified name the full test
    reads; a qualified name resolved from ``a.b.f`` always ends in ``f``)."""
    func = site.node.func
    if type(func) is ast.Attribute:
        return func.attr in _FACTORY_NAMES
    if type(func) is not ast.Name:
        return False
    if func.id in _FACTORY_NAMES:
        return True
    q = m.resolve(func, site.scope)
    return q is not None and q.rsplit(".", 1)[-1] in _FACTORY_NAMES


@memoized
def _stored_elsewhere(m: SemanticModel) -> FrozenSet[str]:
    """Attribute names assigned on an object other than ``self`` anywhere in the file."""
    return frozenset(node.attr for node in walk(m.tree) if type(node) is ast.Attribute
                     and isinstance(node.ctx, ast.Store) and not is_self(node.value))


class FactoryUse(NamedTuple):
    """A device-less factory of a module's forward methods that meets a device tensor, or
    a plain CPU tensor attribute made at construction that does (``attribute`` set)."""

    factory: ast.Call
    made_in: FunctionInfo  # the method that calls the factory
    met_in: FunctionInfo  # the method where it meets the other tensor
    other: str  # "input x" or "self.fc's weights"
    ref: str  # the input whose device the fix names
    attribute: str = ""  # the attribute's name, for a tensor attribute
    at: Optional[ast.AST] = None  # where it meets the other tensor (``self.pe`` in forward)


def factories_meeting_inputs(m: SemanticModel, cls: ClassInfo) -> List[FactoryUse]:
    """Each device-less factory called in ``cls``'s forward methods whose tensor is
    combined with an input (preferred) or fed to a submodule, and each plain CPU tensor
    attribute (:func:`cpu_attributes`) a forward method combines so, in source order."""
    if not any(s.is_call and _may_name_factory(m, s)
               for c in m.local_bases(cls) for f in c.methods.values() for s in f.sites):
        return []  # both kinds need a factory called in a method of ``cls`` or a same-file base
    methods = forward_methods(m, cls)
    owner = {s.node: f for f in methods for s in f.sites
             if s.is_call and s.scope is f.scope and device_less_factory(m, s.node, s.scope)}
    attributes = cpu_attributes(m, cls)
    if not owner and not attributes:
        return []
    of_attribute = {call: name for name, calls in attributes.items() for call in calls}
    homes = frozenset(id(f.scope) for f in methods)
    if attributes:
        homes |= frozenset(id(f.scope) for f in construction_methods(m, cls))
    found: Dict[object, tuple] = {}  # factory or attribute -> (other, ref, input, method, node)
    # a helper's parameter reaches forward()'s through its callers: either is an input
    inputs = frozenset(id(a) for f in methods for a in input_params(f, m))
    for function in methods:
        home = function.scope
        params = input_params(function, m)
        ids = inputs
        for node in walk_breadth(function.node):
            operands, submodule = _operands(m, node, home)
            cpu, plain = {}, []
            for op in operands:
                made = {f for f in cpu_factories(m, op, home, homes) if f in owner or f in of_attribute}
                if made:
                    cpu.update((of_attribute.get(f, f) if f not in owner else f, op) for f in made)
                else:
                    plain.append(op)
            if not cpu:
                continue  # the input an operand comes from is asked only where a factory meets it
            source = next((s for s in (is_input_derived(m, op, home, ids) for op in plain)
                           if s is not None), None)
            if source is None and submodule is None:
                continue
            ref = source.arg if source is not None else (params[0].arg if params else "x")
            other = f"input {source.arg}" if source is not None else f"{submodule}'s weights"
            for key, op in cpu.items():
                if key not in found or (source is not None and found[key][2] is None):
                    found[key] = (other, ref, source, function, _attribute_read(op, key))
    out = []
    for key, (other, ref, _source, met_in, at) in found.items():
        if isinstance(key, str):
            first = min(attributes[key], key=position)
            out.append(FactoryUse(first, met_in, met_in, other, ref, key, at))
        else:
            out.append(FactoryUse(key, owner.get(key, met_in), met_in, other, ref))
    return sorted(out, key=lambda u: position(u.at or u.factory))


def _attribute_read(op: ast.AST, key: object) -> ast.AST:
    """Where an operand reads ``self.<key>`` (the operand itself when it does not)."""
    if isinstance(key, str):
        for node in walk_breadth(op):
            if isinstance(node, ast.Attribute) and node.attr == key and is_self(node.value):
                return node
    return op


def _operands(m: SemanticModel, node: ast.AST, scope: Scope):
    """The tensors an operation combines, and the submodule it feeds (``self.fc``), if any."""
    if type(node) is ast.BinOp:
        return [node.left, node.right], None
    if type(node) is ast.Compare:
        return [node.left] + list(node.comparators), None
    if type(node) is not ast.Call:
        return [], None
    func = node.func
    qualname = m.resolve(func, scope) or ""
    if (qualname.startswith("builtins.") or qualname in known.TENSOR_FACTORIES
            or qualname.endswith("_like")
            or (isinstance(func, ast.Attribute) and func.attr in known.DEVICE_NEUTRAL_METHODS)):
        return [], None
    operands = []
    for arg in list(node.args) + [k.value for k in node.keywords]:
        arg = arg.value if isinstance(arg, ast.Starred) else arg
        operands.extend(arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg])
    submodule = None
    if isinstance(func, ast.Attribute) and not qualname:
        if is_self(func.value):
            if "module" in m.kinds(func, scope):
                submodule = unparse(func)
        elif "module" not in m.kinds(func.value, scope):
            operands.append(func.value)  # x.add(z), x.masked_fill(mask, 0)
    return operands, submodule


# ------------------------------------------------------------- TL802
def cpu_factory_meeting_tensors(m: SemanticModel, call: ast.Call, scope: Scope,
                                fn: FunctionInfo) -> Optional[str]:
    """The factory's name when ``call`` is a tensor factory without ``device=`` (not a
    0-dim scalar tensor) whose result meets another tensor in ``fn``; else None."""
    q = m.resolve(call.func, scope)
    if q not in known.TENSOR_FACTORIES:
        return None
    if any(k.arg in (None, "device") for k in call.keywords):  # device= or **kwargs
        return None
    if q in ("torch.tensor", "torch.as_tensor") and call.args and is_scalar(call.args[0]):
        return None  # a 0-dim CPU tensor mixes with tensors on any device
    return q if meets_other_tensor(m, call, fn) else None
