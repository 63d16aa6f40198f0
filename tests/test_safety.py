"""torchlint never imports or executes the code it lints.

The linted project is booby-trapped: every module writes a marker file and
raises when imported or run (at module level, in ``__init__.py``, in a
``conftest.py`` and a ``setup.py``), and the training script imports them.
flake8 runs in a subprocess under a Python audit hook (PEP 578) that records
every ``import`` of the project's modules or of torch, every code-object
``exec`` outside the standard library and the linters, and every file opened
for writing. The report must still come out (the trap modules are read, as
source, by the cross-module analysis), and the hook must have seen nothing.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

TRAP = textwrap.dedent(
    """\
    import pathlib
    pathlib.Path(__file__).with_suffix(".ran").write_text("executed")
    raise SystemExit("imported {name}: torchlint must never do this")
    """
)

TRAIN = textwrap.dedent(
    """\
    import torch
    import helpers
    from pkg import engine
    from pkg.engine import fit
    from .relative import thing

    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=helpers.LR)
    for _ in range(3):
        model(torch.randn(1, 2)).sum().backward()
        opt.step()
    engine.fit(model, opt)
    """
)

AUDIT = textwrap.dedent(
    """\
    import json, os, sys
    root, log = sys.argv[1], sys.argv[2]
    trapped = {"helpers", "pkg", "pkg.engine", "relative", "conftest", "setup", "train", "torch"}
    seen = []

    def hook(event, args):
        if event == "import" and (args[0] in trapped or args[0].split(".")[0] in trapped):
            seen.append(["import", args[0]])
        elif event == "exec":
            code = args[0]
            name = getattr(code, "co_filename", "")
            if name.startswith(root):
                seen.append(["exec", name])
        elif event == "open" and isinstance(args[0], str) and args[0].startswith(root):
            mode = args[1] or "r"
            if any(c in str(mode) for c in "wax+"):
                seen.append(["open-for-write", args[0]])

    sys.addaudithook(hook)
    from flake8.main import cli
    try:
        rc = cli.main(["--isolated", "--select=TL", "--jobs=1", root])
    finally:
        with open(log, "w") as fh:
            json.dump(seen, fh)
    sys.exit(rc)
    """
)


def _project(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    for rel in ("helpers.py", "pkg/__init__.py", "pkg/engine.py", "relative.py", "conftest.py", "setup.py"):
        (root / rel).write_text(TRAP.format(name=rel))
    (root / "pkg" / "engine.py").write_text(
        TRAP.format(name="pkg/engine.py") + "\ndef fit(model, opt):\n    opt.zero_grad()\n")
    (root / "train.py").write_text(TRAIN)
    return root


def test_linting_never_imports_or_runs_user_code(tmp_path):
    root = _project(tmp_path / "project")
    log = tmp_path / "audit.json"
    script = tmp_path / "audit_flake8.py"
    script.write_text(AUDIT)
    proc = subprocess.run([sys.executable, str(script), str(root), str(log)], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "TL000" not in proc.stdout, proc.stdout + proc.stderr
    assert " TL101 " in proc.stdout  # it did analyse the training script
    assert json.loads(log.read_text()) == []
    assert not list(root.rglob("*.ran")), "a linted module was executed"
    assert not list(root.rglob("__pycache__")), "a linted module was compiled for import"


def test_check_tree_in_process_leaves_no_trace(tmp_path):
    from torchlint import plugin

    root = _project(tmp_path / "project")
    before = set(sys.modules)
    source = (root / "train.py").read_text()
    out = plugin.check_source(source, str(root / "train.py"))
    assert out is not None and "TL000" not in {v.code for v in out}
    new = set(sys.modules) - before
    assert not {m for m in new if m.split(".")[0] in ("helpers", "pkg", "relative", "torch", "train")}, new
    assert not list(root.rglob("*.ran"))


# modules neither flake8 nor Python's startup has imported when torchlint is loaded
SHADOWS = ("astroid", "unicodedata", "numbers", "hashlib", "sysconfig",
           f"_sysconfigdata_{getattr(sys, 'abiflags', '')}_{sys.platform}_")


def test_python_dash_m_from_a_hostile_project_imports_none_of_its_files(tmp_path):
    """Reliability (1): ``python -m flake8`` / ``python -m torchlint check`` run from the
    project folder put it first on sys.path; a project file named like a module that
    torchlint (or the stdlib on its behalf) imports later must not be executed."""
    import sysconfig

    names = list(SHADOWS) + [f"_sysconfigdata_{sysconfig.get_config_var('MULTIARCH') or ''}"]
    for name in names + [n + "_" + (sysconfig.get_config_var("MULTIARCH") or "") for n in SHADOWS[-1:]]:
        (tmp_path / f"{name}.py").write_text(
            f"import pathlib\npathlib.Path({str(tmp_path / (name + '.ran'))!r}).write_text('x')\n")
    (tmp_path / "setup.cfg").write_text("")
    (tmp_path / "helper.py").write_text("def clear(model):\n    model.zero_grad()\n")
    (tmp_path / "train.py").write_text(textwrap.dedent("""\
        import torch
        from helper import clear
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            clear(model)
            model(torch.randn(1, 2)).sum().backward()
            opt.step()
        """))
    for cmd in ([sys.executable, "-m", "flake8", "--isolated", "--select=TL", "train.py"],
                [sys.executable, "-m", "torchlint", "check", "train.py"]):
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert "TL301" in proc.stdout, proc.stdout + proc.stderr
        assert not sorted(p.name for p in tmp_path.glob("*.ran")), (cmd, proc.stderr)
