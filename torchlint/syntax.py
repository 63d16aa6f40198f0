"""Pure ``ast`` helpers: no model, no torch, nothing of torchlint imported.

The one place for: walking expressions (:func:`walk`, iterative, without the
shared context/operator singletons), rendering source for messages
(:func:`unparse`, :func:`short_text`, depth-guarded), reading a call's
argument (:func:`find_argument`, Ruff's ``Arguments::find_argument``), binding
a call's arguments to a function's parameters (:func:`bind_arguments`, in the
spirit of astroid's ``CallSite``), a parameter's default
(:func:`parameter_default`), and a few predicates (:func:`is_self`,
:func:`is_main_guard`, :func:`is_decorated`).
"""
from __future__ import annotations

import ast
import unicodedata
from collections import deque
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
MAX_UNPARSE_DEPTH = 60  # deeper expressions are machine-generated; ast.unparse recurses per level

# fields of expression nodes that never hold a node a fact is about (contexts,
# operators, identifiers, flags): not pushed, which makes the walk faster
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "kind", "conversion",
                          "type_comment", "is_async", "level", "module", "name", "names"})
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}
# node types are tested by ``type(x) is``, not isinstance: the same answer (parsed trees hold
# no subclasses of them), and a failing isinstance goes through type.__instancecheck__
_Name, _Attribute, _Constant, _AST = ast.Name, ast.Attribute, ast.Constant, ast.AST


def children_reversed(node: ast.AST) -> List[ast.AST]:
    """``node``'s child nodes, last first (for a stack), without contexts and operators."""
    fields = _CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = _CHILD_FIELDS[type(node)] = tuple(
            f for f in reversed(node._fields) if f not in _LEAF_FIELDS)
    out: List[ast.AST] = []
    for f in fields:  # loops, not a generator per list: this runs for most nodes walked
        value = getattr(node, f, None)
        if isinstance(value, list):
            for v in reversed(value):
                if isinstance(v, _AST):
                    out.append(v)
        elif isinstance(value, _AST):
            out.append(value)
    return out


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` in source order without the shared context/operator singletons
    (``Load()``, ``Add()``) and import aliases, which no fact is about; iterative."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children_reversed(current))


def walk_breadth(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk``'s order (breadth first) without the context/operator singletons and
    import aliases (leaves: the order of the other nodes is the same); for facts whose
    first match wins in that order."""
    todo = deque([node])
    while todo:
        current = todo.popleft()
        yield current
        todo.extend(reversed(children_reversed(current)))


def deeper_than(node: ast.AST, limit: int) -> bool:
    """True when ``node``'s nesting exceeds ``limit`` levels (iterative: never recurses)."""
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children_reversed(current))
    return False


def unparse(node: ast.AST, max_depth: int = MAX_UNPARSE_DEPTH) -> str:
    """``ast.unparse`` for messages, depth-guarded: ``ast.unparse`` recurses once per
    nesting level and raises RecursionError on deep generated code, which would
    silently drop a rule's report. Too deep: ``func(...)`` for a call, else ``...``.
    Names, attribute chains and keyword-less calls of them (most receivers, and losses
    such as ``F.mse_loss(model(x), y)``) are joined directly, as ``ast.unparse`` writes them."""
    simple = _simple(node, max_depth)
    if simple is not None:
        return simple
    if not deeper_than(node, max_depth):
        return ast.unparse(node)
    if isinstance(node, ast.Call) and not deeper_than(node.func, max_depth):
        return ast.unparse(node.func) + "(...)"
    return "..."


def _simple(node: ast.AST, depth: int) -> Optional[str]:
    """The text of a name, an attribute of a simple expression or a call of one with
    simple positional arguments (``a.b``, ``f(x).sum()``), else None: primary expressions,
    which ``ast.unparse`` writes without parentheses."""
    kind = type(node)
    if kind is ast.Name:
        return node.id
    if depth <= 1:
        return None
    if kind is ast.Attribute:
        value = _simple(node.value, depth - 1)
        return None if value is None else f"{value}.{node.attr}"
    if kind is ast.Call and not node.keywords:
        parts = [_simple(n, depth - 1) for n in [node.func, *node.args]]
        return None if None in parts else f"{parts[0]}({', '.join(parts[1:])})"
    return None


def short_text(node: ast.AST, limit: int = 40) -> str:
    """Source text for a message, at most about ``limit`` characters: a long call
    becomes ``func(...)``, anything else long is cut with ``...``. The one text
    helper every rule and fact uses."""
    text = unparse(node)
    if len(text) <= limit:
        return text
    if isinstance(node, ast.Call):
        func = unparse(node.func)
        return (func if len(func) <= limit else func[: limit - 8] + "...") + "(...)"
    return text[: limit - 3] + "..."


# ------------------------------------------------------------------ calls
def find_argument(call: ast.Call, index: Optional[int], *names: str) -> Optional[ast.expr]:
    """The argument passed as positional ``index`` (None: keyword only) or as one of
    the keywords ``names``; None when absent or hidden behind ``*args``."""
    if index is not None and len(call.args) > index:
        for a in call.args[: index + 1]:
            if type(a) is ast.Starred:
                break
        else:
            return call.args[index]
    for k in call.keywords:
        if k.arg is not None and k.arg in names:
            return k.value
    return None


def parameters(func: ast.AST, skip_first: bool = False) -> Tuple[List[str], List[str]]:
    """(positional parameter names, keyword-only names) of a function definition;
    ``skip_first`` drops the bound ``self``/``cls`` of a method called on an instance."""
    args = func.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if skip_first and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    return positional, [a.arg for a in args.kwonlyargs]


class BoundArguments(NamedTuple):
    """A call's arguments by parameter (astroid's ``CallSite``, reduced).

    ``exact``: the argument surely passed to a parameter; ``maybe``: ``*args`` /
    ``**kwargs`` values that may fill it; ``complete``: every argument was
    attributed to a named parameter and nothing came through ``*``/``**``."""

    exact: Dict[str, ast.expr]
    maybe: Dict[str, Tuple[ast.expr, ...]]
    complete: bool

    def candidates(self, name: str) -> List[ast.expr]:
        found = [self.exact[name]] if name in self.exact else []
        return found + list(self.maybe.get(name, ()))


def bind_arguments(func: ast.AST, call: ast.Call, skip_first: bool = False) -> BoundArguments:
    """Bind ``call``'s arguments to the parameters of the definition ``func``. The one
    argument binder: every fact that maps an argument to a parameter reads this."""
    positional, kwonly = parameters(func, skip_first)
    exact: Dict[str, ast.expr] = {}
    maybe: Dict[str, List[ast.expr]] = {}
    complete = True
    for i, value in enumerate(call.args):
        if type(value) is ast.Starred:  # f(*xs): every later positional is unknown
            for p in positional[i:]:
                maybe.setdefault(p, []).append(value)
            complete = False
            break
        if i < len(positional):
            exact[positional[i]] = value
        else:
            complete = False
    for k in call.keywords:
        if k.arg is not None:
            exact[k.arg] = k.value
        else:  # f(**kw): any parameter may come from kw
            complete = False
            for p in positional + kwonly:
                if p not in exact:
                    maybe.setdefault(p, []).append(k.value)
    return BoundArguments(exact, {p: tuple(v) for p, v in maybe.items()}, complete)


def parameter_default(func: ast.AST, name: str) -> Optional[ast.expr]:
    """The default value of parameter ``name`` of a function definition, or None."""
    args = getattr(func, "args", None)
    if args is None:
        return None
    positional = args.posonlyargs + args.args
    offset = len(positional) - len(args.defaults)
    for i, a in enumerate(positional):
        if a.arg == name:
            return args.defaults[i - offset] if i >= offset else None
    for a, default in zip(args.kwonlyargs, args.kw_defaults):
        if a.arg == name:
            return default
    return None


def parameter_nodes(args: ast.arguments) -> List[ast.arg]:
    """Every parameter of a signature: positional, keyword-only, then ``*args`` and
    ``**kwargs`` (the order the model binds them in)."""
    out = args.posonlyargs + args.args if args.posonlyargs else list(args.args)
    out += args.kwonlyargs
    if args.vararg is not None:
        out.append(args.vararg)
    if args.kwarg is not None:
        out.append(args.kwarg)
    return out


def arg_defaults(args: ast.arguments, params: Optional[List[ast.arg]] = None) -> List[ast.expr]:
    """The expressions a ``def`` line evaluates: defaults and annotations (``params``:
    :func:`parameter_nodes` of ``args``, when the caller has them already)."""
    out = list(args.defaults)
    if args.kw_defaults:
        out += [d for d in args.kw_defaults if d is not None]
    for a in parameter_nodes(args) if params is None else params:
        if a.annotation is not None:
            out.append(a.annotation)
    return out


# ------------------------------------------------------------------ predicates
def is_self(node: ast.AST) -> bool:
    return type(node) is _Name and node.id == "self"


def is_decorated(node: ast.AST, name: str) -> bool:
    """``@name`` or ``@x.name`` on a definition (``classmethod``, ``staticmethod``)."""
    return any((type(d) is _Name and d.id == name) or (type(d) is _Attribute and d.attr == name)
               for d in getattr(node, "decorator_list", ()))


def const_str(node: Optional[ast.AST]) -> Optional[str]:
    return node.value if type(node) is _Constant and isinstance(node.value, str) else None


def is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not (type(test) is ast.Compare and len(test.ops) == 1 and type(test.ops[0]) is ast.Eq):
        return False
    operands = [test.left, test.comparators[0]]
    names = [o for o in operands if type(o) is _Name and o.id == "__name__"]
    consts = [o for o in operands if type(o) is _Constant and o.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


def position(node: ast.AST) -> Tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def within(node: ast.AST, body: Sequence[ast.stmt]) -> bool:
    """``node`` lies inside the statements ``body``, by position."""
    if not body or not hasattr(node, "lineno"):
        return False
    start = position(body[0])
    end = (getattr(body[-1], "end_lineno", 0) or 0, getattr(body[-1], "end_col_offset", 0) or 0)
    return start <= position(node) <= end


def reads_name(expr: ast.AST, name: str) -> bool:
    return any(type(n) is _Name and n.id == name for n in walk(expr))


_OTHER_LINE_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # str.splitlines splits at these too


def source_lines(text: str) -> List[str]:
    """A source text's lines as Python's tokenizer counts them (and flake8 hands them over):
    broken after ``\\n``, ``\\r\\n`` and ``\\r`` only, so that line ``n`` is the AST's line ``n``.
    ``str.splitlines`` also breaks at form feeds and other separators."""
    pieces = text.splitlines(True)
    if not any(c in text for c in _OTHER_LINE_BREAKS):
        return pieces
    out: List[str] = []
    pending = ""
    for piece in pieces:
        pending += piece
        if piece.endswith(("\n", "\r")):
            out.append(pending)
            pending = ""
    if pending:
        out.append(pending)
    return out


def fold(text: str) -> str:
    """``text`` as Python reads its names: NFKC-normalized when it is not ASCII (``ｓｏｆｔｍａｘ``
    is the identifier ``softmax``), so that a word test on it misses no name."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def node_text(lines: Optional[Sequence[str]], node: ast.AST, decorators: bool = True) -> Optional[str]:
    """The source lines a statement spans (its decorators too, unless told not); None
    without lines."""
    if lines is None:
        return None
    above = getattr(node, "decorator_list", ()) if decorators else ()
    first = min([node.lineno] + [d.lineno for d in above])
    return "".join(lines[first - 1:getattr(node, "end_lineno", None) or node.lineno])


def source_segment(lines: Optional[Sequence[str]], node: Optional[ast.AST]) -> Optional[str]:
    """``node`` as written (``3e-4``, not ``0.0003``) when it sits on one line of ``lines``."""
    if node is None or not lines or node.lineno != getattr(node, "end_lineno", None):
        return None
    try:
        return lines[node.lineno - 1].encode()[node.col_offset:node.end_col_offset].decode()
    except (IndexError, UnicodeDecodeError):
        return None


def own_expressions(stmt: ast.stmt) -> List[ast.AST]:
    """The expressions a statement evaluates itself (not those of its nested blocks)."""
    if isinstance(stmt, FUNCTION_NODES):
        return stmt.decorator_list + arg_defaults(stmt.args)
    if isinstance(stmt, ast.ClassDef):
        return stmt.bases + [k.value for k in stmt.keywords] + stmt.decorator_list
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, (ast.While, ast.If)):
        return [stmt.test]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [e for item in stmt.items for e in (item.context_expr, item.optional_vars) if e]
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        return []
    if type(stmt).__name__ == "Match":
        return [stmt.subject]
    return [c for c in ast.iter_child_nodes(stmt) if isinstance(c, ast.expr)]
