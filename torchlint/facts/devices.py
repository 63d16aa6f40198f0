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
* :func:`device_literal` / :func:`is_cuda_literal` - the one test of a device
  written in the source (``"cuda:1"``, ``f"cuda:{rank}"``, ``torch.device("cuda")``);
* :func:`guard_tests` - the ``if`` tests that enclose a call.

Tensors a ``forward()`` creates are :mod:`torchlint.facts.forward`'s.
"""
from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Tuple

from torchlint import known
from torchlint.semantic import FunctionInfo, SemanticModel, Scope, Site, memoized
from torchlint.syntax import const_str, find_argument

# hot node tests use ``type(x) is ast.X``: parsed trees hold exact node classes (no isinstance walk)

CPU = "cpu"
ACCELERATOR = "accelerator"  # cuda / mps / xpu, an index, current_accelerator()
DEVICE = "device"  # chosen at run time: a variable, args.device, f"{acc}:{rank}"
DTYPE = "dtype"  # .to(torch.float16): a conversion, not a move
LIKE = "like"  # .to(other_tensor) / .to(x.device): follows another tensor
MAX_DEPTH = 6


def device_literal(m: SemanticModel, node: ast.AST, scope: Scope) -> Optional[str]:
    """The device a literal names, lower-cased: ``"cuda:1"``, the head of
    ``f"cuda:{rank}"`` (``"cuda:"``), the argument of ``torch.device("cuda")``; None
    for anything that is not written out in the source."""
    if isinstance(node, ast.Call) and m.resolve(node.func, scope) in known.DEVICE_CONSTRUCTORS:
        return device_literal(m, node.args[0], scope) if node.args else None
    text = const_str(node)
    if text is None and isinstance(node, ast.JoinedStr) and node.values:
        text = const_str(node.values[0])
    return text.lower() if text is not None else None


def is_cuda_literal(m: SemanticModel, node: ast.AST, scope: Scope) -> bool:
    """The one CUDA-literal test: ``"cuda"``, ``"cuda:0"``, ``f"cuda:{i}"``, ``torch.device("cuda")``."""
    text = device_literal(m, node, scope)
    return text is not None and text.split(":")[0] == "cuda"


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
    if type(node) is ast.Constant and node.value is None:
        return CPU  # device=None: the default device
    text = const_str(node)
    if text is not None:
        low = text.lower()
        if low == "cpu" or low.startswith("cpu:"):
            return CPU
        return ACCELERATOR if low.startswith(known.ACCELERATOR_PREFIXES) else DEVICE
    if type(node) is ast.Constant and isinstance(node.value, int) and not isinstance(
            node.value, bool):
        return ACCELERATOR  # .to(0) / .cuda(0): a CUDA index
    if type(node) is ast.JoinedStr:
        head = const_str(node.values[0]) if node.values else None
        if head is not None and head.lower().startswith(known.ACCELERATOR_PREFIXES):
            return ACCELERATOR
        return DEVICE
    if type(node) is ast.Attribute and node.attr == "device":
        if "tensor" in m.kinds(node.value, scope) or "module" in m.kinds(node.value, scope):
            return LIKE
    if isinstance(node, (ast.Name, ast.Attribute)):
        qualname = m.resolve(node, scope)
        if qualname and qualname.startswith("torch.") and qualname.rsplit(".", 1)[-1] in \
                known.DTYPE_NAMES:
            return DTYPE
    if type(node) is ast.Call:
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
    if type(func) is not ast.Attribute or func.attr not in known.MOVE_METHODS:
        return None
    if func.attr == "cpu":
        return CPU
    if func.attr != "to":
        return ACCELERATOR
    given = find_argument(call, 0, "device")
    if given is None:
        return DTYPE if find_argument(call, None, "dtype") is not None else None
    return device_value(m, given, scope)


@memoized
def selects_device(m: SemanticModel) -> bool:
    """The file picks a device somewhere: ``torch.device(...)``, ``torch.cuda.is_available()``,
    ``torch.accelerator``, a Trainer/Fabric/Accelerator, ``.cuda()``, ``.to(<device>)``,
    ``device=<not "cpu">``. A script without any of these is a pure CPU script."""
    for site in m.sites:
        if not site.is_call:
            continue
        call = site.node
        func = call.func
        last = func.attr if type(func) is ast.Attribute else getattr(func, "id", None)
        # a probe, a move method or a keyword: without one _selects is False (told first)
        if (last in _PROBE_NAMES or last in known.MOVE_METHODS or call.keywords) \
                and _selects(m, site, last):
            return True
    return False


def _selects(m: SemanticModel, site: Site, last: Optional[str]) -> bool:
    call = site.node
    func = call.func
    if last in _PROBE_NAMES and m.resolve(func, site.scope) in known.DEVICE_PROBES:
        return True
    target = move_target(m, call, site.scope)
    if target in (ACCELERATOR, DEVICE):
        return True
    device = find_argument(call, None, "device")
    return device is not None and device_value(m, device, site.scope) in (ACCELERATOR, DEVICE)


_PROBE_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in known.DEVICE_PROBES)


@memoized
def device_choices(m: SemanticModel) -> List[Tuple[str, ast.expr, Scope]]:
    """Variables (and ``self.`` attributes) bound to a device the file selects:
    ``device = torch.device(...)``, ``device = "cuda" if ok else "cpu"``,
    ``device = torch.accelerator.current_accelerator()``. (name, value, scope) each; an
    attribute's name is ``self.<attr>``."""
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
    return out


def _is_choice(m: SemanticModel, name: str, value: ast.expr, scope: Scope) -> bool:
    if isinstance(value, ast.Call):
        return m.resolve(value.func, scope) in known.DEVICE_SELECTORS
    if isinstance(value, (ast.IfExp, ast.BoolOp)):
        parts = [value.body, value.orelse] if isinstance(value, ast.IfExp) else value.values
        return all(_is_choice(m, name, p, scope) or _is_device_text(m, p, scope) for p in parts)
    return "device" in name.lower() and _is_device_text(m, value, scope)


def _is_device_text(m: SemanticModel, node: ast.AST, scope: Scope) -> bool:
    text = device_literal(m, node, scope) if not isinstance(node, ast.Call) else None
    return text is not None and text.startswith(known.ACCELERATOR_PREFIXES + ("cpu",))


def choice_varies(m: SemanticModel, value: ast.expr, scope: Scope) -> bool:
    """A device choice that can be something other than ``cuda``/``cuda:0``."""
    for origin, oscope in m.origins(value, scope):
        if device_literal(m, origin, oscope) in ("cuda", "cuda:0") and not isinstance(
                origin, ast.JoinedStr):
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
        if (type(origin) is ast.Call and type(func) is ast.Attribute
                and func.attr in known.SELF_RETURNING_METHODS and depth < MAX_DEPTH):
            for base, bscope, calls in _chain(m, func.value, oscope, depth + 1):
                yield base, bscope, ((origin, oscope),) + calls
        elif (isinstance(origin, ast.Call) and origin.args and depth < MAX_DEPTH
              and m.resolve(origin.func, oscope) == "torch.compile"):
            yield from _chain(m, origin.args[0], oscope, depth + 1)
        else:
            yield origin, oscope, ()


@memoized
def _statement_moves(m: SemanticModel) -> Dict[int, List[Tuple[ast.Call, Scope, str]]]:
    """In-place module moves written as statements (``model.to(device)``, ``model.cpu()``),
    by the value moved, each with its target."""
    index: Dict[int, List[Tuple[ast.Call, Scope, str]]] = {}
    for call in m.statement_calls:
        func = call.func
        if type(func) is not ast.Attribute or func.attr not in known.MOVE_METHODS:
            continue
        site_scope = m.site_of(call).scope
        target = move_target(m, call, site_scope)
        if target not in (ACCELERATOR, DEVICE, CPU):
            continue
        if "module" not in m.kinds(func.value, site_scope):
            continue
        for base, _bscope, _calls in _chain(m, func.value, site_scope):
            index.setdefault(id(base), []).append((call, site_scope, target))
    return index


_TO_DEVICE_METHODS = known.MOVE_METHODS - {"cpu"}


@memoized
def moves_to_devices(m: SemanticModel) -> bool:
    """Some call of the file is ``X.to(...)``, ``X.cuda()``, ``X.xpu()`` or ``X.mps()``:
    without one, :func:`module_moves` is empty for every value (the cheap gate)."""
    for site in m.sites:
        func = getattr(site.node, "func", None)  # a call's (a ``.grad`` write has none)
        if type(func) is ast.Attribute and func.attr in _TO_DEVICE_METHODS:
            return True
    return False


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
Source = Tuple[ast.expr, Scope]  # what batches are drawn from: a loop's iterable, next()'s iterator


def _item_paths(m: SemanticModel, node: ast.AST, scope: Scope, depth: int = 0
                ) -> Optional[List[Tuple[Source, Tuple[int, ...]]]]:
    """Where a terminal of :meth:`origins` sits inside one item drawn from an iterable (a
    ``for`` loop's, or ``next(iter(loader))``'s), or None."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, ast.Call):  # next(iter(loader)), next(batches)
        source = _next_source(m, node, scope)
        return [(source, ())] if source is not None else None
    if isinstance(node, ast.Subscript):
        index = node.slice
        if not (isinstance(index, ast.Constant) and isinstance(index.value, int)):
            return None
        out = []
        for origin, oscope in m.origins(node.value, scope):
            inner = _item_paths(m, origin, oscope, depth + 1)
            if inner is None:
                return None
            out.extend((source, path + (index.value,)) for source, path in inner)
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
                   ) -> Optional[List[Tuple[Source, Tuple[int, ...]]]]:
    hit = m.loop_target(binding.node)
    if hit is not None:
        loop, path = hit
        if not isinstance(loop.node, (ast.For, ast.AsyncFor)):
            return None
        return [((loop.node.iter, loop.scope), path)]
    if binding.unpack is None:
        return None
    value, i = binding.unpack
    out = []
    for origin, oscope in m.origins(value, binding.scope):
        inner = _item_paths(m, origin, oscope, depth + 1)
        if inner is None:
            return None
        out.extend((source, path + (i,)) for source, path in inner)
    return out


def _next_source(m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[Source]:
    """``next(iter(loader))`` / ``next(it)`` with ``it = iter(loader)``: the iterable one
    item is drawn from (``loader``), when every iterator ``next`` may get is its ``iter``."""
    if len(call.args) != 1 or m.resolve(call.func, scope) != "builtins.next":
        return None
    sources = []
    for origin, oscope in m.origins(call.args[0], scope):
        if not (isinstance(origin, ast.Call) and len(origin.args) == 1
                and m.resolve(origin.func, oscope) == "builtins.iter"):
            return None
        sources.append((origin.args[0], oscope))
    return sources[0] if len(sources) == 1 else None


def _batch_loader(m: SemanticModel, source: Source, path: Tuple[int, ...]
                  ) -> Optional[Tuple[ast.expr, Scope]]:
    """The DataLoader ``source`` draws from when ``path`` names a part of one batch, else None."""
    it, scope = source
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


@memoized
def iterates_dataloader(m: SemanticModel) -> bool:
    """Some ``for`` loop of the file iterates a DataLoader (possibly through
    ``enumerate``/``tqdm``), or a batch is drawn with ``next(iter(loader))``: the cheap
    gate before looking for batch tensors."""
    for loop in m.loops:
        # one path asked: _batch_loader answers for (0,) only past progress wrappers and no
        # ``enumerate``, where it reads the same iterable for (1, 0) (implied, exact)
        if isinstance(loop.node, (ast.For, ast.AsyncFor)) and \
                _batch_loader(m, (loop.node.iter, loop.scope), (1, 0)) is not None:
            return True
    for s in m.sites:
        if s.is_call and type(s.node.func) is ast.Name and s.node.func.id == "next":
            source = _next_source(m, s.node, s.scope)
            if source is not None and _batch_loader(m, source, (0,)) is not None:
                return True
    return False


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
    for source, path in paths:
        loader = _batch_loader(m, source, path)
        if loader is None or not loader_yields_cpu(m, *loader):
            return None
    return "raw"


@memoized
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
        if type(origin) is not ast.Call:
            continue
        if move_target(m, origin, oscope) not in (None, CPU, DTYPE) or find_argument(origin, None, "device"):
            return True
        cls = m.class_for(origin.func, oscope)
        if cls is not None:
            for c in m.local_bases(cls):
                for method in c.methods.values():
                    if any(s.is_call and (move_target(m, s.node, s.scope) not in (None, CPU, DTYPE)
                                          or find_argument(s.node, None, "device") is not None)
                           for s in method.sites):
                        return True
        parts = list(origin.args) + [k.value for k in origin.keywords]
        if isinstance(origin.func, ast.Attribute):
            parts.append(origin.func.value)
        if any(_may_be_on_device(m, p, oscope, depth + 1) for p in parts
               if type(p) is not ast.Starred):
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


# ----------------------------------------------------------------- guards
def guard_tests(m: SemanticModel, node: ast.AST, function: Optional[FunctionInfo]) -> List[ast.expr]:
    """The tests of the ``if`` statements, ``a if test else b`` and ``test and ...`` that
    enclose ``node`` inside its function (or the module body)."""
    owner = function.node if function is not None else m.tree
    tests = []
    current = node
    while current is not owner:
        parent = m.parent(current, owner)  # only the function's subtree is mapped
        if parent is None:
            break
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
            node, ast.Attribute) else const_str(node) or "")
        if any(w in word.lower() for w in known.DEVICE_GUARD_WORDS):
            return True
    return False
