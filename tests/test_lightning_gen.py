"""``torchlint lightning FILE``, statically: golden outputs of the module path, the
path chosen for each shape of loop, what the Fabric edits and the LightningModule
contain, that every output passes its own checks, and the CLI.

Every TL901 fixture has a golden LightningModule script in
``tests/golden/lightning/<fixture>.py``, so any change to what the module path prints
shows up in review. Regenerate them with

    TORCHLINT_REGENERATE_GOLDENS=1 python -m pytest tests/test_lightning_gen.py

and read the diff. That the conversions *train the same* as the scripts they come
from is tests/test_lightning_runtime.py (``--verify``); that each golden trains under
``Trainer(fast_dev_run=True)`` is TL901's runtime witness.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List

import pytest

from torchlint import cli
from torchlint.lightning import GenerationError, convert, generate, selfcheck
from torchlint.lightning.edits import Edits

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
    source = fixture.read_text(encoding="utf-8")  # no undefined name, no new finding
    assert selfcheck.problems(source, skeleton(fixture), f"rules/TL901/{fixture.name}") == []


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
    # the autocast was for CUDA only: off without a GPU, as in the script
    assert 'precision="16-mixed" if torch.cuda.is_available() else "32-true"' in out
    assert "gradient_clip_val=args.max_norm" in out
    assert "accumulate_grad_batches=args.steps" in out
    assert "max_epochs=5" in out
    assert "devices=1," in out  # not distributed: one device, whatever the machine has
    assert "def __init__(self, lr=0.1)" in out
    assert "model = LitModel(lr=args.lr)" in out  # the command line is kept whole
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


def test_docs_page_shows_the_real_fabric_diff():
    page = (REPO / "docs" / "lightning.md").read_text(encoding="utf-8")
    diff = convert((CASES / "gan.py").read_text(encoding="utf-8"), "tests/lightning_cases/gan.py",
                   package="lightning").diff.rstrip()
    assert f"```diff\n{diff}\n```" in page, "docs/lightning.md: the GAN diff is stale"


# ------------------------------------------------------- the shapes of real loops
CASES = REPO / "tests" / "lightning_cases"
SHAPES = {  # script -> (path chosen, a phrase of the reason)
    "plain_classifier.py": ("module", None),
    "ddp.py": ("module", None),
    "helper_logic.py": ("module", None),
    "gan.py": ("fabric", "steps 2 optimizers (optimizerD, optimizerG)"),
    "tbptt_lm.py": ("fabric", "carries hidden across batches"),
    "microstep_amp_clip.py": ("fabric", "accumulates over micro-steps (line 61)"),
    "midepoch_validation.py": ("fabric", "validates inside the batch loop (line 49)"),
    "rl_rollout.py": ("fabric", "rolls out env.step()"),
    "trainer_module/trainer.py": ("fabric", "runs in class Trainer"),
    "torchrun_trainer/trainer.py": ("fabric", "runs in class Trainer"),
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """The shapes, copied out of tests/ (a file under tests/ is a test module to the rules
    the self-check runs)."""
    root = tmp_path_factory.mktemp("lightning") / "cases"
    shutil.copytree(CASES, root)
    return root


@pytest.mark.parametrize("script", sorted(SHAPES))
def test_each_shape_takes_its_path_and_passes_its_own_checks(cases, script):
    path = cases / script
    source = path.read_text(encoding="utf-8")
    result = convert(source, str(path), package="pytorch_lightning")
    expected_path, reason = SHAPES[script]
    assert result.path == expected_path
    if reason:
        assert reason in result.loop.reasons
    else:
        assert result.loop.reasons == []
    assert selfcheck.findings(source, str(path)) == []  # the fixture itself is clean
    assert selfcheck.problems(source, result.text, str(path)) == []
    assert result.notes == []


@pytest.mark.parametrize("script", sorted(SHAPES))
def test_the_other_path_still_gives_python(cases, script):
    path = cases / script
    source = path.read_text(encoding="utf-8")
    other = "module" if SHAPES[script][0] == "fabric" else "fabric"
    forced = convert(source, str(path), package="pytorch_lightning", style=other)
    assert forced.path == other and forced.loop.forced
    compile(forced.text, script, "exec")


def test_the_module_path_falls_back_to_fabric_for_values_it_cannot_see():
    src = """
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        def train(model, loader, opt, table):
            for x, y in loader:
                opt.zero_grad()
                torch.nn.functional.mse_loss(model(x) * table[0], y).backward()
                opt.step()

        def run(table):
            model = torch.nn.Linear(2, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            loader = DataLoader(TensorDataset(torch.randn(4, 2), torch.randn(4, 1)), batch_size=2)
            train(model, loader, opt, table)
    """
    result = convert(textwrap.dedent(src), "train.py")
    assert result.path == "fabric"
    assert any(r.startswith("needs ") and "table" in r for r in result.loop.reasons)
    forced = convert(textwrap.dedent(src), "train.py", style="module")
    assert forced.path == "module" and "TODO" in forced.text


# ----------------------------------------------------------------- Fabric edits
def fabric(src: str, package: str = "lightning", **kw):
    return convert(textwrap.dedent(src), "train.py", package, style="fabric", **kw)


AMP_DDP = """
    import os
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    from torch.utils.data import DataLoader, TensorDataset
    from torch.utils.data.distributed import DistributedSampler

    def main(use_amp=True):
        world = int(os.environ.get("WORLD_SIZE", 1))
        dist.init_process_group("gloo", rank=0, world_size=world)
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        data = TensorDataset(torch.randn(8, 3), torch.randn(8, 1))
        sampler = DistributedSampler(data, shuffle=False)
        loader = DataLoader(data, batch_size=4, sampler=sampler)
        model = DDP(torch.nn.Linear(3, 1).to(device))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
        for epoch in range(2):
            sampler.set_epoch(epoch)
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp):
                    loss = torch.nn.functional.mse_loss(model(x), y)
                opt.zero_grad()
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(opt)
                scaler.update()
            torch.save(model, "model.pt")
        dist.destroy_process_group()
"""


def test_fabric_takes_devices_precision_distribution_and_the_sampler():
    result = fabric(AMP_DDP)
    out = result.text
    assert "from lightning.fabric import Fabric" in out
    assert ('fabric = Fabric(strategy="ddp", devices=world, precision="bf16-mixed" if use_amp and '
            'torch.cuda.is_available() else "32-true")\n    fabric.launch()') in out
    assert "loader = DataLoader(data, batch_size=4, shuffle=False)\n" in out  # the sampler's shuffle
    assert "loader = fabric.setup_dataloaders(loader)" in out
    assert "model = torch.nn.Linear(3, 1)\n" in out  # no .to(device), no DDP(...)
    assert "model, opt = fabric.setup(model, opt)" in out
    assert "with fabric.autocast():" in out
    assert "fabric.backward(loss)" in out
    assert "fabric.clip_gradients(model, opt, max_norm=1.0)" in out
    assert "        opt.step()\n" in out
    assert 'torch.save(model.module, "model.pt")' in out  # not Fabric's wrapper
    for gone in ("GradScaler", "scaler.", "set_epoch", "DistributedSampler(", "init_process_group(",
                 "destroy_process_group()", "x.to(device)"):
        assert gone not in ast.unparse(ast.parse(out)), gone
    assert any("saves `model.module`" in n for n in result.notes)


def test_a_ddp_wrap_without_its_process_group_is_still_ddp(cases):
    """Issue 15: a Trainer class that wraps its model in DDP, launched by torchrun (the
    process group is main.py's) - Fabric(strategy="ddp") with torchrun's process counts,
    never a silent Fabric(devices=1)."""
    result = convert((cases / "torchrun_trainer" / "trainer.py").read_text(encoding="utf-8"),
                     "trainer.py", package="lightning")
    out = result.text
    assert 'self.fabric = Fabric(strategy="ddp", devices=int(os.environ.get("LOCAL_WORLD_SIZE", 1)), ' \
           'num_nodes=int(os.environ.get("WORLD_SIZE", 1)) // int(os.environ.get("LOCAL_WORLD_SIZE", 1)))' \
           in out
    assert "devices=1" not in out and "DDP(" not in out and out.count("import os\n") == 1


def test_a_ddp_wrap_with_no_launcher_in_sight_is_a_todo():
    src = """
        import torch
        from torch.nn.parallel import DistributedDataParallel

        class Trainer:
            def __init__(self, model, loader):
                self.model = DistributedDataParallel(model)
                self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)
                self.loader = loader

            def fit(self):
                for x, y in self.loader:
                    self.opt.zero_grad()
                    (self.model(x) - y).pow(2).mean().backward()
                    self.opt.step()
    """
    result = fabric(src)
    assert "# TODO: the script wraps its model in DistributedDataParallel (line 7) but sets up " \
           "its processes where torchlint cannot see" in result.text
    assert 'self.fabric = Fabric(strategy="ddp")' in result.text
    assert any("DistributedDataParallel (line 7)" in n for n in result.notes)
    plain = fabric(src.replace("DistributedDataParallel(model)", "model"))  # the near miss
    assert "self.fabric = Fabric(devices=1)" in plain.text and "TODO" not in plain.text


def test_backward_in_exclusive_branches_is_not_counted_twice():
    """``if amp: scaler.scale(loss).backward() else: loss.backward()`` in a helper the
    epoch loop calls for training and for evaluation: two places, one backward a step."""
    src = """
        import torch

        def run_batch(model, opt, scaler, x, amp, train=True):
            loss = model(x).sum()
            if train:
                opt.zero_grad()
                if amp:
                    scaler.scale(loss).backward()
                    scaler.step(opt)
                    scaler.update()
                else:
                    loss.backward()
                    opt.step()

        def fit(model, opt, scaler, loader, amp=False):
            for epoch in range(2):
                for x in loader:
                    run_batch(model, opt, scaler, x, amp)
                for x in loader:
                    run_batch(model, opt, scaler, x, amp, train=False)
    """
    from torchlint.lightning import choose, open_model

    reasons = choose(open_model(textwrap.dedent(src), "train.py"), "train.py").reasons
    assert "calls backward() in 2 exclusive branches" in reasons
    assert not any("times a step" in r for r in reasons)


def test_fabric_drops_the_imports_its_edits_left_unused():
    """Issue 15: DDP, the process group and the sampler went to Fabric, and so do their
    imports; an import the script never used, or still uses, stays."""
    src = AMP_DDP.replace("    import os\n", "    import os\n    import math\n")
    out = fabric(src).text
    for gone in ("from torch.nn.parallel import DistributedDataParallel as DDP",
                 "import torch.distributed as dist", "from torch.utils.data.distributed import"):
        assert gone not in out, gone
    for kept in ("import os\n", "import math\n", "from torch.utils.data import DataLoader, TensorDataset\n"):
        assert kept in out, kept
    assert selfcheck.problems(textwrap.dedent(src), out, "train.py") == []
    kept = fabric(src.replace("dist.destroy_process_group()", "print(dist.get_rank())")).text
    assert "import torch.distributed as dist" in kept  # still read


def test_fabric_keeps_an_amp_it_cannot_take_over():
    src = AMP_DDP.replace('with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp):',
                          "with ctx:").replace("for epoch in range(2):",
                                               'ctx = torch.autocast("cuda")\n        for epoch in range(2):')
    out = fabric(src).text
    assert "fabric.backward(scaler.scale(loss))" in out
    assert "scaler.step(opt)" in out and "scaler.update()" in out
    assert "precision=" not in out


def test_the_fabric_reaches_helpers_through_a_keyword_argument():
    src = """
        import torch

        def train_step(model, opt, x):
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()

        def main():
            model = torch.nn.Linear(2, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for i in range(3):
                train_step(model, opt, torch.randn(1, 2))
    """
    out = fabric(src).text
    assert "def train_step(model, opt, x, *, fabric):" in out
    assert "fabric.backward(model(x).sum())" in out
    assert "train_step(model, opt, torch.randn(1, 2), fabric=fabric)" in out
    assert ("    fabric = Fabric(devices=1)\n    fabric.launch()\n"
            "    model, opt = fabric.setup(model, opt)") in out


def test_an_optimizer_built_under_a_setting_is_set_up_where_it_is_built():
    src = """
        import torch
        model = torch.nn.Linear(2, 1)
        if USE_ADAM:
            opt = torch.optim.Adam(model.parameters())
        else:
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
        if __name__ == "__main__":
            for i in range(3):
                model(torch.randn(1, 2)).sum().backward()
                opt.step()
    """
    out = fabric(src).text
    assert "model, opt = fabric.setup(model, opt)" in out  # both branches bind it
    conditional = src.replace(
        "        else:\n            opt = torch.optim.SGD(model.parameters(), lr=0.1)\n", "")
    out = fabric(conditional).text
    assert "fabric = Fabric(devices=1)\nfabric.launch()\nmodel = fabric.setup_module(model)\n" in out
    assert "    opt = torch.optim.Adam(model.parameters())\n    opt = fabric.setup_optimizers(opt)" in out


def test_a_trainer_class_gets_its_own_fabric():
    out = fabric((CASES / "trainer_module" / "trainer.py").read_text(), package="pytorch_lightning").text
    assert "from lightning_fabric import Fabric" in out
    assert ("        self.fabric = Fabric(devices=1)\n        self.fabric.launch()\n"
            "        self.model, self.optimizer = self.fabric.setup(self.model, self.optimizer)") in out
    assert "self.train_loader = self.fabric.setup_dataloaders(self.train_loader)" in out
    assert "self.fabric.clip_gradients(self.model, self.optimizer, max_norm=self.max_norm)" in out


def test_the_diff_is_a_unified_diff_of_the_few_changed_lines():
    result = fabric((CASES / "gan.py").read_text())
    assert result.diff.startswith("--- a/train.py\n+++ b/train.py\n")
    changed = [line for line in result.diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) <= 20


# ------------------------------------------------------- the LightningModule path
def test_several_optimizers_get_manual_optimization():
    out = convert((CASES / "gan.py").read_text(), "gan.py", style="module").text
    assert "self.automatic_optimization = False" in out
    assert "optimizerD, optimizerG = self.optimizers()" in out
    assert "self.manual_backward(errD_real)" in out and ".backward()" not in out
    assert "return [optimizerD, optimizerG]" in out
    assert "self.netG.apply(weights_init)" in out  # weight init carried, not dropped
    # modules built in the script's order (their initial weights come from the RNG)
    assert out.index("self.netG = ") < out.index("self.netD = ")


def test_the_batch_loop_is_the_dataloader_loop_and_settings_take_their_defaults():
    src = """
        import argparse
        import torch
        from torch.utils.data import DataLoader, TensorDataset
        parser = argparse.ArgumentParser()
        parser.add_argument("--arch", default="small")
        parser.add_argument("--amp", action="store_true")
        parser.add_argument("--distributed", action="store_true")
        args = parser.parse_args()
        if args.arch == "big":
            model = torch.nn.Linear(2, 8)
        else:
            model = torch.nn.Linear(2, 1)
        if args.distributed:
            torch.distributed.init_process_group("nccl")
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        scaler = torch.amp.GradScaler(enabled=args.amp)
        loader = DataLoader(TensorDataset(torch.randn(8, 2), torch.randn(8, 1)), batch_size=4)
        for epoch in range(2):
            for x, y in loader:
                for chunk in range(2):
                    scaler.scale(model(x).sum()).backward()
                scaler.step(opt)
                scaler.update()
                opt.zero_grad()
    """
    out = convert(textwrap.dedent(src), "train.py", style="module").text
    code = ast.unparse(ast.parse(out))  # without the comments
    assert "self.model = torch.nn.Linear(2, 1)" in out  # the branch --arch small takes
    assert "precision=" not in code and "strategy=" not in code and "devices=1," in out
    assert "AMP is off by default" in out and "DDP is off by default" in out
    assert 'parser.add_argument("--distributed", action="store_true")' in out  # the whole CLI
    assert "batch_idx" in out and "x, y = batch" in out  # the DataLoader loop, not the chunks


def test_names_under_the_main_guard_and_dropped_statements_are_named():
    src = """
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        def train(loader):
            for x, y in loader:
                opt.zero_grad()
                (model(x) - y).pow(2).mean().backward()
                opt.step()
                ema.update(model)

        if __name__ == "__main__":
            model = torch.nn.Linear(2, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            ema = make_ema(model)
            train(DataLoader(TensorDataset(torch.randn(4, 2), torch.randn(4, 1))))
    """
    out = convert(textwrap.dedent(src), "train.py", style="module").text
    assert "the loop also ran `ema.update(model)` (line 10)" in out


def _todos(text: str) -> List[str]:
    return [line.strip()[len("# TODO: "):] for line in text.splitlines()
            if line.strip().startswith("# TODO: ")]


def test_helper_logic_is_carried_or_named(cases):
    """Issue 15: statements of the helpers the loop calls (``train()``, ``evaluate()``)
    that the LightningModule does not carry are each named: the ``--dry-run`` early stop,
    the kept validation outputs, the prints, and the settings nothing reads any more."""
    source = (cases / "helper_logic.py").read_text(encoding="utf-8")
    todos = _todos(convert(source, "helper_logic.py", package="lightning").text)
    assert "`train()` also ran `if args.dry_run: break` (line 19): it ends the loop early; the " \
           "Trainer's limit_train_batches= / limit_val_batches= / max_epochs= / max_steps= / " \
           "fast_dev_run= do that" in todos
    # the epoch loop's own early stop: a TODO, not a `break` in on_train_epoch_end
    assert "the loop also ran `if args.dry_run: break` (line 55): it ends the loop early; the " \
           "Trainer's limit_train_batches= / limit_val_batches= / max_epochs= / max_steps= / " \
           "fast_dev_run= do that" in todos
    assert "`evaluate()` also ran `if i == 0: kept.append(out[:2].clone())` (line 30): carry it " \
           "over (a hook, a callback or training_step)" in todos
    assert "progress output (lines 18, 32) is dropped: self.log() and the progress bar report " \
           "instead" in todos
    assert "settings the script read that this conversion does not use: --log-interval (line 17), " \
           "--dry-run (line 19); carry over what they did" in todos
    # what was carried (the loss, the validation sum and its `total = 0.0`) or is the
    # Trainer's (zero_grad, backward, step, train/eval) is named nowhere
    also_ran = {int(n) for t in todos if " also ran " in t for n in re.findall(r"\(line (\d+)\)", t)}
    assert also_ran == {19, 30, 55}


def test_without_the_early_stop_there_is_no_early_stop_todo(cases):
    source = (cases / "helper_logic.py").read_text(encoding="utf-8")
    without = source.replace("            if args.dry_run:\n                break\n", "").replace(
        "        if args.dry_run:\n            break\n", "")
    assert without != source
    todos = _todos(convert(without, "helper_logic.py", package="lightning").text)
    assert not any("ends the loop early" in t or "dry" in t for t in todos)
    assert "settings the script read that this conversion does not use: --log-interval (line 17); " \
           "carry over what they did" in todos


METERS = """
    import time
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    class Meter:
        def __init__(self):
            self.sum = 0.0

        def update(self, value):
            self.sum += value

    def train(model, loader, opt):
        meter = Meter()
        seen = Meter()
        end = time.time()
        for i, (x, y) in enumerate(loader):
            opt.zero_grad()
            loss = (model(x) - y).pow(2).mean()
            loss.backward()
            opt.step()
            meter.update(time.time() - end)
            seen.update(len(x))
            end = time.time()
            if i % 10 == 0:
                print(meter.sum)
        return seen.sum

    def main():
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        loader = DataLoader(TensorDataset(torch.randn(8, 2), torch.randn(8, 1)), batch_size=4)
        for epoch in range(2):
            train(model, loader, opt)
"""


def test_meters_only_output_reads_are_progress_output():
    """A meter updated each batch and read only by a print is output, with the timing
    it is fed (``end = time.time()``); one whose value the helper returns is not."""
    todos = _todos(convert(textwrap.dedent(METERS), "train.py", package="lightning").text)
    assert "progress output (lines 14, 16, 22, 24, 25) is dropped: self.log() and the progress " \
           "bar report instead" in todos
    also_ran = sorted(t.split("`")[3] for t in todos if " also ran " in t)
    assert also_ran == ["return seen.sum", "seen = Meter()", "seen.update(len(x))"]


def test_seeding_under_a_setting_keeps_its_companions():
    """``if args.seed is not None:`` with ``cudnn.deterministic = True`` beside the seed:
    the whole block, once, not one ``if`` per seeding call and the rest dropped."""
    src = LOOP.replace("        args = parser.parse_args()\n", """        args = parser.parse_args()
        if args.seed is not None:
            random.seed(args.seed)
            torch.manual_seed(args.seed)
            torch.backends.cudnn.deterministic = True
""").replace("    import argparse\n", "    import argparse\n    import random\n")
    src = src.replace('parser.add_argument("--lr"', 'parser.add_argument("--seed", type=int)\n'
                      '        parser.add_argument("--lr"')
    assert src.count("random") == 2 and "--seed" in src
    out = gen(src)
    assert "    if args.seed is not None:\n        random.seed(args.seed)\n        torch.manual_seed(" \
           "args.seed)\n        torch.backends.cudnn.deterministic = True\n" in out
    assert out.count("if args.seed is not None:") == 1


def test_accumulation_divides_by_lightning():
    out = gen(LOOP)
    assert "loss = nn.functional.mse_loss(self.model(x), y)\n" in out


# --------------------------------------------------------------------- edits
def test_edits_keep_blocks_valid():
    source = textwrap.dedent("""
        if flag:
            a = 1
        if f():
            b = 2
        c = 3  # kept
    """)
    tree = ast.parse(source)
    edits = Edits(source, tree)
    edits.delete(tree.body[0].body[0])
    edits.delete(tree.body[1].body[0])
    edits.after(tree.body[2], ["d = 4"])
    out = edits.apply()
    assert out == "\nif f():\n    pass\nc = 3  # kept\nd = 4\n"


# ------------------------------------------------------------------ settings
def test_settings_are_evaluated_at_their_defaults():
    from torchlint.lightning import open_model, settings

    m = open_model(textwrap.dedent("""
        import argparse, torch
        p = argparse.ArgumentParser()
        p.add_argument("--model", default="lstm")
        p.add_argument("--fp16", action="store_true")
        p.add_argument("--workers", type=int, default=2)
        args = p.parse_args()
        big = args.workers * 2 > 3
        cuda = torch.cuda.is_available() and args.fp16
        gpu = torch.cuda.is_available()
    """), "t.py")
    value = lambda name: settings.evaluate(m, ast.Name(name, ast.Load()), m.module_scope)  # noqa: E731
    assert value("big") is True
    assert value("cuda") is False  # short circuit: --fp16 is off, whatever the machine
    assert value("gpu") is settings.UNKNOWN
    assert set(settings.arguments(m)) == {"model", "fp16", "workers"}


# ---------------------------------------------------------------------- CLI
def test_cli_says_which_way_and_why(capsys):
    assert cli.main(["lightning", "--package", "lightning", str(CASES / "gan.py")]) == 0
    captured = capsys.readouterr()
    assert "-> Lightning Fabric (steps 2 optimizers (optimizerD, optimizerG); calls backward() 3 " \
           "times a step)" in captured.err
    assert "fabric.backward(errD_real)" in captured.out
    assert cli.main(["lightning", "--diff", "--style", "module", str(CASES / "plain_classifier.py")]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("--- a/") and "+class LitNet(L.LightningModule):" in captured.out
    assert "(--style module)" in captured.err


def test_cli_rejects_a_bad_style(capsys):
    with pytest.raises(SystemExit):
        cli.main(["lightning", "--style", "keras", str(CASES / "gan.py")])


# ------------------------------------------------------------------- layers
def test_lightning_sits_above_engine_and_facts():
    """lightning/ imports engine, facts, checks, semantic, syntax, known, config (down);
    nothing of the lint path imports it, and importing it imports no torch."""
    allowed = {"engine", "facts", "checks", "semantic", "syntax", "known", "config", "lightning"}
    for path in (REPO / "torchlint" / "lightning").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "torchlint" and len(parts) > 1:
                    assert parts[1] in allowed, f"{path.name} imports {name}"
    for path in (REPO / "torchlint").rglob("*.py"):
        rel = path.relative_to(REPO / "torchlint")
        if rel.parts[0] in ("lightning", "witness") or rel.name == "cli.py":
            continue
        assert "torchlint.lightning" not in path.read_text(encoding="utf-8"), rel
    probe = subprocess.run([sys.executable, "-c", "import sys, torchlint.cli, torchlint.lightning, "
                            "torchlint.lightning.command, torchlint.lightning.verify; "
                            "print('torch' in sys.modules)"], capture_output=True, text=True)
    assert probe.stdout.strip() == "False", probe.stderr
