"""``torchlint lightning FILE``: golden outputs, validity, CLI behaviour.

Every TL901 fixture has a golden skeleton in ``tests/golden/lightning/<fixture>.py``,
so any change to what the generator prints shows up in review. Regenerate them with

    TORCHLINT_REGENERATE_GOLDENS=1 python -m pytest tests/test_lightning_gen.py

and read the diff. That each skeleton *trains* (Trainer(fast_dev_run=True,
accelerator="cpu") on the fixture's data) is checked by the TL901 runtime witness,
which raises when a skeleton does not train (tests/test_runtime_witness.py -k TL901).
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchlint import cli
from torchlint.lightning import GenerationError, generate

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "lightning"
FIXTURES = sorted((REPO / "rules" / "TL901").glob("*.py"))
REGENERATE = os.environ.get("TORCHLINT_REGENERATE_GOLDENS") == "1"


def skeleton(path: Path) -> str:
    return generate(path.read_text(encoding="utf-8"), f"rules/TL901/{path.name}", package="lightning")


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_golden(fixture):
    text = skeleton(fixture)
    golden = GOLDEN / fixture.name
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden for {fixture.name}; run with TORCHLINT_REGENERATE_GOLDENS=1"
    assert text == golden.read_text(encoding="utf-8"), (
        f"the skeleton for {fixture.name} changed; review and regenerate "
        f"(TORCHLINT_REGENERATE_GOLDENS=1)")


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_skeleton_is_valid_python_with_a_lightning_module(fixture):
    tree = ast.parse(skeleton(fixture))
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)
               and any(ast.unparse(b) == "L.LightningModule" for b in n.bases)]
    assert len(classes) == 1
    methods = {n.name for n in classes[0].body if isinstance(n, ast.FunctionDef)}
    assert {"__init__", "training_step", "configure_optimizers"} <= methods
    compile(tree, fixture.name, "exec")


def test_every_golden_has_its_fixture():
    assert {g.name for g in GOLDEN.glob("*.py")} == {f.name for f in FIXTURES}


def gen(src: str, package: str = "lightning") -> str:
    return generate(textwrap.dedent(src), "train.py", package=package)


LOOP = """
    import argparse
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=0.1)
        parser.add_argument("--max-norm", type=float, default=1.0)
        parser.add_argument("--steps", type=int, default=4)
        args = parser.parse_args()
        device = "cuda" if torch.cuda.is_available() else "cpu"
        model = nn.Linear(3, 1).to(device)
        opt = torch.optim.SGD(model.parameters(), lr=args.lr)
        scaler = torch.cuda.amp.GradScaler()
        loader = DataLoader(TensorDataset(torch.randn(8, 3), torch.randn(8, 1)), batch_size=4)
        for epoch in range(1, 5 + 1):
            for i, (x, y) in enumerate(loader):
                x, y = x.to(device), y.to(device)
                with torch.cuda.amp.autocast():
                    loss = nn.functional.mse_loss(model(x), y) / args.steps
                scaler.scale(loss).backward()
                if (i + 1) % args.steps == 0:
                    scaler.unscale_(opt)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_norm)
                    scaler.step(opt)
                    scaler.update()
                    opt.zero_grad()
"""


def test_trainer_flags_replace_the_hand_written_concerns():
    out = gen(LOOP)
    assert 'precision="16-mixed"' in out
    assert "gradient_clip_val=hparams.max_norm" in out
    assert "accumulate_grad_batches=hparams.steps" in out
    assert "max_epochs=5" in out
    assert "def __init__(self, lr=0.1, max_norm=1.0, steps=4)" in out
    assert "loss = nn.functional.mse_loss(self.model(x), y)\n" in out  # the / steps is Lightning's
    code = ast.unparse(ast.parse(out))  # without the comments
    assert "GradScaler" not in code and ".to(" not in code and "autocast" not in code


def test_package_choice():
    assert "import pytorch_lightning as L" in gen(LOOP, package="pytorch_lightning")
    assert "import lightning as L" in gen(LOOP)
    with pytest.raises(GenerationError):
        gen(LOOP, package="keras")


def test_no_training_loop_is_an_error():
    with pytest.raises(GenerationError, match="no hand-written training loop"):
        gen("import torch\nmodel = torch.nn.Linear(2, 2)\n")


def test_fabric_scripts_are_left_alone():
    src = """
        import torch
        import lightning as L
        fabric = L.Fabric()
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        model, opt = fabric.setup(model, opt)
        for x in range(3):
            loss = model(torch.randn(1, 2)).sum()
            fabric.backward(loss)
            opt.step()
    """
    with pytest.raises(GenerationError, match="Fabric"):
        gen(src)


def test_the_input_is_never_executed(tmp_path):
    marker = tmp_path / "ran"
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(LOOP) + f"\nopen({str(marker)!r}, 'w').close()\nmain()\n")
    assert cli.main(["lightning", "--package", "lightning", str(script)]) == 0
    assert not marker.exists()


def test_cli_prints_the_golden(capsys):
    fixture = FIXTURES[0]
    assert cli.main(["lightning", "--package", "lightning", f"rules/TL901/{fixture.name}"]
                    if Path.cwd() == REPO else
                    ["lightning", "--package", "lightning", str(fixture)]) == 0
    out = capsys.readouterr().out
    if Path.cwd() == REPO:
        assert out == (GOLDEN / fixture.name).read_text(encoding="utf-8")
    assert "class Lit" in out


def test_cli_errors(tmp_path, capsys):
    empty = tmp_path / "empty.py"
    empty.write_text("import torch\n")
    assert cli.main(["lightning", str(empty)]) == 1
    assert "no hand-written training loop" in capsys.readouterr().err
    assert cli.main(["lightning", str(tmp_path / "missing.py")]) == 2


def test_cli_output_file(tmp_path):
    out = tmp_path / "lit.py"
    proc = subprocess.run([sys.executable, "-m", "torchlint", "lightning", "--package",
                           "pytorch_lightning", "-o", str(out), str(FIXTURES[0])],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "import pytorch_lightning as L" in out.read_text()


def test_docs_page_shows_a_real_fixture_and_its_golden():
    page = (REPO / "docs" / "lightning.md").read_text(encoding="utf-8")
    name = "flagged_accumulation_validation.py"
    before = (REPO / "rules" / "TL901" / name).read_text(encoding="utf-8").rstrip()
    after = (GOLDEN / name).read_text(encoding="utf-8").rstrip()
    assert f"```python\n{before}\n```" in page, "docs/lightning.md: the 'before' is stale"
    assert f"```python\n{after}\n```" in page, "docs/lightning.md: the 'after' is stale"
