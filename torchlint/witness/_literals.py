"""Literal provenance for the TL301 witness: which numeric literal of the script's
source, if any, is the very object an optimizer received as its learning rate.

The script (and every module it imports from its own directory) is compiled with each
float literal replaced by a call that returns *one float object per literal site* -
same value, same type, created once, so identity survives assignments, argument
passing, containers, argparse defaults, dataclass defaults, config dicts and
``self.hparams``, while any arithmetic makes a new object. An object that is one of
these is that literal, and the site table says where it is written and which call
(if any) it is an argument of. Nothing else in the script changes: the values are
the same floats, and the code positions are the original ones.

Literals inside ``match`` patterns are left alone (a pattern may not contain a call);
integer literals are not tracked (small ints are shared objects in CPython).
"""
from __future__ import annotations

import ast
import builtins
import importlib.abc
import importlib.machinery
import os
import sys
import types
from typing import Callable, Dict, List, Optional, Tuple

HOOK = "__torchlint_literal__"
Span = Tuple[int, int, int, int]  # lineno, end_lineno, col_offset, end_col_offset

SITES: List[dict] = []  # site k: {"file", "line", "col", "call": Span or None, "value"}
OBJECTS: List[float] = []  # site k's float object (kept alive, so ids stay unique)
BY_ID: Dict[int, int] = {}  # id(object) -> k


def literal(k: int) -> float:
    return OBJECTS[k]


def site_of(value) -> Optional[dict]:
    """The literal site ``value`` *is* (by identity), or None."""
    k = BY_ID.get(id(value))
    return SITES[k] if k is not None and OBJECTS[k] is value else None


def _span(node) -> Span:
    return (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset)


class _Tagger(ast.NodeTransformer):
    def __init__(self, path: str):
        self.path = path
        self.calls: List[Span] = []

    def visit_Call(self, node):
        self.calls.append(_span(node))
        try:
            return self.generic_visit(node)
        finally:
            self.calls.pop()

    def visit_match_case(self, node):  # patterns stay literal
        if node.guard is not None:
            node.guard = self.visit(node.guard)
        node.body = [self.visit(stmt) for stmt in node.body]
        return node

    def visit_Constant(self, node):
        if type(node.value) is not float:
            return node
        k = len(SITES)
        SITES.append({"file": self.path, "line": node.lineno, "col": node.col_offset,
                      "call": self.calls[-1] if self.calls else None, "value": node.value})
        obj = float.fromhex(node.value.hex())  # a new object, equal value
        OBJECTS.append(obj)
        BY_ID[id(obj)] = k
        call = ast.Call(func=ast.Name(id=HOOK, ctx=ast.Load()), args=[ast.Constant(value=k)],
                        keywords=[])
        return ast.copy_location(call, node)


def compile_tagged(source, path: str) -> types.CodeType:
    tree = ast.parse(source, filename=path)
    tree = ast.fix_missing_locations(_Tagger(path).visit(tree))
    for node in ast.walk(tree):  # the hook's own nodes carry the literal's position
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == HOOK:
            for child in ast.walk(node):
                ast.copy_location(child, node)
    return compile(tree, path, "exec", dont_inherit=True)


class _Loader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        return compile_tagged(self.get_data(self.path), self.path)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, owns: Callable[[str], bool]):
        self.owns = owns

    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            return None
        if not self.owns(spec.origin):
            return None
        spec.loader = _Loader(name, spec.origin)
        return spec


def install(owns: Callable[[str], bool]) -> None:
    """Tag the literals of every module imported from a file ``owns(path)`` accepts."""
    builtins.__dict__[HOOK] = literal
    sys.meta_path.insert(0, _Finder(owns))


def run_path(script: str, run_name: str = "__main__") -> dict:
    """``runpy.run_path`` for a tagged script: the same module globals, the same
    ``sys.modules["__main__"]`` swap."""
    path = os.path.abspath(script)
    with open(path, "rb") as fh:
        code = compile_tagged(fh.read(), path)
    module = types.ModuleType(run_name)
    module.__dict__.update(__file__=script, __cached__=None, __loader__=None, __package__="",
                           __spec__=None, __builtins__=builtins)
    saved = sys.modules.get(run_name)
    sys.modules[run_name] = module
    try:
        exec(code, module.__dict__)
    finally:
        if saved is not None:
            sys.modules[run_name] = saved
    return module.__dict__
