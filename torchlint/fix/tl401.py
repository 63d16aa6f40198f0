"""TL401 fix: seed the run where it starts: ``torch.manual_seed(<seed>)`` (plus
``random.seed`` / ``np.random.seed`` for the generators the file draws from, so
the fix does not leave a TL402 behind).

Where: at the top of the function the script starts processes with
(``mp.spawn(main, ...)``, ``Process(target=main)``: each process starts from a
fresh interpreter, a seed in the parent does not reach it); else right after
``args = parser.parse_args()`` when the script declares an argparse ``--seed``;
else as the first statement of the ``if __name__ == "__main__":`` block (after
its imports), or before the module's first statement after its imports when
module-level code runs before that block (or there is none). The seed is
``args.seed`` when there is a ``--seed`` (with ``if args.seed is not None else
0`` when its default is not a number), else ``0``. Always
unsafe: every random draw of the run changes.
"""
from __future__ import annotations

import ast
from typing import List, Optional, Tuple, Union

from torchlint.facts import hparams, launch, seeding
from torchlint.fix.context import Context
from torchlint.fix.edits import Edit, Fix
from torchlint.rule import Violation
from torchlint.syntax import find_argument

_SPAWNERS = frozenset({"torch.multiprocessing.spawn", "torch.multiprocessing.spawn.spawn",
                       "torch.multiprocessing.start_processes", "multiprocessing.Process",
                       "torch.multiprocessing.Process"})
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
_MODULES = {seeding.RANDOM: ("random", "random", "{}.seed({})"),
            seeding.NUMPY: ("numpy", "numpy", "{}.random.seed({})")}


def fix(ctx: Context, v: Violation) -> Union[Fix, str]:
    m = ctx.m
    entry = launch.training_entry(m)
    if entry is None or (entry.lineno, entry.col_offset) != (v.line, v.col):
        return "the reported training entry is not found"
    torch, imports = ctx.torch_name()
    if not torch:
        return "`torch` names something else in this file"
    imported: List[str] = []
    calls = [f"{torch}.manual_seed({{}})"]
    draws = seeding.global_draws(m, ctx.config["seed-functions"])
    for rng, (module, default, template) in _MODULES.items():
        if draws.get(rng):
            alias = ctx.module_alias(module)
            if alias is None:
                if default in m.module_scope.bindings:
                    return f"`{default}` names something else in this file"
                alias = default
                imported.append(f"import {module}")
            calls.append(template.format(alias, "{}"))
    seed, (line, indent) = _seed_and_place(ctx, entry)
    lines = [c.format(seed) for c in calls]
    top = ctx.after_imports()
    edits = list(imports)
    if imported and line == top:
        edits.append(ctx.src.insert_lines(top, imported + lines, indent))
    else:
        if imported:
            edits.append(ctx.src.insert_lines(top, imported, ""))
        edits.append(ctx.src.insert_lines(line, lines, indent))
    edits = _merge(edits)
    return Fix(f"seed the run: {lines[0]}", tuple(edits), safe=False)


def _seed_and_place(ctx: Context, entry: ast.AST) -> Tuple[str, Tuple[int, str]]:
    """The seed expression and (line, indentation) of the new seeding statements."""
    parsed = _parsed_seed(ctx)
    spawned = _spawned_function(ctx)
    if spawned is not None:  # each process runs it from a fresh interpreter: seed there
        place = ctx.top_of(spawned.node.body, skip_docstring=True, skip_imports=True)
        if place is not None:
            names = {a.arg for a in spawned.node.args.args + spawned.node.args.kwonlyargs}
            return (parsed[0] if parsed and parsed[2] in names else "0"), place
    if parsed is not None:
        return parsed[0], parsed[1]
    code_before = any(s.is_call and s.node.lineno < entry.lineno and not isinstance(
        ctx.m.tree.body[ctx.m.statement_path(s.node, s.scope)[0][2]], _DEFINITIONS)
        for s in ctx.m.module_sites if ctx.m.statement_path(s.node, s.scope))
    if isinstance(entry, ast.If) and entry in ctx.m.main_guards and not code_before:
        place = ctx.top_of(entry.body, skip_imports=True)
        if place is not None:
            return "0", place
    return "0", (ctx.first_statement(), "")


def _spawned_function(ctx: Context):
    """The one same-file function the script starts processes with
    (``mp.spawn(main, ...)``, ``Process(target=main)``), or None."""
    found = {}
    for site in ctx.m.sites:
        if not site.is_call or ctx.m.resolve(site.node.func, site.scope) not in _SPAWNERS:
            continue
        target = find_argument(site.node, 0, "fn", "target") if not any(
            k.arg == "target" for k in site.node.keywords) else find_argument(site.node, None, "target")
        function = ctx.m.function_for(target, site.scope) if target is not None else None
        if function is not None:
            found[id(function.node)] = function
    return next(iter(found.values())) if len(found) == 1 else None


def _parsed_seed(ctx: Context) -> Optional[Tuple[str, Tuple[int, str], str]]:
    """``args.seed``, the place right after ``args = parser.parse_args()`` and ``args``,
    when an argparse ``--seed`` is declared and the arguments are parsed into one name
    in code the entry point runs."""
    m = ctx.m
    options = [s for s in hparams.lr_settings(m, ("seed",)) if s.kind == hparams.ARGPARSE]
    if len(options) != 1:
        return None
    reached = {id(f.node) for f in m.entry_functions()}
    for site in m.sites:
        func = getattr(site.node, "func", None)
        if not (isinstance(func, ast.Attribute) and func.attr == "parse_args"):
            continue
        if site.function is not None and id(site.function.node) not in reached:
            continue
        stmt = ctx.statement(site.node, site.scope)
        if not (isinstance(stmt, ast.Assign) and stmt.value is site.node and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)) or ctx.src.whole_lines(stmt) is None:
            continue
        args = stmt.targets[0].id
        seed = f"{args}.{options[0].name}"
        if not _numeric_default(options[0].node):
            seed = f"{seed} if {seed} is not None else 0"
        return seed, (stmt.end_lineno + 1, ctx.src.indent(stmt.lineno)), args
    return None


def _numeric_default(add_argument: ast.Call) -> bool:
    for k in add_argument.keywords:
        if k.arg == "default":
            return isinstance(k.value, ast.Constant) and type(k.value.value) is int
        if k.arg == "required":
            return isinstance(k.value, ast.Constant) and k.value.value is True
    return False


def _merge(edits: List[Edit]) -> List[Edit]:
    """Insertions at one place become one edit (imports first), so they do not conflict."""
    out: List[Edit] = []
    for e in edits:
        if out and out[-1].start == out[-1].end == e.start == e.end:
            out[-1] = Edit(e.start, e.start, out[-1].text + e.text)
        else:
            out.append(e)
    return out
