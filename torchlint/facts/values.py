"""Facts about the values training code computes (TL104, TL105, TL701).

Read through the semantic model (:meth:`SemanticModel.origins` for value flow,
``resolve`` for names); nothing here resolves a name itself. The questions:

* which tensor a ``backward()`` differentiates (``loss`` in ``loss.backward()``,
  ``scaler.scale(loss).backward()``, ``accelerator.backward(loss)``);
* which names of a function hold a tensor attached to an autograd graph (a
  ``backward()`` runs on them there), and whether an expression carries one;
* whether a value holds softmax probabilities (``F.softmax(x)``, ``x.softmax(1)``,
  ``nn.Softmax`` modules, ``nn.Sequential(..., nn.Softmax(1))``, a same-file model
  whose ``forward`` returns softmax on every path, ``torch.exp`` of a log-softmax,
  a ``.view`` / ``.reshape`` of them, the rows of such a tensor in a ``for``);
* which loss a call computes (``F.cross_entropy``, ``nn.NLLLoss()`` instances).

Every answer is "definitely" or "not known": unknown never becomes a report.
"""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Tuple

from torchlint import known
from torchlint.facts import autograd, containers, loops
from torchlint.semantic import LOOP_NODES, BindingKind, LoopInfo, SemanticModel, Scope, Site, memoized
from torchlint.syntax import bind_arguments, find_argument, parameter_default, position, short_text, unparse

# exact node classes, tested by ``type(x) is``: parsed trees hold no subclasses, and a failing
# isinstance against an AST class costs a subclass walk (hot per-site tests)
_Attribute, _Name = ast.Attribute, ast.Name

MAX_DEPTH = 6
_KEEPS_PROBABILITIES = frozenset({"float", "double", "half", "to", "cpu", "cuda", "contiguous",
                                  "clone", "detach"})


# ------------------------------------------------------------------ backward
def backward_tensor(m: SemanticModel, site: Site) -> Optional[ast.expr]:
    """The tensor a BACKWARD site differentiates, or None."""
    node = site.node
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if m.resolve(func, site.scope) in known.AUTOGRAD_BACKWARD:
        return find_argument(node, 0, "tensors")
    if isinstance(func, ast.Attribute) and func.attr == "backward":
        if _is_backward_wrapper(m, func.value, site.scope):
            return find_argument(node, 0, "tensors", "loss")
        return func.value
    if isinstance(func, ast.Attribute) and func.attr == "manual_backward":
        return find_argument(node, 0, "loss")
    return None


def may_differentiate(m: SemanticModel, call: ast.Call, scope: Scope) -> bool:
    """The cheap necessary condition of :func:`backward_tensor` answering for ``call``:
    a ``backward`` / ``manual_backward`` call or the autograd function."""
    return _may_be_backward(call) or m.resolve(call.func, scope) in known.AUTOGRAD_BACKWARD


def _is_backward_wrapper(m: SemanticModel, expr: ast.expr, scope: Scope) -> bool:
    """``accelerator`` / ``fabric``: bound to an Accelerator / Fabric, or named so."""
    if isinstance(expr, ast.Name) and expr.id in ("accelerator", "fabric"):
        return True
    if isinstance(expr, ast.Attribute) and expr.attr in ("accelerator", "fabric"):
        return True
    for origin, oscope in m.origins(expr, scope):
        if isinstance(origin, ast.Call) and m.resolve(origin.func, oscope) in known.BACKWARD_WRAPPERS:
            return True
    return False


def grad_roots(expr: Optional[ast.expr]) -> List[ast.Name]:
    """The names an expression's autograd graph flows from: ``loss`` in ``loss``,
    ``loss * n``, ``loss.mean()``, ``scaler.scale(loss)``; none through ``loss.item()``,
    ``loss.detach()``, ``float(loss)``, ``loss.data`` or calls torchlint does not know."""
    out: List[ast.Name] = []
    todo = [expr] if expr is not None else []
    while todo:
        e = todo.pop()
        if type(e) is _Name:
            out.append(e)
        elif type(e) is ast.BinOp:
            todo += [e.left, e.right]
        elif type(e) is ast.UnaryOp:
            todo.append(e.operand)
        elif type(e) is ast.Subscript:
            todo.append(e.value)
        elif isinstance(e, (ast.List, ast.Tuple)):
            todo += [x.value if isinstance(x, ast.Starred) else x for x in e.elts]
        elif type(e) is ast.Call and type(e.func) is _Attribute:
            if e.func.attr in known.GRAD_PRESERVING_METHODS:
                todo.append(e.func.value)
            elif e.func.attr == "scale" and len(e.args) == 1:  # GradScaler.scale(loss)
                todo.append(e.args[0])
    return out


@memoized
def _graph_facts(m: SemanticModel):
    """Per function: the names a ``backward()`` runs on (roots of its tensor); for the
    file: the value expressions those names hold there (``crit(out, y)`` in ``loss =
    crit(out, y); loss.backward()``), by node id."""
    names: Dict[ast.AST, set] = {}
    graph_values: Dict[int, ast.AST] = {}
    for site in m.sites:
        if not site.is_call or not _may_be_backward(site.node):
            continue
        ev = loops.classify(m, site)
        if ev is None or ev.kind != loops.BACKWARD:
            continue
        tensor = backward_tensor(m, site)
        roots = grad_roots(tensor)
        names.setdefault(m.root_of(site.scope), set()).update(n.id for n in roots)
        candidates = roots + ([tensor] if isinstance(tensor, ast.Call) else [])
        for root in candidates:
            for value, _vscope in m.origins(root, site.scope):
                if _is_computed(value):
                    graph_values[id(value)] = value
    return names, graph_values


def _is_computed(value: ast.AST) -> bool:
    """A value made by an operation (a graph can hang on it), not a literal or an
    unfollowed name. A target of ``loss, parts = criterion(...)`` that value flow cannot
    split stands for its share of the call's result (one binding, so one identity)."""
    if isinstance(value, ast.Name):
        return isinstance(value.ctx, ast.Store)
    return isinstance(value, (ast.Call, ast.BinOp, ast.UnaryOp, ast.Subscript))


def graph_names(m: SemanticModel, scope: Scope) -> FrozenSet[str]:
    """Names a ``backward()`` runs on in ``scope``'s function (roots of its tensor)."""
    return frozenset(_graph_facts(m)[0].get(m.root_of(scope), ()))


def _may_be_backward(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if type(func) is _Attribute else getattr(func, "id", "")
    return name in ("backward", "manual_backward")


def carries_graph(m: SemanticModel, expr: ast.expr, scope: Scope,
                  exclude: str = "") -> Optional[str]:
    """The name (or helper call) through which ``expr`` carries an autograd graph, or
    None: a root of ``expr`` (other than ``exclude``) holding, where ``expr`` reads it,
    a value that a ``backward()`` runs on (in this function, or in a same-file helper
    that returns it: value flow follows helper returns)."""
    graph_values = _graph_facts(m)[1]
    if not graph_values and m.project is None:
        return None
    candidates = [r for r in grad_roots(expr) if r.id != exclude]
    if isinstance(expr, ast.Call):
        candidates.append(expr)
    for cand in candidates:
        if any(id(v) in graph_values or (  # or returned so by a project helper (facts/crossmodule.py)
                m.project is not None and isinstance(v, ast.Call) and m.project.returns_graph(m, v, s))
               for v, s in m.origins(cand, scope)):
            return cand.id if isinstance(cand, ast.Name) else short_text(cand.func) + "(...)"
    return None


def model_loss(m: SemanticModel, value: ast.AST, scope: Scope) -> bool:
    """``value`` is a loss (an ``nn.*Loss`` instance called, or a ``torch.nn.functional``
    loss) computed on the output of a module call (``criterion(model(x), y)``)."""
    if not isinstance(value, ast.Call) or not is_loss_call(m, value, scope):
        return False
    for arg in list(value.args) + [k.value for k in value.keywords]:
        for origin, oscope in m.origins(arg, scope):
            if isinstance(origin, ast.Call) and "module" in m.kinds(origin.func, oscope):
                return True
    return False


def is_loss_call(m: SemanticModel, call: ast.Call, scope: Scope) -> bool:
    """A call of a ``torch.nn.functional`` loss or of an ``nn.*Loss`` instance."""
    qualname = m.resolve(call.func, scope)
    if qualname is not None:
        last = qualname.rsplit(".", 1)[-1]
        return qualname.startswith("torch.nn.functional.") and (
            "loss" in last or "entropy" in last or last == "kl_div")
    values = [(call.func, scope)] if type(call.func) is ast.Call else m.origins(call.func, scope)
    if not values:
        return False
    for value, vscope in values:
        q = m.resolve(value.func, vscope) if type(value) is ast.Call else None
        if q is None or not (q.startswith("torch.nn.") and q.endswith("Loss")):
            return False
    return True


def carries_model_loss(m: SemanticModel, expr: ast.expr, scope: Scope, exclude: str = "") -> Optional[str]:
    """The name (or call) through which ``expr`` holds a loss of a module's output that was
    computed with grad on wherever it runs (an evaluation loop without ``no_grad``)."""
    candidates = [r for r in grad_roots(expr) if r.id != exclude]
    if isinstance(expr, ast.Call):
        candidates.append(expr)
    for cand in candidates:
        for value, vscope in m.origins(cand, scope):
            if model_loss(m, value, vscope) and autograd.records_graph(m, value, vscope):
                return cand.id if isinstance(cand, ast.Name) else short_text(cand.func) + "(...)"
    return None


# ------------------------------------------------------------------ softmax
SOFTMAX, LOG_SOFTMAX = "softmax", "log_softmax"
_FUNCTIONS = {SOFTMAX: known.SOFTMAX_FUNCTIONS, LOG_SOFTMAX: known.LOG_SOFTMAX_FUNCTIONS}
_MODULES = {SOFTMAX: known.SOFTMAX_MODULES, LOG_SOFTMAX: known.LOG_SOFTMAX_MODULES}


def may_hold_softmax(m: SemanticModel) -> bool:
    """Can any value of the file hold softmax or log-softmax output (the cheap test before
    :func:`is_softmax`)? Every way the same-file analysis finds one names it in the text:
    a name resolving to a softmax function or module is spelled in the call or in an
    import, ``x.softmax(1)``, ``nn.LogSoftmax`` (the text as Python reads names:
    ``F.ｓｏｆｔｍａｘ`` is ``F.softmax``). Else only a model class of the user's other modules (its summary)
    or a name a star import brings: the project is reached."""
    return m.mentions("softmax") or m.mentions("Softmax") or m.reaches_project()


def is_softmax(m: SemanticModel, expr: ast.expr, scope: Scope, depth: int = 0) -> bool:
    """``expr`` holds softmax probabilities on every path the model can follow (a ``for``
    variable: every element of the list it runs over, or every row of the tensor)."""
    return _normalized(m, expr, scope, depth, SOFTMAX, 0)


def is_log_softmax(m: SemanticModel, expr: ast.expr, scope: Scope) -> bool:
    """``expr`` holds log-softmax output on every path the model can follow."""
    return _normalized(m, expr, scope, 0, LOG_SOFTMAX, 0)


def _normalized(m: SemanticModel, expr: ast.expr, scope: Scope, depth: int, kind: str, lead: int) -> bool:
    """``expr`` holds ``kind`` output (softmax or log-softmax), or - ``lead`` > 0 - the
    result of taking ``lead`` leading rows of it (``for row in probs``): then the
    normalized dimension must be known to survive (``dim=-1`` or ``dim >= lead``)."""
    if depth > MAX_DEPTH:
        return False
    origins = m.origins(expr, scope)
    return bool(origins) and all(_normalized_value(m, o, s, depth, kind, lead) for o, s in origins)


def _loop_items_normalized(m: SemanticModel, name: ast.Name, scope: Scope, depth: int, kind: str,
                           lead: int) -> bool:
    items = containers.loop_item_values(m, name, scope)
    if items is not None:  # over a list: every element
        return all(_normalized(m, v, s, depth + 1, kind, lead) for v, s in items)
    iterated = containers.loop_iterables(m, name, scope)  # over a tensor: its rows
    return bool(iterated) and all(not path and _normalized(m, it, s, depth + 1, kind, lead + 1)
                                  for it, s, path in iterated)


def _dim_survives(call: ast.Call, position: int, lead: int) -> bool:
    """The normalized dimension (argument ``dim`` of ``call``) is still there after
    ``lead`` leading dimensions are taken away: a constant ``< 0`` or ``>= lead``."""
    if not lead:
        return True
    dim = find_argument(call, position, "dim")
    if isinstance(dim, ast.UnaryOp) and isinstance(dim.op, ast.USub):
        return isinstance(dim.operand, ast.Constant) and isinstance(dim.operand.value, int)
    return isinstance(dim, ast.Constant) and type(dim.value) is int and dim.value >= lead


def _normalized_value(m: SemanticModel, value: ast.AST, scope: Scope, depth: int, kind: str,
                      lead: int) -> bool:
    if isinstance(value, ast.Name) and isinstance(value.ctx, ast.Load):  # a ``for`` variable
        return _loop_items_normalized(m, value, scope, depth, kind, lead)
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    qualname = m.resolve(func, scope)
    if qualname in _FUNCTIONS[kind]:
        return _dim_survives(value, 1, lead)
    if kind == SOFTMAX and qualname in known.EXP_FUNCTIONS and value.args:  # exp(log_softmax(x))
        return _normalized(m, value.args[0], scope, depth + 1, LOG_SOFTMAX, lead)
    if qualname is not None:
        return False
    if isinstance(func, ast.Attribute) and func.attr in _KEEPS_PROBABILITIES:
        return _normalized(m, func.value, scope, depth + 1, kind, lead)
    if isinstance(func, ast.Attribute) and func.attr in known.RESHAPING_METHODS and not lead:
        return _normalized(m, func.value, scope, depth + 1, kind, lead)
    if isinstance(func, ast.Attribute) and func.attr == "exp" and kind == SOFTMAX and not value.args:
        return _normalized(m, func.value, scope, depth + 1, LOG_SOFTMAX, lead)
    if isinstance(func, ast.Name) and func.id == "self":  # self(x) in a LightningModule
        cls = m.enclosing_class(scope)
        return cls is not None and _forward_is_normalized(m, cls, depth, kind, lead)
    modules = [(func, scope)] if isinstance(func, ast.Call) else list(m.origins(func, scope))
    if modules and all(_normalized_module(m, v, s, depth, kind, lead) for v, s in modules):
        return True
    # x.softmax(dim): a tensor method (not a module attribute, not a same-file method)
    return (isinstance(func, ast.Attribute) and func.attr == kind
            and m.function_for(func, scope) is None
            and not any(isinstance(v, ast.Call) for v, _ in m.origins(func, scope))
            and not (isinstance(func.value, ast.Name) and func.value.id == "self")
            and _dim_survives(value, 0, lead))


def _normalized_module(m: SemanticModel, value: ast.AST, scope: Scope, depth: int, kind: str,
                       lead: int) -> bool:
    """``value`` builds a module whose output is ``kind`` output."""
    if depth > MAX_DEPTH or not isinstance(value, ast.Call):
        return False
    func = value.func
    qualname = m.resolve(func, scope)
    if qualname in _MODULES[kind]:
        return _dim_survives(value, 0, lead)
    if qualname in known.SEQUENTIAL_MODULES:
        last = value.args[-1] if value.args else None
        if isinstance(last, ast.Starred):  # nn.Sequential(*layers)
            modules = containers.last_element(m, last.value, scope)
            return bool(modules) and all(_normalized_module(m, v, s, depth + 1, kind, lead)
                                         for v, s in modules)
        return last is not None and _normalized_module(m, last, scope, depth + 1, kind, lead)
    if qualname in known.DATA_PARALLEL_CLASSES or qualname == "torch.compile":  # wrappers
        inner = value.args[0] if value.args else None
        return inner is not None and all(
            _normalized_module(m, v, s, depth + 1, kind, lead) for v, s in m.origins(inner, scope))
    if isinstance(func, ast.Attribute) and func.attr in known.SELF_RETURNING_METHODS:
        return all(_normalized_module(m, v, s, depth + 1, kind, lead)
                   for v, s in m.origins(func.value, scope))
    cls = m.class_for(func, scope) if qualname is None or "." not in qualname else None
    if cls is None and m.project is not None and kind == SOFTMAX and not lead:
        # a model class of the user's other modules (its summary, facts/summaries.py)
        summary = m.project.class_summary(m, value, scope)
        return summary is not None and summary.probabilities
    return cls is not None and m.is_nn_module(cls) and _forward_is_normalized(m, cls, depth, kind, lead)


def forward_returns_probabilities(m: SemanticModel, cls) -> bool:
    """A same-file ``nn.Module`` class whose forward returns softmax probabilities
    (for the class summaries of torchlint/facts/summaries.py)."""
    return _forward_is_normalized(m, cls, 0, SOFTMAX, 0)


def _forward_is_normalized(m: SemanticModel, cls, depth: int, kind: str, lead: int) -> bool:
    forward = m.method(cls, "forward")
    if forward is None or not forward.returns:
        return False
    return all(_normalized(m, r, forward.scope, depth + 1, kind, lead) for r in forward.returns)


# ------------------------------------------------------------------ losses
def loss_called(m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[Tuple[str, bool]]:
    """``("cross_entropy" | "nll_loss", functional)`` when ``call`` computes one of the
    losses of known.LOGIT_LOSSES: ``F.cross_entropy(...)`` (functional) or a call of an
    ``nn.CrossEntropyLoss()`` / ``nn.NLLLoss()`` instance on every path."""
    func = call.func
    qualname = m.resolve(func, scope)
    if qualname is not None:
        if qualname.startswith("torch.nn.functional.") and qualname in known.LOGIT_LOSSES:
            return known.LOGIT_LOSSES[qualname], True
        return None
    values = [(func, scope)] if type(func) is ast.Call else list(m.origins(func, scope))
    kinds = set()
    for value, vscope in values:
        q = m.resolve(value.func, vscope) if type(value) is ast.Call else None
        if q is None or q.startswith("torch.nn.functional.") or q not in known.LOGIT_LOSSES:
            return None
        kinds.add(known.LOGIT_LOSSES[q])
    return (kinds.pop(), False) if len(kinds) == 1 else None


def loss_input(call: ast.Call) -> Optional[ast.expr]:
    """The prediction argument of a loss call (``input``)."""
    return find_argument(call, 0, "input")


# ------------------------------------------------------------------ optimizers
def stepped_optimizer(m: SemanticModel, call: ast.Call, scope: Scope) -> Optional[ast.expr]:
    """The optimizer a step call updates: ``opt`` in ``opt.step()`` / ``scaler.step(opt)``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if call.args and "grad_scaler" in m.kinds(func.value, scope):
        return call.args[0]
    return func.value


def optimizer_param_owners(m: SemanticModel, optimizer: ast.expr, scope: Scope) -> FrozenSet[str]:
    """Source text of every ``X`` whose ``X.parameters()`` / ``X.named_parameters()`` the
    optimizer was built from (``SGD(model.parameters())``, ``Adam([{"params":
    net.fc.parameters()}])``), on every path the model can follow; empty when unknown."""
    owners = set()
    for origin, oscope in m.origins(optimizer, scope):
        if not isinstance(origin, ast.Call) or "optimizer" not in m.kinds(origin, oscope):
            return frozenset()
        for arg in list(origin.args) + [k.value for k in origin.keywords]:
            for node in ast.walk(arg):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in ("parameters", "named_parameters")):
                    owners.add(unparse(node.func.value))
    return frozenset(owners)


def scheduler_optimizers(m: SemanticModel, scheduler: ast.expr, scope: Scope) -> FrozenSet[str]:
    """Source text of the optimizer(s) a scheduler was built on (``StepLR(opt, ...)``,
    ``get_linear_schedule_with_warmup(optimizer, ...)``); empty when unknown."""
    out = set()
    for origin, _oscope in m.origins(scheduler, scope):
        if not isinstance(origin, ast.Call):
            return frozenset()
        arg = find_argument(origin, 0, "optimizer")
        if arg is None:
            return frozenset()
        out.add(unparse(arg))
    return frozenset(out)


# ------------------------------------------------------------------ accumulation
class Accumulation(NamedTuple):
    """``total += v``, ``total = total + v`` or ``items.append(v)`` inside a loop; the
    accumulator may be an item of a name (``hist[i] += v``, ``stats["loss"].append(v)``)."""

    node: ast.AST  # the statement, or the append call
    target: ast.expr  # the accumulator: a name, or a subscript of one
    value: ast.expr  # what is added (for ``total = total + v``: the whole right side)

    @property
    def root(self) -> ast.Name:
        """The name that holds the accumulator (``stats`` in ``stats["loss"]``)."""
        return _subscript_root(self.target)

    @property
    def name(self) -> str:
        return self.root.id


def _subscript_root(expr: ast.AST) -> Optional[ast.Name]:
    """``x`` of ``x``, ``x[i]``, ``x["a"][j]``; None for anything else."""
    while type(expr) is ast.Subscript:
        expr = expr.value
    return expr if type(expr) is _Name else None


def accumulations(m: SemanticModel, loop: LoopInfo) -> List[Accumulation]:
    """Accumulations into a name or an item of one in a loop's own function, nested
    blocks included (the statement walk only where the builder saw the function add)."""
    root = m.root_of(loop.scope)
    added = _added_statements(m, root) if m.truncated or root in m.adding else ()
    out = [acc for acc, owners in added if loop.node in owners]  # = those of statements_in(loop)
    for site in m.loop_sites(loop):
        call = site.node
        if (site.is_call and type(call.func) is _Attribute and call.func.attr == "append"
                and _subscript_root(call.func.value) is not None and len(call.args) == 1):
            out.append(Accumulation(call, call.func.value, call.args[0]))
    return out


@memoized
def _added_statements(m: SemanticModel, root: ast.AST) -> List[Tuple[Accumulation, FrozenSet[ast.AST]]]:
    """A body's ``+=`` / ``x = x + v`` accumulations in source order, each with the statements
    holding it: one pass for all loops (in ``statements_in(loop)`` iff the loop is on its path)."""
    out = []
    for stmt, path in m.statement_index(root).paths.items():
        if (type(stmt) is ast.AugAssign and isinstance(stmt.op, ast.Add)
                and _subscript_root(stmt.target) is not None):
            out.append((Accumulation(stmt, stmt.target, stmt.value), frozenset(step[0] for step in path)))
        elif (type(stmt) is ast.Assign and len(stmt.targets) == 1
              and _subscript_root(stmt.targets[0]) is not None and type(stmt.value) is ast.BinOp
              and isinstance(stmt.value.op, ast.Add) and _adds_to_itself(stmt.targets[0], stmt.value)):
            out.append((Accumulation(stmt, stmt.targets[0], stmt.value), frozenset(step[0] for step in path)))
    out.sort(key=lambda pair: position(pair[0].node))
    return out


def _adds_to_itself(target: ast.expr, value: ast.BinOp) -> bool:
    """``total = total + v`` (``total`` among the roots of the sum), ``h[k] = h[k] + v``."""
    if isinstance(target, ast.Name):
        return any(n.id == target.id for n in grad_roots(value))
    text, todo = unparse(target), [value]
    while todo:
        e = todo.pop()
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            todo += [e.left, e.right]
        elif unparse(e) == text:
            return True
    return False


def innermost_loop(m: SemanticModel, node: ast.AST, scope: Scope) -> Optional[ast.AST]:
    """The innermost loop whose body holds ``node`` in its function."""
    for owner, field_name, _ in reversed(m.statement_path(node, scope) or ()):
        if isinstance(owner, LOOP_NODES) and field_name == "body":
            return owner
    return None


def carried_across(m: SemanticModel, acc: Accumulation, scope: Scope) -> bool:
    """The accumulator keeps its value from one iteration of the innermost loop around
    the accumulation to the next: bound before that loop, not rebound in its body
    ahead of the accumulation."""
    loop = innermost_loop(m, acc.node, scope)
    if loop is None:
        return False
    start = (loop.lineno, loop.col_offset)
    before = False
    for b in m.lookup(acc.name, scope) or ():
        if b.scope is not scope:
            return False  # a global or closure variable: not followed
        path = m.statement_path(b.node, scope) or ()
        pos = (getattr(b.node, "lineno", 0), getattr(b.node, "col_offset", 0))
        if any(step[0] is loop for step in path):
            own = isinstance(acc.node, ast.stmt) and path and _statement(path) is acc.node
            if not own and pos < (acc.node.lineno, acc.node.col_offset):
                return False  # reset in the iteration before the accumulation
        elif pos < start:
            before = True
    return before


def _statement(path) -> ast.AST:
    owner, field_name, index = path[-1]
    return getattr(owner, field_name)[index]


def built_as_other_than(m: SemanticModel, expr: ast.expr, scope: Scope, kind: str) -> bool:
    """Some value ``expr`` may hold is built by a call that does not make a ``kind``
    (a hand-written scheduler class passed as ``scheduler=``): its name misleads."""
    return any(isinstance(origin, ast.Call) and kind not in m.kinds(origin, oscope)
               for origin, oscope in m.origins(expr, scope))


# ------------------------------------------------------------------ constant arguments
def ruled_out(m: SemanticModel, chain: Tuple[Site, ...]) -> bool:
    """The last site of ``chain`` cannot run on this path. ``chain`` is a call, then the
    sites that lead from the function it runs down to that site (a helper-call chain,
    :meth:`SemanticModel.sites_in`'s ``via``). Ruled out: the site sits in an ``if``
    branch (or after an ``if ...: return``) of a function on the chain whose test reads
    only parameters, and the constants the call into that function passes (or the
    parameters' defaults) decide the test the other way: ``if train: loss.backward()``
    in ``step(batch, train)`` called as ``step(b, train=False)``."""
    for call, inner in zip(chain, chain[1:]):
        function = inner.function
        if function is None or not call.is_call or function is not m.function_for(call.node.func, call.scope):
            continue
        given = _constant_parameters(m, function, call.node)
        if given and _branch_not_taken(m, inner, given):
            return True
    return False


def _constant_parameters(m: SemanticModel, function, call: ast.Call) -> Dict[str, object]:
    """Parameter -> the constant the call gives it (or its default), for the parameters
    the function never rebinds."""
    bound = bind_arguments(function.node, call, skip_first=function.cls is not None)
    out = {}
    for name, bindings in function.scope.bindings.items():
        if len(bindings) != 1 or bindings[0].kind != BindingKind.ARGUMENT or name in bound.maybe:
            continue
        value = bound.exact.get(name)
        if value is None and bound.complete:
            value = parameter_default(function.node, name)
        if type(value) is ast.Constant:
            out[name] = value.value
    return out


def _branch_not_taken(m: SemanticModel, site: Site, given: Dict[str, object]) -> bool:
    for owner, field_name, index in m.statement_path(site.node, site.scope) or ():
        if isinstance(owner, ast.If) and field_name in ("body", "orelse"):
            if _decide(owner.test, given) is (field_name == "orelse"):
                return True
        for before in getattr(owner, field_name)[:index]:
            if (isinstance(before, ast.If) and before.body
                    and isinstance(before.body[-1], (ast.Return, ast.Raise))
                    and _decide(before.test, given) is True):
                return True
    return False


def _decide(test: ast.expr, given: Dict[str, object]) -> Optional[bool]:
    """The truth of ``test`` when its parameters hold the ``given`` constants, or None."""
    if isinstance(test, ast.Name):
        return bool(given[test.id]) if test.id in given else None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _decide(test.operand, given)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        parts = [_decide(v, given) for v in test.values]
        short = isinstance(test.op, ast.Or)  # the value that decides an or / an and
        if short in parts:
            return short
        return None if None in parts else not short
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)
            and test.left.id in given and isinstance(test.comparators[0], ast.Constant)):
        left, right, op = given[test.left.id], test.comparators[0].value, test.ops[0]
        if isinstance(op, (ast.Eq, ast.Is)):
            return left == right if isinstance(op, ast.Eq) else left is right
        if isinstance(op, (ast.NotEq, ast.IsNot)):
            return left != right if isinstance(op, ast.NotEq) else left is not right
    return None
