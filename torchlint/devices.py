"""Device facts shared by the TL2xx rules (and usable by TL802, TL901).

Like ``loops.py`` this module only queries the semantic model (``resolve``,
``kinds``, ``origins``, ``lookup``, ``call_arguments``); it never resolves a
name itself. Every answer is "unknown means no": a value torchlint cannot
follow is not a tensor, not moved, not a batch.

The facts:

* :func:`move_target` - what ``.to(...)`` / ``.cuda()`` / ``.cpu()`` moves to;
* :func:`selects_device` - the file picks a device somewhere (not a pure CPU script);
* :func:`device_choices` - variables holding a selected device, and whether the
  choice can be something other than ``cuda:0``;
* :func:`module_moves` - the accelerator moves a module value went through
  (``Net().to(device)``, a statement ``model.to(device)``, through parameters);
* :func:`batch_part` - a value that is an element of a ``DataLoader`` batch,
  moved or not;
* :func:`is_tensor` - a value known to be a ``torch.Tensor``;
* :func:`device_less_factory` / :func:`cpu_factories` / :func:`input_params` /
  :func:`is_input_derived` - tensors a ``forward()`` creates on the default device
  and tensors that come from its inputs;
* :func:`guard_tests` - the ``if`` tests that enclose a call.
"""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from torchlint import known
from torchlint.semantic import FunctionInfo, LoopInfo, SemanticModel, Scope, Site

CPU = "cpu"
ACCELERATOR = "accelerator"  # cuda / mps / xpu, an index, current_accelerator()
DEVICE = "device"  # chosen at run time: a variable, args.device, f"{acc}:{rank}"
DTYPE = "dtype"  # .to(torch.float16): a conversion, not a move
LIKE = "like"  # .to(other_tensor) / .to(x.device): follows another tensor
MAX_DEPTH = 6
MAX_FLOW_DEPTH = 24  # expression steps followed from a forward() input


def _memo(m: SemanticModel, name: str) -> Dict:
    return m.memo.setdefault("devices." + name, {})


def _const_str(node) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def keyword_arg(call: ast.Call, name: str) -> Optional[ast.expr]:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


# ----------------------------------------------------------------- devices
def device_value(m: SemanticModel, expr: ast.AST, scope: Scope, depth: int = 0) -> str:
    """Classify an expression used as a device: CPU, ACCELERATOR, DEVICE, DTYPE or LIKE."""
    found = set()
    for origin, oscope in m.origins(expr, scope):
        found.add(_device_terminal(m, origin, oscope, depth))
    if not found:
        return DEVICE
    if found <= {CPU}:
        return CPU
    if found <= {DTYPE}:
        return DTYPE
    if found <= {LIKE}:
        return LIKE
    if ACCELERATOR in found:
        return ACCELERATOR
    return DEVICE


def _device_terminal(m: SemanticModel, node: ast.AST, scope: Scope, depth: int) -> str:
    if isinstance(node, ast.Constant) and node.value is None:
        return CPU  # device=None: the default device
    text = _const_str(node)
    if text is not None:
        low = text.lower()
        if low == "cpu" or low.startswith("cpu:"):
            return CPU
        return ACCELERATOR if low.startswith(known.ACCELERATOR_PREFIXES) else DEVICE
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(
            node.value, bool):
        return ACCELERATOR  # .to(0) / .cuda(0): a CUDA index
    if isinstance(node, ast.JoinedStr):
        head = _const_str(node.values[0]) if node.values else None
        if head is not None and head.lower().startswith(known.ACCELERATOR_PREFIXES):
            return ACCELERATOR
        return DEVICE
    if isinstance(node, ast.Attribute) and node.attr == "device":
        if "tensor" in m.kinds(node.value, scope) or "module" in m.kinds(node.value, scope):
            return LIKE
    if isinstance(node, (ast.Name, ast.Attribute)):
        qualname = m.resolve(node, scope)
        if qualname and qualname.startswith("torch.") and qualname.rsplit(".", 1)[-1] in \
                known.DTYPE_NAMES:
            return DTYPE
    if isinstance(node, ast.Call):
        qualname = m.resolve(node.func, scope)
        if qualname == "torch.device" and node.args and depth < MAX_DEPTH:
            return device_value(m, node.args[0], scope, depth + 1)
        if qualname in known.DEVICE_SELECTORS:
            return ACCELERATOR if qualname != "torch.device" else DEVICE
    kinds = m.kinds(node, scope) if isinstance(node, (ast.Name, ast.Attribute, ast.Call)) else ()
    if "tensor" in kinds:
        return LIKE
    return DEVICE


def move_target(m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[str]:
    """What a ``.to(...)``/``.cuda()``/``.cpu()``/``.xpu()``/``.mps()`` call moves to, or None
    for another call."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in known.MOVE_METHODS:
        return None
    if func.attr == "cpu":
        return CPU
    if func.attr != "to":
        return ACCELERATOR
    given = call.args[0] if call.args else keyword_arg(call, "device")
    if given is None or isinstance(given, ast.Starred):
        return DTYPE if keyword_arg(call, "dtype") is not None else None
    return device_value(m, given, scope)


def selects_device(m: SemanticModel) -> bool:
    """The file picks a device somewhere: ``torch.device(...)``, ``torch.cuda.is_available()``,
    ``torch.accelerator``, a Trainer/Fabric/Accelerator, ``.cuda()``, ``.to(<device>)``,
    ``device=<not "cpu">``. A script without any of these is a pure CPU script."""
    memo = _memo(m, "selects")
    if "answer" not in memo:
        memo["answer"] = any(_selects(m, s) for s in m.sites if s.is_call)
    return memo["answer"]


def _selects(m: SemanticModel, site: Site) -> bool:
    call = site.node
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if last in _PROBE_NAMES and m.resolve(func, site.scope) in known.DEVICE_PROBES:
        return True
    target = move_target(m, call, site.scope)
    if target in (ACCELERATOR, DEVICE):
        return True
    device = keyword_arg(call, "device")
    return device is not None and device_value(m, device, site.scope) in (ACCELERATOR, DEVICE)


_PROBE_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in known.DEVICE_PROBES)


def device_choices(m: SemanticModel) -> List[Tuple[str, ast.expr, Scope]]:
    """Variables (and ``self.`` attributes) bound to a device the file selects:
    ``device = torch.device(...)``, ``device = "cuda" if ok else "cpu"``,
    ``device = torch.accelerator.current_accelerator()``. (name, value, scope) each; an
    attribute's name is ``self.<attr>``."""
    memo = _memo(m, "choices")
    if "answer" not in memo:
        out = []
        for scope in list(m.scopes.values()):
            for name, bindings in scope.bindings.items():
                for b in bindings:
                    # not ``(acc := ...)``: the model keeps a lambda's walrus in the outer scope
                    if b.kind == "assign" and isinstance(b.node, ast.Name) and b.value is not None \
                            and _is_choice(m, name, b.value, b.scope):
                        out.append((name, b.value, b.scope))
        for cls in m.classes.values():
            for name, values in cls.attrs.items():
                out.extend(("self." + name, v, s) for v, s in values if _is_choice(m, name, v, s))
        memo["answer"] = out
    return memo["answer"]


def _is_choice(m: SemanticModel, name: str, value: ast.expr, scope: Scope) -> bool:
    if isinstance(value, ast.Call):
        return m.resolve(value.func, scope) in known.DEVICE_SELECTORS
    if isinstance(value, (ast.IfExp, ast.BoolOp)):
        parts = [value.body, value.orelse] if isinstance(value, ast.IfExp) else value.values
        return all(_is_choice(m, name, p, scope) or _is_device_text(p) for p in parts)
    return "device" in name.lower() and _is_device_text(value)


def _is_device_text(node) -> bool:
    text = _const_str(node)
    if text is None and isinstance(node, ast.JoinedStr) and node.values:
        text = _const_str(node.values[0])
    return text is not None and text.lower().startswith(known.ACCELERATOR_PREFIXES + ("cpu",))


def choice_varies(m: SemanticModel, value: ast.expr, scope: Scope) -> bool:
    """A device choice that can be something other than ``cuda``/``cuda:0``."""
    for origin, oscope in m.origins(value, scope):
        if isinstance(origin, ast.Call) and m.resolve(origin.func, oscope) == "torch.device":
            if origin.args and _const_str(origin.args[0]) in ("cuda", "cuda:0"):
                continue
            return True
        if _const_str(origin) in ("cuda", "cuda:0"):
            continue
        return True
    return False


def visible_choice(m: SemanticModel, site: Site) -> Optional[str]:
    """The name of a device choice that can be something other than ``cuda:0`` and that
    the code at ``site`` could use instead of hard-coding CUDA: a variable bound in the
    site's scope or an enclosing one, a ``self.`` attribute of its class, or a parameter
    named ``device`` / ``*_device`` (whatever its callers pass, it is the chosen device).
    None when the file's device choices are out of the site's reach (another function)."""
    chain = []
    current: Optional[Scope] = site.scope
    while current is not None:
        chain.append(current)
        current = current.parent
    reach = {id(s) for s in chain}
    cls = m.enclosing_class(site.scope)
    for name, value, scope in device_choices(m):
        if name.startswith("self."):
            owner = m.enclosing_class(scope)
            if cls is None or owner is None or all(c is not owner for c in m.local_bases(cls)):
                continue
        elif id(scope) not in reach:
            continue
        if choice_varies(m, value, scope):
            return name
    for scope in chain:
        for name, bindings in scope.bindings.items():
            if (name == "device" or name.endswith("_device")) and any(
                    b.kind == "argument" for b in bindings):
                return name
    return None


# ----------------------------------------------------------------- modules
def _chain(m: SemanticModel, expr: ast.AST, scope: Scope, depth: int = 0
           ) -> Iterator[Tuple[ast.AST, Scope, Tuple[Tuple[ast.Call, Scope], ...]]]:
    """Each value ``expr`` may hold, with the ``.to()``/``.train()``/... calls on the way:
    ``Net().to(device).train()`` gives (``Net()``, [.train(), .to(device)])."""
    for origin, oscope in m.origins(expr, scope):
        func = getattr(origin, "func", None)
        if (isinstance(origin, ast.Call) and isinstance(func, ast.Attribute)
                and func.attr in known.SELF_RETURNING_METHODS and depth < MAX_DEPTH):
            for base, bscope, calls in _chain(m, func.value, oscope, depth + 1):
                yield base, bscope, ((origin, oscope),) + calls
        elif (isinstance(origin, ast.Call) and origin.args and depth < MAX_DEPTH
              and m.resolve(origin.func, oscope) == "torch.compile"):
            yield from _chain(m, origin.args[0], oscope, depth + 1)
        else:
            yield origin, oscope, ()


def _statement_moves(m: SemanticModel) -> Dict[int, List[Tuple[ast.Call, Scope, str]]]:
    """In-place module moves written as statements (``model.to(device)``, ``model.cpu()``),
    by the value moved, each with its target."""
    memo = _memo(m, "statement_moves")
    if "answer" not in memo:
        index: Dict[int, List[Tuple[ast.Call, Scope, str]]] = {}
        for site in m.sites:
            call = site.node
            if call not in m.statement_calls:
                continue
            target = move_target(m, call, site.scope)
            if target not in (ACCELERATOR, DEVICE, CPU):
                continue
            receiver = call.func.value
            if "module" not in m.kinds(receiver, site.scope):
                continue
            for base, _bscope, _calls in _chain(m, receiver, site.scope):
                index.setdefault(id(base), []).append((call, site.scope, target))
        memo["answer"] = index
    return memo["answer"]


def module_moves(m: SemanticModel, expr: ast.AST, scope: Scope) -> List[Tuple[ast.Call, Scope]]:
    """The moves to an accelerator (or a run-time chosen device) that the module value of
    ``expr`` went through; empty when it stays on (or goes back to) the CPU, or cannot be
    followed. Of a chain ``Net().to(device).cpu()`` the last move counts; a value also
    moved to the CPU by a statement (``model.cpu()``) counts as not moved (order unknown)."""
    out = []
    inplace = _statement_moves(m)
    for base, _bscope, calls in _chain(m, expr, scope):
        statements = inplace.get(id(base), [])
        if any(target == CPU for _c, _s, target in statements):
            continue
        last = next(((call, cscope, target) for call, cscope in calls
                     for target in [move_target(m, call, cscope)]
                     if target not in (None, DTYPE)), None)
        if last is not None and last[2] == CPU:
            continue
        if last is not None and last[2] in (ACCELERATOR, DEVICE):
            out.append(last[:2])
        out.extend((call, cscope) for call, cscope, _t in statements)
    return out


def handles_input_devices(m: SemanticModel, expr: ast.AST, scope: Scope) -> bool:
    """The module moves its inputs itself: (Distributed)DataParallel, or a same-file
    class whose ``forward`` moves tensors."""
    for base, bscope, _calls in _chain(m, expr, scope):
        if not isinstance(base, ast.Call):
            continue
        if m.resolve(base.func, bscope) in known.DATA_PARALLEL_CLASSES:
            return True
        cls = m.class_for(base.func, bscope)
        forward = m.method(cls, "forward") if cls is not None else None
        if forward is not None and any(
                s.is_call and move_target(m, s.node, s.scope) in (ACCELERATOR, DEVICE, LIKE)
                for s, _via in m.sites_in(forward)):
            return True
    return False


# ----------------------------------------------------------------- batches
def _item_paths(m: SemanticModel, node: ast.AST, scope: Scope, depth: int = 0
                ) -> Optional[List[Tuple[LoopInfo, Tuple[int, ...]]]]:
    """Where a terminal of :meth:`origins` sits inside a loop item, or None."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, ast.Subscript):
        index = node.slice
        if not (isinstance(index, ast.Constant) and isinstance(index.value, int)):
            return None
        out = []
        for origin, oscope in m.origins(node.value, scope):
            inner = _item_paths(m, origin, oscope, depth + 1)
            if inner is None:
                return None
            out.extend((loop, path + (index.value,)) for loop, path in inner)
        return out
    if not isinstance(node, ast.Name):
        return None
    if isinstance(node.ctx, ast.Load):  # a name bound by a loop target (origins stops there)
        bindings = m.reaching_bindings(node, scope)
    else:  # the target itself (``x`` in ``x, y = batch``)
        bindings = [b for b in m.lookup(node.id, scope) or () if b.node is node]
    out = []
    for binding in bindings:
        found = _binding_paths(m, binding, depth)
        if found is None:
            return None
        out.extend(found)
    return out or None


def _binding_paths(m: SemanticModel, binding, depth: int
                   ) -> Optional[List[Tuple[LoopInfo, Tuple[int, ...]]]]:
    hit = m.loop_target(binding.node)
    if hit is not None:
        return [hit]
    if binding.unpack is None:
        return None
    value, i = binding.unpack
    out = []
    for origin, oscope in m.origins(value, binding.scope):
        inner = _item_paths(m, origin, oscope, depth + 1)
        if inner is None:
            return None
        out.extend((loop, path + (i,)) for loop, path in inner)
    return out


def _batch_loader(m: SemanticModel, loop: LoopInfo, path: Tuple[int, ...]
                  ) -> Optional[Tuple[ast.expr, Scope]]:
    """The DataLoader a loop iterates when ``path`` names a part of one batch, else None."""
    it, scope = loop.node.iter, loop.scope
    while isinstance(it, ast.Call) and it.args:
        qualname = m.resolve(it.func, scope)
        if qualname == "builtins.enumerate":
            if not path or path[0] != 1:
                return None
            path = path[1:]
        elif qualname not in known.PROGRESS_WRAPPERS:
            break
        it = it.args[0]
    if not path or "dataloader" not in m.kinds(it, scope):
        return None
    return it, scope


def iterates_dataloader(m: SemanticModel) -> bool:
    """Some ``for`` loop of the file iterates a DataLoader (possibly through
    ``enumerate``/``tqdm``): the cheap gate before looking for batch tensors."""
    memo = _memo(m, "iterates")
    if "answer" not in memo:
        memo["answer"] = any(
            _batch_loader(m, loop, (1, 0)) is not None or _batch_loader(m, loop, (0,)) is not None
            for loop in m.loops if isinstance(loop.node, (ast.For, ast.AsyncFor)))
    return memo["answer"]


def batch_part(m: SemanticModel, expr: ast.AST, scope: Scope) -> Optional[str]:
    """``"raw"`` when every value ``expr`` may hold is a part of a DataLoader batch
    (``for x, y in loader``, ``x, y = batch``, ``batch[0]``) as the loader yields it;
    ``"moved"`` when some are such parts passed through ``.to(...)``/``.cuda()``; else None."""
    origins = m.origins(expr, scope)
    states = {_batch_terminal(m, origin, oscope) for origin, oscope in origins}
    if not states or None in states:
        return None
    return "raw" if states == {"raw"} else "moved"


def _batch_terminal(m: SemanticModel, origin: ast.AST, scope: Scope, depth: int = 0
                    ) -> Optional[str]:
    func = getattr(origin, "func", None)
    if isinstance(origin, ast.Call) and isinstance(func, ast.Attribute):
        if move_target(m, origin, scope) not in (ACCELERATOR, DEVICE, LIKE) or depth > MAX_DEPTH:
            return None
        inner = {_batch_terminal(m, o, s, depth + 1) for o, s in m.origins(func.value, scope)}
        return "moved" if inner and None not in inner else None
    paths = _item_paths(m, origin, scope)
    if not paths:
        return None
    for loop, path in paths:
        loader = _batch_loader(m, loop, path)
        if loader is None or not loader_yields_cpu(m, *loader):
            return None
    return "raw"


def loader_yields_cpu(m: SemanticModel, loader: ast.expr, scope: Scope) -> bool:
    """The loader is a plain ``DataLoader`` (default collate) over data that is not put on
    a device, or a parameter whose argument torchlint cannot see (DataLoaders yield CPU
    tensors unless told otherwise). False for anything that may move batches itself
    (``fabric.setup_dataloaders``, ``accelerator.prepare``, a custom ``collate_fn``)."""
    for origin, oscope in m.origins(loader, scope):
        if isinstance(origin, ast.arg):
            continue
        if not isinstance(origin, ast.Call) or m.resolve(origin.func, oscope) not in \
                known.DATALOADERS:
            return False
        params = known.constructor_parameters(m.resolve(origin.func, oscope) or "")
        given, complete = m.call_arguments(origin, oscope, params)  # reads **kwargs dicts too
        if "collate_fn" in given or not complete:
            return False
        for dataset, dscope in given.get("dataset", ()):
            if _may_be_on_device(m, dataset, dscope, 0):
                return False
    return True


def _may_be_on_device(m: SemanticModel, expr: ast.AST, scope: Scope, depth: int) -> bool:
    """Some value that builds ``expr`` is moved to a device or created with ``device=``."""
    if depth > 3:
        return True
    for origin, oscope in m.origins(expr, scope):
        if not isinstance(origin, ast.Call):
            continue
        if move_target(m, origin, oscope) not in (None, CPU, DTYPE) or keyword_arg(origin, "device"):
            return True
        cls = m.class_for(origin.func, oscope)
        if cls is not None:
            for c in m.local_bases(cls):
                for method in c.methods.values():
                    if any(s.is_call and (move_target(m, s.node, s.scope) not in (None, CPU, DTYPE)
                                          or keyword_arg(s.node, "device") is not None)
                           for s in method.sites):
                        return True
        parts = list(origin.args) + [k.value for k in origin.keywords]
        if isinstance(origin.func, ast.Attribute):
            parts.append(origin.func.value)
        if any(_may_be_on_device(m, p, oscope, depth + 1) for p in parts
               if not isinstance(p, ast.Starred)):
            return True
    return False


# ----------------------------------------------------------------- tensors
def is_tensor(m: SemanticModel, expr: ast.AST, scope: Scope) -> bool:
    """Every value ``expr`` may hold is a ``torch.Tensor``: a tensor factory or tensor
    function result, a method of a tensor that returns one, a parameter annotated
    ``torch.Tensor``, or an element of a DataLoader batch. Modules never are."""
    origins = m.origins(expr, scope)
    if not origins:
        return False
    for origin, oscope in origins:
        if isinstance(origin, ast.arg):
            if origin.annotation is None or m.resolve(origin.annotation, oscope.parent or oscope) \
                    != "torch.Tensor":
                return False
            continue
        batch = isinstance(origin, (ast.Name, ast.Subscript, ast.Call))
        if batch and _batch_terminal(m, origin, oscope):
            continue
        if isinstance(origin, (ast.Call, ast.Attribute, ast.Name)):
            kinds = m.kinds(origin, oscope)
            if "tensor" in kinds and "module" not in kinds:
                continue
        return False
    return True


# ----------------------------------------------------------------- forward()
def device_less_factory(m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[str]:
    """The qualified name of a tensor factory called without ``device=`` that makes a
    tensor of one or more dimensions (0-dim CPU tensors mix with any device), else None."""
    qualname = m.resolve(call.func, scope)
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
    first = call.args[0] if call.args else keyword_arg(call, data_name)
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
    memo = _memo(m, "derived")
    key = (id(expr), id(scope), params)
    if key in memo:
        return memo[key]
    if depth > MAX_FLOW_DEPTH:
        return None
    memo[key] = None  # cycle guard while computing
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
    memo[key] = found
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
        return [] if node.attr in known.TENSOR_META_ATTRIBUTES or _is_self(node.value) else [node.value]
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in known.TENSOR_META_METHODS:
            return []
        qualname = m.resolve(func, scope) or ""
        if qualname.startswith("builtins."):
            return []
        children = [a.value if isinstance(a, ast.Starred) else a for a in node.args]
        children += [k.value for k in node.keywords]
        if isinstance(func, ast.Attribute) and not _is_self(func.value) and not qualname:
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


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


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
        if isinstance(origin, ast.Call):
            func = origin.func
            if isinstance(func, ast.Attribute) and func.attr in known.DEVICE_FIX_METHODS:
                return set()
            if keyword_arg(origin, "device") is not None:
                return set()
            if id(oscope) in homes and device_less_factory(m, origin, oscope):
                found.add(origin)
                continue
            qualname = m.resolve(func, oscope) or ""
            if _full_reduction(origin, qualname):
                continue  # a 0-dim result mixes with any device
            if qualname.startswith("torch.") and not qualname.startswith("torch.nn."):
                parts = [a for a in origin.args if not isinstance(a, ast.Starred)]
            elif isinstance(func, ast.Attribute) and not qualname and not _is_self(func.value) \
                    and "module" not in m.kinds(func.value, oscope):
                parts = [func.value]  # a tensor method: same device as the tensor
            else:
                continue
        elif isinstance(origin, ast.BinOp):
            parts = [origin.left, origin.right]
        elif isinstance(origin, ast.UnaryOp):
            parts = [origin.operand]
        elif isinstance(origin, ast.Subscript):
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


# ----------------------------------------------------------------- guards
def guard_tests(m: SemanticModel, node: ast.AST, function: Optional[FunctionInfo]) -> List[ast.expr]:
    """The tests of the ``if`` statements, ``a if test else b`` and ``test and ...`` that
    enclose ``node`` inside its function (or the module body)."""
    memo = _memo(m, "parents")
    owner = function.node if function is not None else m.tree
    parents = memo.get(id(owner))
    if parents is None:
        parents = {}
        for parent in ast.walk(owner):
            for child in ast.iter_child_nodes(parent):
                parents[id(child)] = parent
        memo[id(owner)] = parents
    tests = []
    current = node
    while id(current) in parents and current is not owner:
        parent = parents[id(current)]
        if isinstance(parent, (ast.If, ast.IfExp, ast.While)) and current is not parent.test:
            tests.append(parent.test)
        elif isinstance(parent, ast.BoolOp):
            tests.extend(v for v in parent.values if v is not current)
        current = parent
    return tests


def mentions_device(test: ast.AST) -> bool:
    """A test that is about the device: ``args.cuda``, ``torch.cuda.is_available()``,
    ``device.type == "cuda"``, ``use_gpu``."""
    for node in ast.walk(test):
        word = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(
            node, ast.Attribute) else _const_str(node) or "")
        if any(w in word.lower() for w in known.DEVICE_GUARD_WORDS):
            return True
    return False


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
