"""What a statement binds, reads and changes: the pure ``ast`` questions both
conversions ask when they slice a loop (no model, nothing of torch).
"""
from __future__ import annotations

import ast
from typing import List, Optional, Set, Tuple

from torchlint.facts.adoption import binds, carried_names, is_range, target_names, walk_local
from torchlint.syntax import FUNCTION_NODES

__all__ = ["binds", "carried_names", "is_range", "target_names", "walk_local"]  # re-exported

ITER_WRAPPERS = ("enumerate", "tqdm", "iter", "track")
# Methods called as statements that build nothing a later statement reads (bookkeeping
# a Trainer takes over, mode switches, device moves, printing).
NOT_MUTATIONS = frozenset({"zero_grad", "step", "backward", "train", "eval", "to", "cuda", "cpu",
                           "unscale_", "update_scale", "set_epoch", "print", "info", "debug"})


def loads(node: ast.AST, deep: bool = False) -> Set[str]:
    """Names read; ``deep`` also enters nested functions and classes."""
    walker = ast.walk(node) if deep else walk_local(node)
    return {n.id for n in walker if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def kills(stmt: ast.AST) -> Set[str]:
    """Names a statement surely replaces: the targets of a plain assignment at its top
    (``x += 1`` and assignments inside ``if`` / ``for`` bodies update or may not run)."""
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        return binds(stmt)
    return set()


def reads(stmt: ast.AST) -> Set[str]:
    """Names a statement reads, the targets of its augmented assignments included."""
    out = loads(stmt)
    for node in walk_local(stmt):
        if isinstance(node, ast.AugAssign):
            out |= target_names(node.target) if isinstance(node.target, ast.Name) else set()
    return out


def loads_all(stmts) -> Set[str]:
    out: Set[str] = set()
    for stmt in stmts:
        out |= loads(stmt)
    return out


def binds_inside(stmt: ast.AST) -> Set[str]:
    """Names a compound statement binds for its own body: ``for`` targets, ``with ... as``,
    comprehension variables, ``except ... as``."""
    out: Set[str] = set()
    for node in walk_local(stmt):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            out |= target_names(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            out |= target_names(node.optional_vars)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
    return out


def mutates(stmt: ast.AST) -> Set[str]:
    """Names changed in place: ``x.update(...)``, ``x[k] = v``, ``x.attr = v``."""
    out = set()
    for node in walk_local(stmt):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Attribute) \
                and node.value.func.attr not in NOT_MUTATIONS \
                and isinstance(node.value.func.value, ast.Name):
            out.add(node.value.func.value.id)
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name):
            out.add(node.value.id)
    return out


def unpack_loop(loop) -> Tuple[Optional[ast.expr], Optional[str], Optional[ast.expr]]:
    """(batch target, index name, data iterable) of ``for i, (x, y) in enumerate(loader)``."""
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return None, None, None
    target, it, index = loop.target, loop.iter, None
    for _ in range(3):
        if not (isinstance(it, ast.Call) and it.args):
            break
        name = ast.unparse(it.func).split(".")[-1]
        if name not in ITER_WRAPPERS:
            break
        if name == "enumerate" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
            first = target.elts[0]
            index = first.id if isinstance(first, ast.Name) else None
            target = target.elts[1]
        it = it.args[0]
    return target, index, it


def is_constant(expr: Optional[ast.expr]) -> bool:
    """A literal, or arithmetic / tuples of literals."""
    if expr is None:
        return False
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.UnaryOp):
        return is_constant(expr.operand)
    if isinstance(expr, ast.BinOp):
        return is_constant(expr.left) and is_constant(expr.right)
    if isinstance(expr, (ast.Tuple, ast.List)):
        return all(is_constant(e) for e in expr.elts)
    return False


def root_name(expr) -> Optional[str]:
    """``model`` of ``model.fc.weight.to(x)``."""
    while isinstance(expr, (ast.Attribute, ast.Call, ast.Subscript)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def wraps(value: ast.expr, name: str) -> bool:
    """``DDP(model)``, ``model.to(device)``, ``torch.compile(model)``: a re-binding of ``name``."""
    if isinstance(value, ast.Call):
        if isinstance(value.func, ast.Attribute) and root_name(value.func.value) == name:
            return True
        return any(root_name(a) == name for a in value.args)
    return False


def is_trivial(stmt: ast.AST) -> bool:
    """``x = x`` / ``x, y = x, y`` (a device move that was stripped), or a bare name."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return ast.unparse(stmt.targets[0]) == ast.unparse(stmt.value)
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Name, ast.Attribute))


def call_text(expr: ast.expr) -> Optional[str]:
    return ast.unparse(expr.func) if isinstance(expr, ast.Call) else None


def index_of(block: List[ast.stmt], node: ast.AST) -> Optional[int]:
    """The position in ``block`` of the statement that holds ``node``."""
    for i, stmt in enumerate(block):
        if any(n is node for n in ast.walk(stmt)):
            return i
    return None


def block_holding(parent: ast.AST, child: ast.AST) -> Optional[List[ast.stmt]]:
    """The statement list of ``parent`` (body, orelse, finalbody, a handler) holding ``child``."""
    for fname in ("body", "orelse", "finalbody"):
        block = getattr(parent, fname, None)
        if isinstance(block, list) and any(s is child for s in block):
            return block
    for handler in getattr(parent, "handlers", []) or []:
        if any(s is child for s in handler.body):
            return handler.body
    return None


def used_names(text: str) -> Set[str]:
    """Every name in generated source text."""
    try:
        tree = ast.parse(text)
    except SyntaxError:  # pragma: no cover - the generators emit valid code
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def enclosing_function(parent_of, node: ast.AST) -> Optional[ast.AST]:
    """The function definition around ``node`` (``parent_of``: the model's ``parent``)."""
    current = parent_of(node)
    while current is not None and not isinstance(current, FUNCTION_NODES):
        current = parent_of(current)
    return current
