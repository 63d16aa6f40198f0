"""Edits on a script's own text: the Fabric conversion's renderer.

A Fabric conversion keeps the script as written and changes a few statements, so
its output is the original text with edits applied, never a re-printed ``ast``
(comments, blank lines and formatting survive). An edit is one of:

* ``replace(node, text)``: an expression or statement's source becomes ``text``
  (``text`` may be a function of :meth:`Edits.text_of`, to build on the edited text
  of the node's children: ``DDP(Net().to(device))`` -> ``Net()`` is two edits);
* ``delete(stmt)``: a statement's lines go (a block left empty gets ``pass``);
* ``before(stmt, lines)`` / ``after(stmt, lines)``: new statements at the statement's
  indentation; ``header(lines)`` after the module's imports.

Positions are ``ast``'s: lines, and columns in UTF-8 bytes, so the work is on bytes.
"""
from __future__ import annotations

import ast
import difflib
from typing import Callable, Dict, List, Optional, Tuple, Union

Text = Union[str, Callable[["Edits"], str]]


class Edits:
    def __init__(self, source: str, tree: ast.Module):
        self.source = source
        self.tree = tree
        self.lines: List[bytes] = source.encode("utf-8").splitlines(keepends=True)
        if self.lines and not self.lines[-1].endswith(b"\n"):
            self.lines[-1] += b"\n"  # insertions after the last line start on a line of their own
        self._starts = [0]
        for line in self.lines:
            self._starts.append(self._starts[-1] + len(line))
        self.replaced: Dict[ast.AST, Text] = {}
        self.deleted: Dict[ast.stmt, bool] = {}
        self.inserted_before: Dict[ast.stmt, List[str]] = {}
        self.inserted_after: Dict[ast.stmt, List[str]] = {}
        self.header_lines: List[str] = []

    # ------------------------------------------------------------------ record
    def replace(self, node: ast.AST, text: Text) -> None:
        self.replaced[node] = text

    def delete(self, stmt: ast.stmt) -> None:
        self.deleted[stmt] = True

    def before(self, stmt: ast.stmt, lines: List[str]) -> None:
        self.inserted_before.setdefault(stmt, []).extend(lines)

    def after(self, stmt: ast.stmt, lines: List[str]) -> None:
        self.inserted_after.setdefault(stmt, []).extend(lines)

    def header(self, lines: List[str]) -> None:
        self.header_lines.extend(line for line in lines if line not in self.header_lines)

    def is_deleted(self, stmt: ast.AST) -> bool:
        return stmt in self.deleted

    def __bool__(self) -> bool:
        return bool(self.replaced or self.deleted or self.inserted_before or self.inserted_after
                    or self.header_lines)

    # ------------------------------------------------------------------- read
    def original(self, node: ast.AST) -> str:
        return self._bytes(self._span(node)).decode("utf-8")

    def text_of(self, node: ast.AST) -> str:
        """``node``'s source with every edit applied (its own replacement, if any)."""
        if node in self.replaced:
            text = self.replaced[node]
            return text(self) if callable(text) else text
        return self.text_within(node)

    def text_within(self, node: ast.AST) -> str:
        """``node``'s own source with the edits of the nodes inside it applied."""
        start, end = self._span(node)
        pieces: List[Tuple[int, int, str]] = []
        for child in self._edited_children(node):
            cs, ce = self._span(child)
            pieces.append((cs, ce, self.text_of(child)))
        out, at = [], start
        for cs, ce, text in sorted(pieces):
            out.append(self._bytes((at, cs)).decode("utf-8"))
            out.append(text)
            at = ce
        out.append(self._bytes((at, end)).decode("utf-8"))
        return "".join(out)

    def indentation(self, stmt: ast.stmt) -> str:
        line = self.lines[stmt.lineno - 1].decode("utf-8")
        return line[:len(line) - len(line.lstrip())]

    # ------------------------------------------------------------------ apply
    def apply(self) -> str:
        regions: List[Tuple[int, int, bytes]] = []  # (start, end, replacement)
        for node in self._top_replacements():
            start, end = self._span(node)
            regions.append((start, end, self.text_of(node).encode("utf-8")))
        emptied = self._emptied_blocks()
        for stmt in list(self.deleted):
            if any(self._inside(stmt, other) for other in self.deleted if other is not stmt):
                continue
            start, end = self._line_span(stmt)
            text = b""
            if id(stmt) in emptied:
                text = (self.indentation(stmt) + "pass\n").encode("utf-8")
            regions.append((start, end, text))
        for stmt, lines in self.inserted_before.items():
            at = self._starts[stmt.lineno - 1]
            regions.append((at, at, self._block_text(lines, self.indentation(stmt))))
        for stmt, lines in self.inserted_after.items():
            at = self._line_span(stmt)[1]
            regions.append((at, at, self._block_text(lines, self.indentation(stmt))))
        if self.header_lines:
            at = self._header_offset()
            regions.append((at, at, self._block_text(self.header_lines, "")))
        data = b"".join(self.lines)
        # zero-width insertions at the same place keep their order; apply from the end
        order = sorted(enumerate(regions), key=lambda r: (r[1][0], r[1][1], r[0]), reverse=True)
        for _i, (start, end, text) in order:
            data = data[:start] + text + data[end:]
        return data.decode("utf-8")

    def diff(self, filename: str) -> str:
        new = self.apply()
        return "".join(difflib.unified_diff(self.source.splitlines(True), new.splitlines(True),
                                            f"a/{filename}", f"b/{filename}"))

    # --------------------------------------------------------------- helpers
    def _span(self, node: ast.AST) -> Tuple[int, int]:
        start = self._starts[node.lineno - 1] + node.col_offset
        end = self._starts[node.end_lineno - 1] + node.end_col_offset
        return start, end

    def _bytes(self, span: Tuple[int, int]) -> bytes:
        start, end = span
        return b"".join(self.lines)[start:end]

    def _line_span(self, stmt: ast.stmt) -> Tuple[int, int]:
        """Whole lines of a statement (to its line's end, newline included)."""
        return self._starts[stmt.lineno - 1], self._starts[min(stmt.end_lineno, len(self.lines))]

    @staticmethod
    def _inside(node: ast.AST, outer: ast.AST) -> bool:
        return node is not outer and (outer.lineno, outer.col_offset) <= (node.lineno, node.col_offset) \
            and (node.end_lineno, node.end_col_offset) <= (outer.end_lineno, outer.end_col_offset)

    def _edited_children(self, node: ast.AST) -> List[ast.AST]:
        """The outermost replaced nodes strictly inside ``node``."""
        out = []
        todo = list(ast.iter_child_nodes(node))
        while todo:
            child = todo.pop()
            if child in self.replaced and hasattr(child, "lineno"):
                out.append(child)
            else:
                todo.extend(ast.iter_child_nodes(child))
        return out

    def _top_replacements(self) -> List[ast.AST]:
        """Replaced nodes not inside another replaced node or a deleted statement."""
        outer = [n for n in self.replaced if hasattr(n, "lineno")]
        covers = outer + list(self.deleted)
        return [n for n in outer if not any(self._inside(n, o) for o in covers if o is not n)]

    def _emptied_blocks(self) -> set:
        """Ids of the first deleted statement of each block whose statements all go and
        that gains none: where a ``pass`` keeps the block valid. An ``if`` with a plain
        test (no call) left with nothing to do goes itself (``if ddp: pass``)."""
        out = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.If) and not node.orelse and self._block_emptied(node.body) \
                    and not any(isinstance(n, ast.Call) for n in ast.walk(node.test)):
                self.deleted[node] = True
        for node in ast.walk(self.tree):
            for fname in ("body", "orelse", "finalbody"):
                block = getattr(node, fname, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt) \
                        and not isinstance(node, ast.Module) and self._block_emptied(block):
                    out.add(id(block[0]))
            for handler in getattr(node, "handlers", None) or []:
                if self._block_emptied(handler.body):
                    out.add(id(handler.body[0]))
        return out

    def _block_emptied(self, block: List[ast.stmt]) -> bool:
        return all(s in self.deleted for s in block) and not any(
            s in self.inserted_before or s in self.inserted_after for s in block)

    @staticmethod
    def _block_text(lines: List[str], indent: str) -> bytes:
        return "".join(f"{indent}{line}\n" if line else "\n" for line in lines).encode("utf-8")

    def _header_offset(self) -> int:
        """After the module's leading docstring, ``__future__`` and import statements."""
        body = self.tree.body
        last: Optional[ast.stmt] = None
        for stmt in body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)) or (
                    last is None and isinstance(stmt, ast.Expr)
                    and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
                last = stmt
                continue
            break
        if last is None:
            return 0
        return self._line_span(last)[1]
