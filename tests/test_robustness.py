"""Unbreakable: torchlint on every kind of input must neither raise nor report
TL000, and flake8 must finish.

- ``corpus``-marked sweeps: ``check_tree`` on every parseable ``.py`` of the
  installed torch, pytorch_lightning and the standard library (with every rule
  also forced to run on files the torch gate would skip);
- (tests/test_fuzz.py: hypothesmith and fixture-mutation property tests);
- hostile inputs through the real flake8: syntax errors, null bytes, odd
  encodings, a 100,000-line training script, deeply nested expressions,
  Python 3.12 syntax;
- recursion: expressions as deep as the parser accepts, in every position a
  rule looks at, must not raise RecursionError inside any rule (a swallowed
  RecursionError would silently drop that rule's report) and must keep TL101.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import textwrap
import time
import traceback
from importlib.util import find_spec
from pathlib import Path

import pytest

from torchlint import engine, plugin
from torchlint.checks import RULES
from torchlint.config import Config
from torchlint.syntax import deeper_than, unparse

REPO = Path(__file__).resolve().parent.parent
LOOP = textwrap.dedent(
    """\
    import torch

    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(1, 2)
    for _ in range(3):
    {body}
    """
)


def run_every_rule(source: str, filename: str = "t.py", force: bool = False) -> list:
    """(code, exception text) for every rule that raised; runs each rule directly, so
    an exception check_tree would turn into TL000 (or swallow) is seen here."""
    tree = ast.parse(source)
    model = engine.open_model(tree, filename, source.splitlines(True))
    if not force and not model.imports_torch:
        return []
    failures = []
    for rule in RULES:
        try:
            for _ in rule().check(model, Config()):
                pass
        except BaseException as exc:  # noqa: B902 - RecursionError included on purpose
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            failures.append((rule.code, f"{type(exc).__name__} at {Path(tb.filename).name}:{tb.lineno}"))
    return failures


# --------------------------------------------------------------- corpus sweep
def _package_root(name: str):
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _sources(name: str):
    if name == "stdlib":
        root = Path(sysconfig.get_paths()["stdlib"])
        return sorted(p for p in root.rglob("*.py")
                      if "site-packages" not in p.parts and "test" not in p.parts
                      and "tests" not in p.parts and "__pycache__" not in p.parts)
    root = _package_root(name)
    if root is None:
        pytest.skip(f"{name} is not installed")
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


# A deterministic sample of each tree (every STRIDE-th file in path order; the standard
# library's test suites left out: thousands of files of deliberately odd code), to keep
# the suite fast; TORCHLINT_FULL_SWEEP=1 sweeps every file.
STRIDE = {"torch": 4, "pytorch_lightning": 1, "stdlib": 3}


@pytest.mark.corpus
@pytest.mark.parametrize("package", ["torch", "pytorch_lightning", "stdlib"])
def test_corpus_sweep_no_exception_no_tl000(package):
    files = _sources(package)
    if os.environ.get("TORCHLINT_FULL_SWEEP") != "1":
        files = files[::STRIDE[package]]
    checked = forced = 0
    problems = []
    started = time.process_time()
    for path in files:
        try:
            source = path.read_bytes().decode("utf-8")
            tree = ast.parse(source, str(path))
        except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
            continue  # flake8 reports E902/E999 for these; torchlint never sees them
        lines = source.splitlines(True)
        try:
            out = plugin.check_tree(tree, str(path), lines)
        except BaseException as exc:  # noqa: B902
            problems.append(f"{path}: check_tree raised {type(exc).__name__}: {exc}")
            continue
        problems += [f"{path}:{v.line}: {v.code} {v.message}" for v in out if v.code == "TL000"]
        checked += 1
        if not plugin.looks_like_pytorch(lines) or package == "stdlib":
            # the gate would skip it: run every rule anyway, on code no rule was written for
            problems += [f"{path}: {code} raised {what}"
                         for code, what in run_every_rule(source, str(path), force=True)]
            forced += 1
    took = time.process_time() - started
    print(f"{package}: {checked} files checked, {forced} forced through every rule, {took:.1f}s CPU")
    assert checked > 0
    assert not problems, "\n".join(problems[:20])


# ------------------------------------------------------------ hostile inputs
def flake8(*args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def test_hostile_files_through_flake8(tmp_path):
    bad = LOOP.format(body="    model(x).sum().backward()\n    opt.step()\n")
    cases = {
        "syntax_mid_loop.py": bad.replace("opt.step()", "opt.step(("),
        "unterminated.py": "import torch\ns = '''never closed\n",
        "nul_in_body.py": "import torch\nx = 1\x00\n",
        "nul_only.py": "\x00\x00\x00",
        "tabs_and_spaces.py": "import torch\nif True:\n\tx = 1\n        y = 2\n",
        "cr_only.py": bad.replace("\n", "\r"),
        "crlf.py": bad.replace("\n", "\r\n"),
        "deep_parens.py": "import torch\nx = " + "(" * 190 + "torch.zeros(1)" + ")" * 190 + "\n",
        "deep_blocks.py": "import torch\n" + "".join("    " * i + "if x:\n" for i in range(95))
                          + "    " * 95 + "opt.step()\n",
        "py312.py": "import torch\ntype Alias[T] = list[T]\ndef f[T: int](x: T) -> T:\n"
                    "    return f'{x!r:>{10}} {\"nested\"}'\n",
        "match.py": "import torch\nmatch x:\n    case {'a': [1, *rest]} if rest:\n        opt.step()\n"
                    "    case _:\n        pass\n",
        "walrus_async.py": "import torch\nasync def f():\n    async for b in loader:\n"
                           "        async with ctx as c:\n            (loss := model(b)).backward()\n",
    }
    encoded = {
        "latin1_declared.py": "# -*- coding: latin-1 -*-\nimport torch\ns = 'caf\xe9'\n".encode("latin-1"),
        "cp1252_undeclared.py": "import torch\ns = '\u201cquoted\u201d'\n".encode("cp1252"),
        "utf16_bom.py": "import torch\nx = 1\n".encode("utf-16"),
        "utf8_bom.py": b"\xef\xbb\xbf" + bad.encode(),
        "bogus_coding.py": b"# -*- coding: no-such-codec -*-\nimport torch\n",
        "invalid_utf8.py": b"import torch\nx = '\xff\xfe'\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    for name, data in encoded.items():
        (tmp_path / name).write_bytes(data)
    proc = flake8("--select=TL,E902,E999", ".", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "critical error" not in proc.stdout, proc.stdout + proc.stderr
    assert "TL000" not in proc.stdout
    reported = {line.split(":")[0].lstrip("./") for line in proc.stdout.splitlines() if " TL" in line}
    assert reported <= {"crlf.py", "utf8_bom.py", "cr_only.py"}, proc.stdout  # the real loop only


def test_a_huge_generated_training_script(tmp_path):
    """40,000 lines of generated tables and helpers, then the training loop: every rule
    finishes, the loop is reported once, nothing else (no TL000). In-process: the work
    grows linearly (test_performance), so this size shows what 100,000 lines would."""
    source = LOOP.format(body="    model(x).sum().backward()\n    opt.step()\n")
    head, loop = source.split("for _ in range(3):")
    tables = "".join(f"t{i} = torch.zeros({i})\n" for i in range(20_000))
    helpers = "".join(f"def f{i}(a):\n    return a * {i}\n" for i in range(10_000))
    source = head + tables + helpers + "for _ in range(3):" + loop
    assert source.count("\n") > 40_000
    path = tmp_path / "huge.py"
    path.write_text(source)
    step_line = source.splitlines().index("    opt.step()") + 1
    lines = source.splitlines(True)
    found = [(v.line, v.code) for v in engine.check_tree(ast.parse(source), str(path), lines)]
    assert [line for line, code in found if code == "TL101"] == [step_line], found
    assert "TL000" not in {code for _, code in found}


DEEP = 900  # about as deep as CPython's parser builds (RecursionError past ~1000)


def _deep_shapes():
    term = "model(x).sum()"
    return {
        "binop": " + ".join([term] * DEEP),
        "attribute": "x" + ".t" * DEEP,
        "call": "f" + "()" * DEEP,
        "subscript": "x" + "[0]" * DEEP,
        "unary": "-" * DEEP + "x",
        "boolop": " and ".join(["x"] * DEEP),
        "lambda": "lambda: " * 150 + "x",
    }


POSITIONS = {
    "backward_receiver": "    ({D}).backward()\n    opt.step()\n",
    "step_argument": "    model(x).sum().backward()\n    opt.step({D})\n",
    "zero_grad_receiver": "    model(x).sum().backward()\n    opt.step()\n    ({D}).zero_grad()\n",
    "to_device": "    x = x.to({D})\n    model(x).sum().backward()\n    opt.step()\n",
    "assigned_loss": "    loss = {D}\n    loss.backward()\n    opt.step()\n",
    "with_item": "    with ({D}):\n        model(x).sum().backward()\n        opt.step()\n",
    "optimizer_lr": "    model(x).sum().backward()\n    opt.step()\n",
}


@pytest.mark.parametrize("shape", list(_deep_shapes()))
def test_deep_expressions_never_raise_in_any_rule(shape):
    deep = _deep_shapes()[shape]
    for where, template in POSITIONS.items():
        source = LOOP.format(body=template.format(D=deep))
        if where == "optimizer_lr":
            source = source.replace("lr=0.1", f"lr=({deep})")
        try:
            ast.parse(source)
        except (RecursionError, SyntaxError, MemoryError):
            continue  # deeper than this Python's parser goes: flake8 reports E999
        assert run_every_rule(source) == [], (shape, where)
        codes = [v.code for v in plugin.check_source(source)]
        assert "TL000" not in codes
        if where in ("backward_receiver", "step_argument", "assigned_loss", "to_device"):
            assert "TL101" in codes, (shape, where)  # the deep expression must not hide the bug


def test_unparse_is_depth_guarded():
    deep = ast.parse("f" + "()" * DEEP, mode="eval").body
    assert deeper_than(deep, 60) and not deeper_than(ast.parse("a.b(c)", mode="eval").body, 60)
    assert unparse(deep) == "..."
    call = ast.parse("opt.step(" + " + ".join(["a"] * DEEP) + ")", mode="eval").body
    assert unparse(call) == "opt.step(...)"
    assert unparse(ast.parse("opt.step()", mode="eval").body) == "opt.step()"


def test_flake8_finishes_on_deep_nesting(tmp_path):
    for shape, deep in _deep_shapes().items():
        source = LOOP.format(body=f"    loss = {deep}\n    loss.backward()\n    opt.step()\n")
        (tmp_path / f"deep_{shape}.py").write_text(source)
    # only torchlint's checker (pyflakes itself recurses on such trees)
    proc = subprocess.run([sys.executable, "-m", "torchlint", "check", "--no-progress", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "TL000" not in proc.stdout, proc.stdout + proc.stderr


def test_names_in_fullwidth_letters_are_read_as_python_reads_them():
    """Python NFKC-normalizes identifiers: ``ｔｏｒｃｈ`` is ``torch``. The word gates (the
    file gate, the rules' ``requires``, ``mentions``, the lexicon of imported modules) must
    read the text so too, or a hazard spelled that way goes unreported."""
    from torchlint.facts import lexicon

    ascii_src = textwrap.dedent("""\
        import torch
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x in torch.randn(8, 4, 2):
            loss = model(x).sum()
            loss.backward()
            opt.step()
        """)
    wide_src = ascii_src
    for word in ("torch", "backward", "step"):  # the full-width letters, U+FF41 on
        wide_src = wide_src.replace(word, "".join(chr(ord(c) - ord("a") + 0xFF41) for c in word))
    assert "torch" not in wide_src and ast.dump(ast.parse(wide_src)) == ast.dump(ast.parse(ascii_src))

    def found(src):
        return sorted((v.line, v.code) for v in engine.check_source(src, "train.py"))

    assert found(ascii_src) and found(wide_src) == found(ascii_src)
    data = "import numpy as np\nx = np.\uff52\uff41\uff4e\uff44\uff4f\uff4d.rand(3)\n".encode()
    assert "draws" in lexicon.scan(data).words
