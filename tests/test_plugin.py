"""The flake8 entry point: installation, isolation, selection, noqa, bad input."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

from torchlint import engine, plugin
from torchlint.checks import RULES
from torchlint.rule import Rule

BAD = textwrap.dedent(
    """
    import torch
    LR = 0.1
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    for _ in range(3):
        model(torch.randn(1, 2)).sum().backward()
        opt.step()
    """
)


def flake8(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args],
                          input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_plugin_import_does_not_import_torch():
    code = ("import sys, torchlint.plugin, torchlint.cli, torchlint.checks; "
            "bad = [m for m in ('torch', 'lightning', 'pytorch_lightning') if m in sys.modules]; "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_flake8_version_lists_torchlint():
    proc = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert "torchlint: " in proc.stdout


def test_reports_through_flake8_and_noqa(tmp_path):
    f = tmp_path / "train.py"
    f.write_text(BAD)
    proc = flake8("--select=TL", str(f))
    assert proc.stdout.strip().endswith(
        "9:5: TL101 opt.step() in a loop that never clears gradients; call opt.zero_grad() each iteration")
    f.write_text(BAD.replace("opt.step()", "opt.step()  # noqa: TL101"))
    assert flake8("--select=TL", str(f)).stdout == ""


def test_stdin_with_display_name():
    proc = flake8("--select=TL", "--stdin-display-name=pkg/train.py", "-", stdin=BAD)
    assert proc.stdout.startswith("pkg/train.py:9:5: TL101")


class Exploding(Rule):
    """Always raises."""
    code = "TL999"
    name = "exploding"

    def check(self, m, config):
        yield self.violation(1, what="x")
        raise KeyError("boom")


def test_rule_exception_becomes_one_tl000_and_other_rules_still_run():
    out = plugin.check_source(BAD, rules=[Exploding, *RULES])
    codes = [v.code for v in out]
    assert codes.count("TL000") == 1
    tl000 = next(v for v in out if v.code == "TL000")
    assert tl000.message == "torchlint internal error in TL999: KeyError"
    assert "TL101" in codes


def _reporting(code_: str, requires_=(), gate=None):
    """A rule that reports line 1 wherever it runs (``gate``: a may_apply of its own)."""
    attrs = {"code": code_, "name": code_, "requires": requires_, "message": "ran",
             "check": lambda self, m, config: iter([self.violation(1)])}
    if gate is not None:
        attrs["may_apply"] = classmethod(lambda cls, text: gate(text))
    return type(code_, (Rule,), attrs)


def test_rule_text_gates_run_exactly_the_rules_that_may_apply_in_order():
    asked = []
    rules = (_reporting("TL991", ("Adam", "SGD")), _reporting("TL992"),
             _reporting("TL993", ("shuffle",)), _reporting("TL994", ("SGD", "Adam")),
             _reporting("TL995", gate=lambda text: asked.append(text) or "step" in (text or "")))
    for src, ran in [("import torch\nopt = SGD()\n", ["TL991", "TL992", "TL994"]),
                     ("import torch\nx.step(shuffle)\n", ["TL992", "TL993", "TL995"]),
                     ("import torch\n", ["TL992"])]:
        assert [v.code for v in engine.check_source(src, rules=rules)] == ran
    assert len(asked) == 3  # the rule's own may_apply: asked once per file
    tree = ast.parse("import torch\n")  # text unknown: every rule whose own gate lets it
    assert [v.code for v in engine.check_tree(tree, "x.py", None, None, rules)] == [
        "TL991", "TL992", "TL993", "TL994"]


def test_gate_skips_non_pytorch_files():
    src = "for x in y:\n    x.backward()\n    opt.step()\n"
    assert plugin.check_source(src) == []
    assert not plugin.looks_like_pytorch(src.splitlines(True))


def test_bad_inputs_keep_flake8_alive(tmp_path):
    cases = {
        "syntax.py": "import torch\nfor x in :\n",
        "nul.py": "import torch\x00\n",
        "latin1.py": "# -*- coding: latin-1 -*-\nimport torch\ns = 'caf\xe9'\n",
        "bom.py": "\ufeffimport torch\nx = torch.zeros(1)\n",
        "py312.py": "import torch\ntype Alias = list[int]\ndef f[T](x: T) -> T:\n    return x\n",
        "not_torch.py": "print('hello')\n",
        "deep.py": "import torch\nx = " + "(" * 150 + "1" + ")" * 150 + "\n",
        "empty.py": "",
    }
    for name, text in cases.items():
        enc = "latin-1" if name == "latin1.py" else "utf-8"
        (tmp_path / name).write_bytes(text.encode(enc))
    proc = flake8("--select=TL,E999,E902", str(tmp_path))
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "TL000" not in proc.stdout
    assert "TL1" not in proc.stdout


def test_tl9_is_off_by_default():
    ignored = []

    class Manager:
        def add_option(self, *a, **k):
            pass

        def extend_default_ignore(self, codes):
            ignored.extend(codes)

    plugin.Plugin.add_options(Manager())
    assert "TL9" in ignored


def test_model_failure_is_one_tl000(monkeypatch):
    def broken(*a, **k):
        raise ValueError("model")
    monkeypatch.setattr(engine, "SemanticModel", broken)
    out = engine.check_tree(ast.parse(BAD), lines=BAD.splitlines(True))
    assert [(v.code, v.message) for v in out] == [
        ("TL000", "torchlint internal error in semantic model: ValueError")]
