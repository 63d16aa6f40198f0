"""A script's settings as its default run sees them: the ``argparse`` arguments (every
``add_argument`` call, with its default), and expressions evaluated at those defaults.

Both conversions ask "what does the script do when run without flags?": which branch
builds the model (``if args.model == "lstm":``), whether AMP or DDP is on
(``GradScaler(enabled=args.amp)``), what ``range(args.epochs)`` counts to. The answer
is a Python value, or :data:`UNKNOWN` when it depends on the machine
(``torch.cuda.is_available()``), the environment, or anything not written as a
literal. Static only: nothing is imported or run.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Dict, List, Optional

from torchlint.semantic import Scope, SemanticModel, memoized
from torchlint.syntax import const_str

UNKNOWN = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN", "__bool__": None})()
_PARSE_CALLS = ("parse_args", "parse_known_args")
_MAX_DEPTH = 8
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_,
            ast.IsNot: operator.is_not, ast.In: lambda a, b: a in b,
            ast.NotIn: lambda a, b: a not in b}


@dataclass
class Argument:
    """One ``parser.add_argument(...)`` call."""

    dest: str
    call: ast.Call
    default: Optional[ast.expr]  # the default as written, or a synthesized constant
    statement: Optional[ast.stmt]

    @property
    def default_text(self) -> str:
        return ast.unparse(self.default) if self.default is not None else "None"


@memoized
def arguments(m: SemanticModel) -> Dict[str, Argument]:
    """dest -> the ``add_argument`` call of every argument the file declares."""
    out: Dict[str, Argument] = {}
    for site in m.sites:
        call = site.node
        if not (site.is_call and isinstance(call.func, ast.Attribute)
                and call.func.attr == "add_argument"):
            continue
        flags = [const_str(a) for a in call.args if const_str(a) is not None]
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        dest = const_str(kw.get("dest"))
        if dest is None:
            longs = [f for f in flags if f.startswith("--")]
            chosen = longs[0] if longs else (flags[0] if flags else "")
            dest = chosen.lstrip("-").replace("-", "_")
        if not dest.isidentifier():
            continue
        action = const_str(kw.get("action"))
        default = kw.get("default")
        if default is None:
            value = {"store_true": False, "store_false": True}.get(action or "")
            default = ast.Constant(value)
        statement = _statement_of(m, call)
        out.setdefault(dest, Argument(dest, call, default, statement))
    return out


def _statement_of(m: SemanticModel, node: ast.AST) -> Optional[ast.stmt]:
    while node is not None and not isinstance(node, ast.stmt):
        node = m.parent(node)
    return node


def _written(m: SemanticModel, attr: str) -> list:
    """``args.<attr> = value`` writes on the parsed namespace: (target, value, scope)."""
    return [w for w in m.attr_writes.get(attr, ()) if is_namespace(m, w[0].value, w[2])]


def is_namespace(m: SemanticModel, expr: ast.AST, scope: Scope) -> bool:
    """``args`` of ``args = parser.parse_args()`` (through parameters and helpers that
    return it; ``parse_known_args()[0]`` too)."""
    for origin, _s in m.origins(expr, scope):
        if isinstance(origin, ast.Subscript):
            origin = origin.value
        if isinstance(origin, ast.Call) and isinstance(origin.func, ast.Attribute) \
                and origin.func.attr in _PARSE_CALLS:
            return True
    return False


def setting(m: SemanticModel, expr: ast.AST, scope: Scope) -> Optional[Argument]:
    """The argument ``args.lr`` reads, when ``args`` is the parsed namespace."""
    if isinstance(expr, ast.Attribute) and expr.attr in arguments(m) \
            and is_namespace(m, expr.value, scope):
        return arguments(m)[expr.attr]
    return None


def evaluate(m: SemanticModel, expr: ast.AST, scope: Scope, depth: int = 0):
    """The value of ``expr`` in the default run, or :data:`UNKNOWN`."""
    if depth > _MAX_DEPTH or expr is None:
        return UNKNOWN
    try:
        return _evaluate(m, expr, scope, depth)
    except Exception:  # a comparison of odd types, a division by zero: not known
        return UNKNOWN


def _evaluate(m: SemanticModel, expr: ast.AST, scope: Scope, depth: int):  # noqa: C901
    ev = lambda e: evaluate(m, e, scope, depth + 1)  # noqa: E731
    if isinstance(expr, ast.Constant):
        return expr.value
    arg = setting(m, expr, scope)
    if arg is not None and not _written(m, expr.attr):
        return evaluate(m, arg.default, m.module_scope, depth + 1)
    if isinstance(expr, ast.Attribute) and is_namespace(m, expr.value, scope):
        writes = _written(m, expr.attr)  # args.distributed = args.world_size > 1 or ...
        if len(writes) == 1:
            return evaluate(m, writes[0][1], writes[0][2], depth + 1)
        return UNKNOWN
    if isinstance(expr, (ast.Tuple, ast.List)):
        values = [ev(e) for e in expr.elts]
        return UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)
    if isinstance(expr, ast.UnaryOp):
        value = ev(expr.operand)
        if value is UNKNOWN:
            return UNKNOWN
        return {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
                ast.Invert: operator.invert}[type(expr.op)](value)
    if isinstance(expr, ast.BinOp) and type(expr.op) in _BINOPS:
        left, right = ev(expr.left), ev(expr.right)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        return _BINOPS[type(expr.op)](left, right)
    if isinstance(expr, ast.BoolOp):
        return _bool_op(expr, ev)
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and type(expr.ops[0]) in _COMPARE:
        left, right = ev(expr.left), ev(expr.comparators[0])
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        return _COMPARE[type(expr.ops[0])](left, right)
    if isinstance(expr, ast.IfExp):
        test = ev(expr.test)
        if test is UNKNOWN:
            return UNKNOWN
        return ev(expr.body if test else expr.orelse)
    if isinstance(expr, ast.Name):
        return _name_value(m, expr, scope, depth)
    return UNKNOWN


def _bool_op(expr: ast.BoolOp, ev):
    """``a and b`` / ``a or b``. A known operand that decides the truth (a falsy one under
    ``and``, a truthy one under ``or``) decides it even when another is not known
    (``torch.cuda.is_available() and args.fp16`` is off when ``--fp16`` is off)."""
    is_and = isinstance(expr.op, ast.And)
    values = [ev(operand) for operand in expr.values]
    for value in values:
        if value is not UNKNOWN and bool(value) != is_and:
            return value if all(v is not UNKNOWN for v in values) else (not is_and)
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    return values[-1]


def _name_value(m: SemanticModel, node: ast.Name, scope: Scope, depth: int):
    """The value of a name: of every binding the use may see (a parameter: of the
    arguments same-file callers pass and its default), when they all agree."""
    values = []
    for b in m.reaching_bindings(node, scope):
        if b.kind == "assign" and b.value is not None and b.unpack is None:
            values.append(evaluate(m, b.value, b.scope, depth + 1))
        elif b.kind == "argument":
            values += [evaluate(m, v, s, depth + 1) for v, s in m.parameter_values(b)] or [UNKNOWN]
        else:  # imports, loop targets, unpacked tuples: not followed
            return UNKNOWN
    if not values or any(v is UNKNOWN for v in values):
        return UNKNOWN
    first = values[0]
    return first if all(_same(v, first) for v in values) else UNKNOWN


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def default_branch(m: SemanticModel, test: ast.expr, scope: Scope) -> Optional[bool]:
    """Does the default run take the ``if`` whose test this is? None: not known."""
    value = evaluate(m, test, scope)
    return None if value is UNKNOWN else bool(value)


def runs_by_default(m: SemanticModel, node: ast.AST, scope: Scope) -> Optional[bool]:
    """Does the default run reach ``node``, as far as the ``if`` tests around it (in its
    function) tell? True / False, or None when a test is not known."""
    answer: Optional[bool] = True
    child, current = node, m.parent(node)
    while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                           ast.Module, ast.ClassDef)):
        if isinstance(current, (ast.If, ast.IfExp)) and child is not current.test:
            taken = default_branch(m, current.test, scope)
            in_body = child in current.body if isinstance(current.body, list) else \
                child is current.body
            if taken is None:
                answer = None
            elif taken != in_body:
                return False
        child, current = current, m.parent(current)
    return answer


def parser_statements(m: SemanticModel) -> List[ast.stmt]:
    """The statements that build and parse the command line (``parser = ArgumentParser()``,
    every ``add_argument``, ``args = parser.parse_args()``), in source order."""
    out: List[ast.stmt] = []
    for arg in arguments(m).values():
        if arg.statement is not None:
            out.append(arg.statement)
    for site in m.sites:
        func = site.node.func if site.is_call else None
        if func is not None and (
                isinstance(func, ast.Attribute) and func.attr in _PARSE_CALLS + ("add_argument_group",)
                or (m.resolve(func, site.scope) or "").endswith("ArgumentParser")):
            stmt = _statement_of(m, site.node)
            if stmt is not None:
                out.append(stmt)
    seen, unique = set(), []
    for stmt in sorted(out, key=lambda s: (s.lineno, s.col_offset)):
        if id(stmt) not in seen and not isinstance(stmt, (ast.FunctionDef, ast.If, ast.For)):
            seen.add(id(stmt))
            unique.append(stmt)
    return unique
