"""What a fix reads: the file's semantic model, its text, the options, and the few
questions about places in the code that several fixes ask (the node a report
points at, the statement and block holding a node, where a new first statement
of a block goes, how the file names ``torch``).

A fix module is ``torchlint/fix/tlNNN.py`` with ``fix(ctx, violation)``
returning a :class:`~torchlint.fix.edits.Fix`, or a string saying why this
report gets no fix. It reads the model and the facts, never the raw tree
alone, and never changes a node.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Sequence, Tuple, Union

from torchlint.config import Config
from torchlint.fix.edits import Edit, Fix, Source
from torchlint.rule import Violation
from torchlint.semantic import FUNCTION_NODES, Scope, SemanticModel
from torchlint.syntax import walk

_JUMPS = (ast.Return, ast.Break, ast.Continue, ast.Raise)


class Context:
    def __init__(self, model: SemanticModel, source: Source, config: Config):
        self.m = model
        self.src = source
        self.config = config
        self._at: Optional[Dict[Tuple[int, int], List[ast.AST]]] = None

    # ------------------------------------------------------------ nodes
    def nodes_at(self, v: Violation, *types: type) -> List[ast.AST]:
        """Nodes of ``types`` that start where ``v`` is reported."""
        if self._at is None:
            self._at = {}
            for node in walk(self.m.tree):
                if hasattr(node, "lineno"):
                    self._at.setdefault((node.lineno, node.col_offset), []).append(node)
        return [n for n in self._at.get((v.line, v.col), ()) if isinstance(n, types)]

    def statement(self, node: ast.AST, scope: Scope) -> Optional[ast.stmt]:
        """The statement whose own expressions hold ``node`` (or ``node``, a statement)."""
        path = self.m.statement_path(node, scope)
        if not path:
            return None
        owner, field_name, index = path[-1]
        return getattr(owner, field_name)[index]

    def block(self, stmt: ast.stmt, scope: Scope) -> Optional[Tuple[list, int]]:
        """The statement list holding ``stmt`` and its index there."""
        path = self.m.statement_path(stmt, scope)
        if not path:
            return None
        owner, field_name, index = path[-1]
        body = getattr(owner, field_name)
        return (body, index) if isinstance(body, list) else None

    def expression_statement(self, call: ast.AST, scope: Scope) -> Optional[ast.Expr]:
        """The ``Expr`` statement that is exactly ``call``, alone on its lines."""
        stmt = self.statement(call, scope)
        if isinstance(stmt, ast.Expr) and stmt.value is call and self.src.whole_lines(stmt):
            return stmt
        return None

    # ------------------------------------------------------------ insertion places
    def top_of(self, body: Sequence[ast.stmt], skip_docstring: bool = False,
               skip_imports: bool = False) -> Optional[Tuple[int, str]]:
        """(line, indentation) for a new first statement of ``body`` (after its docstring
        and leading imports when asked); None when the body starts on its header's line
        (``for x in y: f(x)``)."""
        i = 1 if skip_docstring and len(body) > 1 and _is_docstring(body[0]) else 0
        while skip_imports and i < len(body) - 1 and isinstance(body[i], (ast.Import, ast.ImportFrom)):
            i += 1
        if skip_imports and isinstance(body[i], (ast.Import, ast.ImportFrom)):  # imports only
            last = self.src.whole_lines(body[i])
            return (last[1] + 1, self.src.indent(body[i].lineno)) if last else None
        first = body[i]
        if self.src.whole_lines(first) is None:
            return None
        line = self.src.comments_above(first.lineno)
        return line, self.src.indent(first.lineno)

    def after_imports(self) -> int:
        """The line right after the module's leading docstring and imports (where an
        import goes)."""
        line, _first = self._module_head()
        return line

    def first_statement(self) -> int:
        """The line of the module's first statement after its docstring and imports
        (the comment lines above it included): where code that must run first goes."""
        _line, first = self._module_head()
        return first

    def _module_head(self) -> Tuple[int, int]:
        line = 1
        for i, stmt in enumerate(self.m.tree.body):
            if not (isinstance(stmt, (ast.Import, ast.ImportFrom)) or (i == 0 and _is_docstring(stmt))):
                return line, self.src.comments_above(stmt.lineno)
            line = stmt.end_lineno + 1
        return line, line

    # ------------------------------------------------------------ names
    def module_alias(self, module: str) -> Optional[str]:
        """The module-level name bound to ``import <module>`` (``torch``, ``np``), or None."""
        for name, bindings in self.m.module_scope.bindings.items():
            if len(bindings) == 1 and bindings[0].kind == "import" and bindings[0].full_name == module:
                return name
        return None

    def torch_name(self) -> Tuple[str, Tuple[Edit, ...]]:
        """How code here names ``torch``, and the edit adding ``import torch`` when nothing
        binds it (placed after the module's imports)."""
        alias = self.module_alias("torch")
        if alias is not None:
            return alias, ()
        if "torch" in self.m.module_scope.bindings:
            return "", ()  # ``torch`` means something else here: leave the file alone
        return "torch", (self.src.insert_lines(self.after_imports(), ["import torch"], ""),)

    def holds(self, name: str, scope: Scope, at: ast.AST, value: ast.AST) -> bool:
        """``name``, read in ``scope`` where ``at`` starts, holds ``value`` on every path."""
        if self.m.lookup(name, scope) is None:
            return False
        use = ast.Name(id=name, ctx=ast.Load(), lineno=at.lineno, col_offset=at.col_offset,
                       end_lineno=at.lineno, end_col_offset=at.col_offset)
        origins = self.m.origins(use, scope)
        return bool(origins) and all(o is value for o, _s in origins)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
        stmt.value.value, str)


def inside(node: ast.AST, outer: ast.AST) -> bool:
    """``node`` lies within ``outer``'s text (by position)."""
    return (outer.lineno, outer.col_offset) <= (node.lineno, node.col_offset) and \
        (node.end_lineno, node.end_col_offset) <= (outer.end_lineno, outer.end_col_offset)


def jumps_between(stmts: Sequence[ast.stmt]) -> bool:
    """A ``return``/``raise`` anywhere, or a ``break``/``continue`` of the enclosing loop,
    among ``stmts`` (not inside nested functions)."""
    todo = [(s, False) for s in stmts]
    while todo:
        node, in_loop = todo.pop()
        if isinstance(node, (ast.Return, ast.Raise)) or (
                isinstance(node, (ast.Break, ast.Continue)) and not in_loop):
            return True
        if isinstance(node, FUNCTION_NODES + (ast.ClassDef, ast.Lambda)):
            continue
        inner = in_loop or isinstance(node, (ast.For, ast.AsyncFor, ast.While))
        todo.extend((c, inner) for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)
                    or isinstance(c, ast.excepthandler) or type(c).__name__ == "match_case")
    return False


def statement_reaching(ctx: Context, first, later):
    """``(body, i, j)``: ``first``'s statement is ``body[i]`` and ``body[j]`` (j > i) is
    the statement of the same block that runs ``later`` (itself, or a call into the
    helper that does); None when ``first`` is not directly in that block."""
    chain_a, chain_b = first.via + (first.site,), later.via + (later.site,)
    k = 0
    while k < min(len(chain_a), len(chain_b)) and chain_a[k] is chain_b[k]:
        k += 1
    if k != len(chain_a) - 1 or k >= len(chain_b) or chain_b[k].scope is not first.site.scope:
        return None
    scope = first.site.scope
    pa = ctx.m.statement_path(first.node, scope)
    pb = ctx.m.statement_path(chain_b[k].node, scope)
    if not pa or not pb or len(pb) < len(pa) or pb[:len(pa) - 1] != pa[:-1]:
        return None
    (owner, field_name, i), (owner_b, field_b, j) = pa[-1], pb[len(pa) - 1]
    if owner_b is not owner or field_b != field_name or j <= i:
        return None
    return getattr(owner, field_name), i, j


def move_after(ctx: Context, stmt: ast.stmt, anchor: ast.stmt, title: str) -> Union[Fix, str]:
    """Move ``stmt`` (with the comment lines right above it) to after ``anchor``, a later
    statement of the same block: one edit from ``stmt``'s first line to ``anchor``'s last."""
    src = ctx.src
    lines = src.whole_lines(stmt)
    anchor_lines = src.whole_lines(anchor)
    if lines is None or anchor_lines is None:
        return "the statements share a line with other code"
    first = src.comments_above(lines[0])
    moved = src.lines_text(first, lines[1])
    between = src.lines_text(lines[1] + 1, anchor_lines[1])
    start, end = src.line_start(first), src.line_end(anchor_lines[1])
    return Fix(title, (Edit(start, end, between + moved),), True)
