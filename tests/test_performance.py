"""Speed features, tested for behaviour (the figures are benchmarks/run.py's job):
rules flake8 would discard are not run, the model's expression walk skips only
what no fact is about, and the benchmark script itself keeps working."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from torchlint import engine, plugin, syntax
from torchlint.checks import RULES
from torchlint.semantic import SemanticModel

REPO = Path(__file__).resolve().parent.parent
BAD = (REPO / "rules" / "TL101" / "flagged_for_loop.py").read_text(encoding="utf-8")


def _enabled(*argv):
    from flake8.main.application import Application

    app = Application()
    app.initialize(["--isolated", *argv, "x.py"])
    return plugin.Plugin.enabled


@pytest.fixture(autouse=True)
def _restore_plugin_state():
    saved = plugin.Plugin.config, plugin.Plugin.enabled
    yield
    plugin.Plugin.config, plugin.Plugin.enabled = saved


def test_only_rules_flake8_would_report_run():
    codes = lambda rules: {r.code for r in rules}  # noqa: E731
    assert codes(_enabled("--select=TL101")) == {"TL101"}
    assert codes(_enabled("--select=E,F")) == set()
    default = codes(_enabled())
    assert default == {r.code for r in RULES if r.default_enabled and not r.code.startswith("TL9")}
    assert codes(_enabled("--extend-select=TL9")) >= {r.code for r in RULES if r.code.startswith("TL9")}
    assert "TL101" not in codes(_enabled("--extend-ignore=TL101"))


def test_selected_rules_falls_back_to_all_on_foreign_options():
    assert plugin.selected_rules(object()) is None


def test_no_rule_selected_builds_no_model(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the model was built")

    monkeypatch.setattr(engine, "SemanticModel", boom)
    assert engine.check_tree(ast.parse(BAD), "t.py", BAD.splitlines(True), rules=()) == []


def test_skipped_rules_change_no_output(tmp_path):
    (tmp_path / "t.py").write_text(BAD)
    run = lambda *a: subprocess.run([sys.executable, "-m", "flake8", "--isolated", *a, "t.py"],  # noqa: E731
                                    cwd=tmp_path, capture_output=True, text=True).stdout
    everything = run("--select=TL")
    only = run("--select=TL101")
    assert only and only.splitlines() == [ln for ln in everything.splitlines() if " TL101 " in ln]


def test_walk_is_ast_walk_without_context_and_operator_singletons():
    tree = ast.parse(BAD + "\nx = [a + -b for a, b in c if a < b]\nf(*a, k=1, **kw)\n")
    skipped = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    expected = [n for n in ast.walk(tree) if not isinstance(n, skipped + (ast.alias,))]
    got = list(syntax.walk(tree))
    assert sorted(map(id, got)) == sorted(map(id, expected))
    assert not [n for n in got if isinstance(n, skipped)]


def test_expression_order_is_source_order():
    m = SemanticModel(ast.parse("f(g(1), h(2), k=j(3))\n[a(i) for i in b()]\n"))
    names = [s.node.func.id for s in m.sites]
    assert names == ["f", "g", "h", "j", "a", "b"]


def test_benchmark_script_runs():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--no-fixtures",
                           "--scripts", str(REPO / "rules" / "TL101"), "--no-library", "--rounds", "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for heading in ("| scripts |", "| editor |", "worst tier:", "plugin alone on tier (a)"):
        assert heading in proc.stdout


def test_benchmark_plain_run_really_has_no_torchlint():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "flake8_without.py"), "TL,TOR", "--",
                           "--version"], capture_output=True, text=True)
    assert "pycodestyle" in proc.stdout and "torchlint" not in proc.stdout


def _many_loops(n: int) -> str:
    out = ["import torch", "model = torch.nn.Linear(3, 1)",
           "opt = torch.optim.SGD(model.parameters(), lr=0.1)", "data = [torch.randn(2, 3)]",
           "total = 0.0", "def train():", "    global total"]
    for i in range(n):
        out += [f"    for x{i} in data:", "        opt.zero_grad()", f"        loss = model(x{i}).sum()",
                "        loss.backward()", "        opt.step()", "        total += loss.item()"]
    out += ["for j in range(3):"] + [f"    for y{i} in data:\n        model(y{i})" for i in range(n // 10)]
    return "\n".join(out + ["train()"]) + "\n"


def _calls_to_lint(source: str) -> int:
    """Python function calls made while linting ``source`` (a work count, not a time)."""
    tree = ast.parse(source)
    count = [0]

    def profile(frame, event, arg):
        if event == "call":
            count[0] += 1

    sys.setprofile(profile)
    try:
        engine.check_tree(tree, "loops.py", source.splitlines(True))
    finally:
        sys.setprofile(None)
    return count[0]


def test_work_grows_linearly_with_the_loops_of_one_function():
    """Reliability (3): no per-loop or per-binding scan of the whole function. Doubling
    the loops (and the bindings of ``loss`` with them) at most doubles the work, with
    a margin for the per-file constant (a quadratic pass gives about 4x)."""
    small, large = _calls_to_lint(_many_loops(100)), _calls_to_lint(_many_loops(200))
    assert large / small < 2.3, (small, large)


def _helper_calls(n: int) -> str:
    body = "".join(f"    print(x, {i})\n" for i in range(n))
    return ("import torch\nfrom torch import nn\n\n\ndef log_stats(x):\n" + body +
            "\n\ndef main():\n    model = nn.Linear(2, 1)\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "    for epoch in range(3):\n        for x in [torch.randn(4, 2)]:\n"
            "            x = x.to('cpu')\n            opt.zero_grad()\n"
            "            loss = model(x).sum()\n"
            "            loss.backward()\n"
            "            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
            "            opt.step()\n            log_stats(loss)\n"
            "        torch.save(model.state_dict(), 'ckpt.pt')\n")


def _calls_to_adopt(source: str) -> int:
    tree, count = ast.parse(source), [0]

    def profile(frame, event, arg):
        if event == "call":
            count[0] += 1

    tl901 = [r for r in RULES if r.code == "TL901"]
    sys.setprofile(profile)
    try:
        engine.check_tree(tree, "train.py", source.splitlines(True), rules=tl901)
    finally:
        sys.setprofile(None)
    return count[0]


def test_adoption_walks_each_helper_once():
    """TL901's facts walk a helper the loop calls once, not once per call inside it:
    doubling the helper's calls at most doubles the work (walking it per call gave 4x)."""
    small, large = _calls_to_adopt(_helper_calls(100)), _calls_to_adopt(_helper_calls(200))
    assert large / small < 2.3, (small, large)
