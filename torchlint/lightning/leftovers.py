"""The module path's account of what it did not carry: **no statement is dropped
silently**.

The statements the conversion answers for are those of the training loop, from the
epoch loop down to the step, *and* of the functions that loop calls to train and to
validate (``train(args, model, ...)``, ``test(model, ...)``), outside the training
and validation steps themselves. Each one is

* carried (the planner marked it ``accounted``: the loss computation, the validation
  sums, the helper calls that hold the step),
* done by the Trainer (:func:`trainer_owned`: the step, clipping, device moves, mode
  switches, checkpoints, metric logging),
* progress output (:func:`is_output`: ``print(...)`` and the bookkeeping only output
  reads) - one TODO listing its lines,
* run by the epoch loop after the batch loop and translatable - ``on_train_epoch_end``,
* or a TODO naming it and its line. A compound statement that mixes these is sorted
  statement by statement (``if i % log == 0: print(...); if args.dry_run: break`` is
  output *and* an early stop).

A command-line setting the script read that no part of the conversion reads (``--dry-run``,
``--evaluate``, ``--no-accel``) is one more TODO, in ``main()``.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, Iterator, List, Set, Tuple

from torchlint import known
from torchlint.facts import adoption, loops
from torchlint.lightning import plan as planning, settings, statements
from torchlint.lightning.translate import STEP, Prune, Section

_OWNED_METHODS = frozenset({"train", "eval", "set_epoch", "add_scalar", "add_scalars", "flush"})
_SCALER_METHODS = frozenset({"unscale_", "update", "scale"})
_OUTPUT_CALLS = frozenset({"builtins.print", "print"})
_OUTPUT_METHODS = ("logger.info", ".info", "progress.display", "progress.display_summary")
_COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.If)


# ------------------------------------------------------------ what is answered for
def loop_statements(p) -> Iterator[ast.stmt]:
    """The statements the conversion answers for: every simple statement, and each
    compound one that holds no part of the way to the step or to validation, of the
    loop's body and of the training / validation functions it calls."""
    structural = {id(s.node) for e in p.evs for s in planning.site_chain(e)}
    val = p.val_loop
    structural |= {id(n) for n in (p.batch_loop, val.node if val is not None else None) if n is not None}
    if val is not None and val.function is not None:  # run_validate(loader) inside validate()
        structural |= {id(site.node) for site in p.m.callers(val.function)}
    seen: Set[int] = set()

    def walk(body: List[ast.stmt]) -> Iterator[ast.stmt]:
        for stmt in body:
            if id(stmt) in seen:
                continue
            seen.add(id(stmt))
            holds = any(id(n) in structural for n in ast.walk(stmt))
            if isinstance(stmt, _COMPOUND) and holds:
                for block in _blocks(stmt):
                    yield from walk(block)
            elif holds and not isinstance(stmt, _COMPOUND):
                continue  # the call into the helper that holds the step
            elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield stmt

    yield from walk(p.primary.node.body)
    own = p.primary.function
    for fn in _functions(p):
        if own is not None and fn.node is own.node:
            continue
        if any(n is p.primary.node for n in ast.walk(fn.node)):
            continue
        yield from walk(fn.node.body)
    for loop in (p.batch_loop, val.node if val is not None else None):
        if loop is not None:  # a loop of the primary's own function, outside the primary
            yield from walk(loop.body)
    if p.step_block is not getattr(p.batch_loop, "body", None):
        yield from walk(p.step_block)


def _functions(p):
    """The functions the loop runs to train and to validate, in the order reached."""
    out, ids = [], set()
    chains = [planning.site_chain(e) for e in p.evs]
    val = p.val_loop
    for chain in chains:
        for site in chain:
            fn = site.function
            if fn is not None and id(fn.node) not in ids:
                ids.add(id(fn.node))
                out.append(fn)
    fn = val.function if val is not None else None
    while fn is not None and id(fn.node) not in ids:  # and the functions it is nested in
        ids.add(id(fn.node))
        out.append(fn)
        outer = statements.enclosing_function(p.m.parent, fn.node)
        fn = p.m.functions.get(outer) if outer is not None else None
    return out


def _blocks(stmt: ast.stmt) -> List[List[ast.stmt]]:
    blocks = [stmt.body, getattr(stmt, "orelse", []) or []]
    if isinstance(stmt, ast.Try):
        blocks += [h.body for h in stmt.handlers] + [stmt.finalbody]
    return blocks


def _leaves(stmt: ast.stmt) -> Iterator[ast.stmt]:
    if isinstance(stmt, _COMPOUND):
        for block in _blocks(stmt):
            for s in block:
                yield from _leaves(s)
    else:
        yield stmt


# ------------------------------------------------------------------ sorting
def trainer_owned(p, stmt: ast.stmt) -> bool:
    """Training bookkeeping the Trainer does: the step, clipping, scaler calls, device
    moves, mode switches, checkpoints, metric logging - a call statement of one of
    these (whatever its arguments), or an ``if`` made only of them. (A ``break`` is not:
    it decides how many batches train.)"""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.If):
        return all(trainer_owned(p, s) for s in stmt.body + stmt.orelse)
    m, scope = p.m, p.t.scope_of_stmt(stmt)
    if Prune(p.t, scope).useless(stmt):  # x, y = x.to(device), y.to(device)
        return True
    value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
    if not isinstance(value, ast.Call):
        return False
    q = m.resolve(value.func, scope) or ""
    site = m.site_of(value)
    if site is not None and loops.classify(m, site) is not None:
        return True
    if q in known.GRAD_CLIPPERS or q in known.CHECKPOINT_SAVERS or q in known.METRIC_LOGGERS \
            or q in known.DEVICE_SELECTION or adoption.is_device_move(m, value, scope):
        return True
    if not isinstance(value.func, ast.Attribute):
        return False
    if value.func.attr in _SCALER_METHODS:
        return "grad_scaler" in m.kinds(value.func.value, scope)
    return value.func.attr in _OWNED_METHODS


def is_output(p, stmt: ast.stmt) -> bool:
    """Progress output: ``print(...)`` (``logger.info``, ``progress.display``), bookkeeping
    only output reads (``total_loss += loss.item()``, ``start = time.time()``,
    ``losses.update(loss.item())`` for a meter only a printed summary reads), or a
    compound statement made only of these."""
    if isinstance(stmt, _COMPOUND):
        return all(is_output(p, s) for s in _leaves(stmt))
    return _output_statement(p, stmt, _output_names(p))


def _output_statement(p, stmt: ast.stmt, names: Set[Tuple[int, str]]) -> bool:
    if _prints(p, stmt):
        return True
    changed = _touched(p, stmt)
    return bool(changed) and changed <= names


def _touched(p, stmt: ast.stmt) -> Set[Tuple[int, str]]:
    """What a statement sets or updates, as (the scope that binds it, name)."""
    return {_key(p, stmt, n) for n in statements.binds(stmt) | statements.mutates(stmt)}


def _key(p, stmt: ast.stmt, name: str) -> Tuple[int, str]:
    """``name`` as ``stmt`` sees it: a nested function's free variable is its outer one."""
    scope = p.t.scope_of_stmt(stmt)
    bindings = p.m.lookup(name, scope)
    return (id(bindings[0].scope) if bindings else id(scope)), name


def _prints(p, stmt: ast.stmt) -> bool:
    calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    return bool(calls) and any((p.m.resolve(c.func, p.t.scope_of_stmt(stmt)) or ast.unparse(c.func))
                               in _OUTPUT_CALLS or ast.unparse(c.func).endswith(_OUTPUT_METHODS)
                               for c in calls)


def _output_names(p) -> Set[Tuple[int, str]]:
    """The (function, name) pairs only output reads: every statement that reads or
    updates the name is output, and one of them prints or feeds another name - where a
    statement that only sets or updates such names is output too. The largest such set
    (``end = time.time()`` read by ``batch_time.update(...)``, ``batch_time`` read by a
    ``ProgressMeter`` that only ``progress.display()`` reads); ``kept.append(x)`` alone,
    read by nothing, is not output."""
    cached = getattr(p, "_output_cache", None)
    if cached is not None:
        return cached
    stmts = [n for s in loop_statements(p) for n in statements.walk_local(s) if isinstance(n, ast.stmt)]
    simple = [s for s in stmts if not isinstance(s, _COMPOUND)]
    users: Dict[Tuple[int, str], List[ast.stmt]] = {}
    for s in stmts:
        read = _own_loads(s) if isinstance(s, _COMPOUND) else statements.reads(s) | statements.mutates(s)
        for name in read:
            users.setdefault(_key(p, s, name), []).append(s)
    names = {key for s in simple for key in _touched(p, s)}
    while True:
        output = {id(s) for s in simple if _output_statement(p, s, names)}
        output |= {id(s) for s in stmts if isinstance(s, _COMPOUND)
                   and all(id(leaf) in output for leaf in _leaves(s))}
        kept = {key for key in names if users.get(key) and all(id(u) in output for u in users[key])
                and any(_prints(p, u) or _touched(p, u) - {key} for u in users[key])}
        if kept == names:
            break
        names = kept
    p._output_cache = names
    return names


def _own_loads(stmt: ast.stmt) -> Set[str]:
    """Names a statement reads itself: a compound statement's header only."""
    if not isinstance(stmt, _COMPOUND):
        return statements.loads(stmt)
    heads = [getattr(stmt, f, None) for f in ("test", "iter")] + [
        i.context_expr for i in getattr(stmt, "items", [])]
    return {n for h in heads if h is not None for n in statements.loads(h)}


def account(p) -> None:
    """The TODOs for every statement of :func:`loop_statements` nothing carried."""
    printed: List[int] = []
    missing: List[ast.stmt] = []

    def sort(stmt: ast.stmt) -> None:
        if id(stmt) in p.accounted or trainer_owned(p, stmt):
            return
        if is_output(p, stmt):
            printed.append(stmt.lineno)
        elif isinstance(stmt, _COMPOUND) and any(is_output(p, s) for s in _leaves(stmt)):
            for block in _blocks(stmt):  # output and more: sorted statement by statement
                for s in block:
                    sort(s)
        elif not _at_epoch_end(p, stmt):
            missing.append(stmt)

    for stmt in loop_statements(p):
        sort(stmt)
    section = p.out.training
    for stmt in missing:
        text = f"{_runner(p, stmt)} also ran `{_short(stmt)}` (line {stmt.lineno}): "
        if _stops(stmt):
            text += ("it ends the loop early; the Trainer's limit_train_batches= / "
                     "limit_val_batches= / max_epochs= / max_steps= / fast_dev_run= do that")
        else:
            text += "carry it over (a hook, a callback or training_step)"
        section.todo(text)
    if printed:
        lines = sorted(set(printed))
        where = f"line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}"
        section.todo(f"progress output ({where}) is dropped: self.log() and the progress bar "
                     f"report instead")


def _runner(p, stmt: ast.stmt) -> str:
    """``the loop``, or ``test()`` for a statement of a function the loop calls."""
    fn = statements.enclosing_function(p.m.parent, stmt)
    own = p.primary.function
    if fn is None or (own is not None and fn is own.node) or any(n is p.primary.node for n in ast.walk(fn)):
        return "the loop"
    return f"`{fn.name}()`"


def _stops(stmt: ast.stmt, jumps=(ast.Break,)) -> bool:
    """A ``break`` of the loop it is in (not of a loop of its own, not in a nested
    function); with ``jumps``, ``continue`` / ``return`` too."""
    loops_ = (ast.For, ast.AsyncFor, ast.While)

    def walk(node, in_loop):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, jumps) and (isinstance(child, ast.Return) or not in_loop):
                return True
            if walk(child, in_loop or isinstance(child, loops_)):
                return True
        return False
    return isinstance(stmt, jumps) or walk(stmt, isinstance(stmt, loops_))


def _at_epoch_end(p, stmt: ast.stmt) -> bool:
    """Carry ``stmt`` into ``on_train_epoch_end`` when the epoch loop runs it after the
    batch loop and it translates with every name found."""
    body = p.primary.node.body if p.primary.node is not p.batch_loop else []
    if not any(stmt is s for s in body) or p.batch_loop is None \
            or stmt.lineno < _batch_entry_line(p, body) \
            or _stops(stmt, (ast.Break, ast.Continue, ast.Return)):  # a jump means nothing in a hook
        return False
    trial = Section()
    text = p.t.emit(stmt, STEP, p.t.scope_of_stmt(stmt), set(), trial)
    if trial.todos or not text:
        return False
    p.out.epoch_end.lines += text.splitlines()
    return True


def _batch_entry_line(p, body) -> int:
    """The line of the epoch loop's statement that runs the batch loop."""
    via = {id(s.node) for s in p.backward.via}
    for stmt in body:
        if any(n is p.batch_loop or id(n) in via for n in ast.walk(stmt)):
            return stmt.end_lineno
    return 10 ** 9


def _short(stmt: ast.stmt) -> str:
    """``if args.dry_run: break``: the statement on one line, at most 60 characters."""
    text = ""
    for line in ast.unparse(stmt).splitlines():
        text += ("" if not text else " " if text.endswith(":") else "; ") + line.strip()
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- settings
def unused_settings(p, parser_lines: List[str]) -> None:
    """A TODO in ``main()`` naming each command-line setting the script read (outside
    the parser) that nothing in the conversion reads: its effect is gone."""
    m = p.m
    args = settings.arguments(m)
    read: Dict[str, int] = {}
    for node in ast.walk(m.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and node.attr in args \
                and isinstance(node.value, ast.Name) \
                and settings.is_namespace(m, node.value, planning.scope_of_node(m, node)):
            read[node.attr] = min(read.get(node.attr, node.lineno), node.lineno)
    if not read:
        return
    out = p.out
    model_line = f"model = {out.class_name}("
    parser = set(parser_lines)
    text = [line for s in (out.init, out.training, out.validation, out.epoch_end, out.optimizers)
            if s is not None for line in s.lines]
    text += [line for line in out.main.lines if line not in parser and not line.startswith(model_line)]
    text += [ast.unparse(s) for s in out.carried]
    joined = "\n".join(text)
    used = set(re.findall(r"\.(\w+)", joined))  # args.x, self.hparams.x
    used |= {h for h in out.hparams if re.search(rf"(?<![.\w]){h}\b", joined)}  # Net(width)
    gone = sorted((line, dest) for dest, line in read.items() if dest not in used)
    if gone:
        names = ", ".join(f"{_flag(args[d])} (line {line})" for line, d in gone)
        out.main.todo(f"settings the script read that this conversion does not use: {names}; "
                      f"carry over what they did")


def _flag(arg: settings.Argument) -> str:
    flags = [a.value for a in arg.call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    longs = [f for f in flags if f.startswith("--")]
    return (longs or flags or [arg.dest])[0]
