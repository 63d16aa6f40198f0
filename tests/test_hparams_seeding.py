"""Unit tests of TL301/TL302 (hyperparameters) and TL401/TL402 (seeding): the facts
in torchlint.hparams / torchlint.seeding / launch.training_entry and the rules' edges
that the fixtures do not show."""
from __future__ import annotations

import ast
import textwrap

import pytest

from torchlint.facts import hparams, launch, seeding
from torchlint.checks import BY_CODE
from torchlint.config import Config
from torchlint.plugin import check_source
from torchlint.semantic import SemanticModel


def reports(code: str, src: str, filename: str = "<string>", **options):
    """(line, code) of ``code``'s reports; ``<string>`` has no project location."""
    config = Config.from_dict(options) if options else None
    out = check_source(textwrap.dedent(src), filename, config, rules=[BY_CODE[code]])
    return sorted((v.line, v.code) for v in out)


def model(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


HEAD = "import torch\nfrom torch import nn, optim\nmodel = nn.Linear(2, 1)\n"


# ------------------------------------------------------------------ TL301
@pytest.mark.parametrize("call, flagged", [
    ("optim.SGD(model.parameters(), lr=0.1)", True),
    ("optim.SGD(model.parameters(), 0.1, momentum=0.9)", True),
    ("torch.optim.Adam(model.parameters(), lr=1e-3 * 4)", True),
    ("optim.LBFGS(model.parameters(), lr=-1)", True),
    ("torch.distributed.optim.ZeroRedundancyOptimizer(model.parameters(), optimizer_class="
     "optim.Adam, lr=0.01)", True),
    ("optim.SGD(model.parameters(), lr=args.lr)", False),
    ("optim.SGD(model.parameters(), lr=LR)", False),
    ("optim.SGD(model.parameters(), lr=0.1 * args.batch_size / 256)", False),
    ("optim.Adam(model.parameters())", False),
    ("optim.swa_utils.SWALR(opt, 0.05)", False),
    ("make_optimizer(model, lr=0.1)", False),
])
def test_tl301_literal_forms(call, flagged):
    assert bool(reports("TL301", HEAD + f"opt = {call}\n")) is flagged


def test_tl301_configure_optimizers_unresolvable_callee_and_positional_of_local_class():
    src = """
        import torch
        import lightning as L
        class Lit(L.LightningModule):
            def configure_optimizers(self):
                return getattr(torch.optim, self.hparams.name)(self.parameters(), lr=0.1)
        class Mine(torch.optim.Optimizer):
            def __init__(self, params, momentum=0.9, lr=1e-3):
                super().__init__(params, dict(lr=lr, momentum=momentum))
        Mine([], 0.5)
        Mine([], 0.5, 0.2)
        """
    assert reports("TL301", src) == [(6, "TL301"), (11, "TL301")]


def test_tl301_local_optimizer_class_in_a_file_without_configure_optimizers():
    src = """
        import torch
        class Net(torch.nn.Module):
            pass
        class Mine(torch.optim.SGD):
            pass
        Net()
        Mine([], 0.5)
        """
    assert reports("TL301", src) == [(8, "TL301")]


@pytest.mark.parametrize("filename, src", [
    ("tests/test_opt.py", HEAD + "opt = optim.SGD(model.parameters(), lr=0.1)\n"),
    ("<string>", HEAD + "def test_step():\n    opt = optim.SGD(model.parameters(), lr=0.1)\n"),
    ("<string>", HEAD + "import unittest\nclass T(unittest.TestCase):\n    def setUp(self):\n"
                        "        self.opt = optim.SGD(model.parameters(), lr=0.1)\n"),
    ("<string>", HEAD + "opt = optim.SGD(model.parameters(), lr=0.1)\n"
                        "for g in opt.param_groups:\n    g['lr'] = schedule(0)\n"),
    ("<string>", HEAD + "opt = optim.SGD(model.parameters(), lr=0.1)\n"
                        "s = optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=9)\n"),
])
def test_tl301_not_flagged_in_tests_or_when_lr_is_set_elsewhere(filename, src):
    assert reports("TL301", src, filename) == []


@pytest.mark.parametrize("after, flagged", [
    ("ckpt = torch.load(p)\nopt.load_state_dict(ckpt['optimizer'])", False),
    ("if resume:\n    opt.load_state_dict(torch.load(p))", True),  # fresh runs use the literal
    ("opt.step()\nopt.load_state_dict(torch.load(p))", True),  # used before the load
])
def test_tl301_optimizer_restored_from_a_checkpoint(after, flagged):
    src = HEAD + "opt = optim.SGD(model.parameters(), lr=0.1)\n" + after + "\n"
    assert bool(reports("TL301", src)) is flagged


@pytest.mark.parametrize("src, flagged", [
    ("opt = optim.Adam(model.parameters(), lr=1.0)\n"
     "sched = optim.lr_scheduler.LambdaLR(opt, lambda s: args.lr * min(1, s / 9))\n", False),
    ("opt = optim.Adam(model.parameters(), lr=1.0)\nsched = optim.lr_scheduler.StepLR(opt, 3)\n", True),
    ("opt = optim.Adam(model.parameters(), lr=0.5)\nsched = optim.lr_scheduler.LambdaLR(opt, f)\n", True),
    ("opt = optim.SGD([{'params': a, 'lr': x}, dict(params=b, lr=y)], 0)\n", False),
    ("opt = optim.SGD([{'params': a, 'lr': x}, {'params': b}], 0.1)\n", True),
    ("groups = [{'params': p, 'lr': r} for p, r in pairs]\nopt = optim.SGD(groups, 0.1)\n", False),
    ("groups = [{'params': a, 'lr': x}]\ngroups.append({'params': b})\nopt = optim.SGD(groups, 0.1)\n",
     True),
    ("opt = optim.SGD(make_groups(), 0.1)\n", True),
])
def test_tl301_literal_the_run_replaces(src, flagged):
    """A unit base rate a LambdaLR scales, a placeholder every parameter group overrides."""
    assert bool(reports("TL301", HEAD + src)) is flagged


def test_tl301_defers_to_tl302_on_the_same_call():
    src = HEAD + "import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr')\n" \
                 "opt = optim.SGD(model.parameters(), lr=0.1)\n"
    assert reports("TL301", src) == []
    assert reports("TL302", src) == [(7, "TL302")]


# ------------------------------------------------------------------ TL302
LITERAL = "opt = optim.SGD(model.parameters(), lr=0.1)\n"


@pytest.mark.parametrize("declare, read", [
    ("p.add_argument('--learning-rate', type=float)", "args.learning_rate"),
    ("p.add_argument('-l', dest='lr')", "args.lr"),
    ("class Cfg:\n    lr: float = 0.1", "cfg.lr"),
    ("CONFIG = {'optim': {'lr': 0.1}}", "CONFIG['optim']['lr']"),
    ("CONFIG = dict(lr=0.1)", "CONFIG.get('lr')"),
    ("LEARNING_RATE = 0.1", "LEARNING_RATE"),
    ("lr = float(os.environ['LR'])", "lr"),
])
def test_tl302_declarations_flagged_until_read(declare, read):
    head = HEAD + "import os, argparse\np = argparse.ArgumentParser()\n"
    src = head + declare + "\n" + LITERAL
    assert reports("TL302", src), declare
    assert reports("TL302", src + f"print({read})\n") == [], read


def test_tl302_parameters_belong_to_their_function_and_hparams_to_their_class():
    src = """
        import torch
        import lightning as L
        def train(model, lr=0.01):
            return torch.optim.SGD(model.parameters(), lr=0.1)
        def other(model):
            return torch.optim.SGD(model.parameters(), lr=0.2)
        def interface(lr):
            raise NotImplementedError
        class Lit(L.LightningModule):
            def __init__(self, lr=0.01):
                super().__init__()
                self.save_hyperparameters()
            def configure_optimizers(self):
                return torch.optim.Adam(self.parameters(), lr=0.3)
        """
    assert reports("TL302", src) == [(5, "TL302"), (15, "TL302")]
    assert reports("TL302", src.replace("lr=0.3)", "lr=0.3), self.hparams.lr")) == [(5, "TL302")]


@pytest.mark.parametrize("extra", [
    "Model(**vars(args))",
    "from .engine import adjust_learning_rate\nadjust_learning_rate(opt, 3)",
])
def test_tl302_quiet_when_settings_or_optimizer_escape(extra):
    src = HEAD + "import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr')\n" \
                 "args = p.parse_args()\n" + LITERAL + extra + "\n"
    assert reports("TL302", src) == []


def test_tl302_lr_names_option():
    src = HEAD + "import argparse\np = argparse.ArgumentParser()\np.add_argument('--base-lr')\n" + LITERAL
    assert reports("TL302", src) == []
    assert reports("TL302", src, **{"lr-names": "lr,base_lr"}) == [(7, "TL302")]


def test_tl302_argparse_gate_reads_identifiers_as_python_does():
    """The argparse scan runs only where the text says ``add_argument``, read as Python
    reads names (NFKC: ``p.\uff41dd_argument`` is ``p.add_argument``)."""
    src = HEAD + "import argparse\np = argparse.ArgumentParser()\np.\uff41dd_argument('--lr')\n" + LITERAL
    assert "add_argument" not in src and reports("TL302", src) == [(7, "TL302")]


def test_literal_numbers():
    values = [hparams.literal_number(ast.parse(s, mode="eval").body)
              for s in ("3e-4", "-1", "0.1 / 4", "True", "x", "1 / 0", "'0.1'")]
    assert values == [3e-4, -1.0, 0.025, None, None, None, None]


# ------------------------------------------------------------------ TL401
TRAIN = """
def fit(model, opt, data):
    for x, y in data:
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
"""
BASE = "import torch\n" + TRAIN


@pytest.mark.parametrize("entry, line", [
    ("if __name__ == '__main__':\n    fit(m, torch.optim.SGD([], lr=0.1), [])", 8),
    ("def main():\n    fit(m, torch.optim.SGD([], lr=0.1), [])\nmain()", 10),
    ("import torch.multiprocessing as mp\ndef worker(rank):\n    fit(m, torch.optim.SGD([], lr=.1), [])\n"
     "if __name__ == '__main__':\n    mp.spawn(worker, nprocs=2)", 11),
    ("import lightning as L\nif __name__ == '__main__':\n    L.Trainer().fit(model)", 9),
])
def test_tl401_training_entries(entry, line):
    assert reports("TL401", BASE + entry + "\n") == [(line, "TL401")]


@pytest.mark.parametrize("seed", [
    "torch.manual_seed(0)",
    "torch.cuda.manual_seed_all(0)",
    "torch.set_rng_state(state)",
    "import random\nrandom.seed(0)",  # partial: TL402's report
    "from lightning.fabric import Fabric\nfabric = Fabric()\nfabric.seed_everything(1)",
    "from lightning.pytorch.cli import LightningCLI\nLightningCLI(Model)",
    "def set_seed(s):\n    helper(s)\ndef helper(s):\n    torch.manual_seed(s)\nset_seed(0)",
    "from utils import set_seed\nset_seed(0)",  # unknown project helper: assumed to seed
    "from .seeding import fix\nfix(0)",
])
def test_tl401_seeding_silences(seed):
    src = BASE + seed + "\nif __name__ == '__main__':\n    fit(m, torch.optim.SGD([], lr=0.1), [])\n"
    assert reports("TL401", src) == []


@pytest.mark.parametrize("call", [
    "from utils import Trainer\nTrainer(cfg)",  # a class, not a seeding helper
    "from numpy.random import default_rng\ndefault_rng()",  # third party
    "torch.use_deterministic_algorithms(True)",
])
def test_tl401_not_seeding(call):
    src = BASE + call + "\nif __name__ == '__main__':\n    fit(m, torch.optim.SGD([], lr=0.1), [])\n"
    assert len(reports("TL401", src)) == 1


def test_tl401_no_entry_tests_and_option():
    assert reports("TL401", BASE) == []  # a library: nothing runs
    runs = BASE + "fit(m, torch.optim.SGD([], lr=0.1), [])\n"
    assert reports("TL401", runs, "tests/test_fit.py") == []
    seeded = runs + "import mylib\nmylib.rng.fix_all(3)\n"
    assert reports("TL401", seeded, "train.py") == [(8, "TL401")]  # mylib: not in this project
    assert reports("TL401", seeded, "train.py", **{"seed-functions": "fix_all"}) == []
    assert reports("TL401", seeded, "train.py", **{"seed-functions": "mylib.rng.fix_all"}) == []
    other = {"seed-functions": "other.fix_all"}
    assert reports("TL401", seeded, "train.py", **other) == [(8, "TL401")]


def test_training_entry_is_the_main_guard_or_the_module_level_node():
    m = model(BASE + "x = 1\nfor batch in data:\n    fit(m, opt, batch)\n")
    assert launch.training_entry(m).lineno == 9
    m = model(BASE + "def main():\n    fit(m, opt, [])\n"
                     "if __name__ == '__main__':\n    print()\n    main()\n")
    assert isinstance(launch.training_entry(m), ast.If)


# ------------------------------------------------------------------ TL402
def test_seeding_calls_name_the_generators_seeded():
    m = model(
        """
        import random, torch
        import numpy as np
        from lightning import seed_everything
        def set_seed(s):
            random.seed(s)
            torch.manual_seed(s)
        set_seed(0)
        np.random.seed(0)
        seed_everything(1)
        """
    )
    calls = {c.text: (sorted(c.rngs), c.how) for c in seeding.seeding_calls(m)}
    assert calls == {
        "random.seed": (["random"], "direct"), "torch.manual_seed": (["torch"], "direct"),
        "set_seed": (["random", "torch"], "helper"), "np.random.seed": (["numpy"], "direct"),
        "seed_everything": (["numpy", "random", "torch"], "direct"),
    }


DRAWS = BASE + "import random\nimport numpy as np\n"


@pytest.mark.parametrize("code, expected", [
    ("torch.manual_seed(0)\nrandom.shuffle(data)", [(10, "TL402")]),
    ("torch.manual_seed(0)\nx = np.random.rand()", [(10, "TL402")]),
    ("np.random.seed(0)\nx = np.random.rand()", [(10, "TL402")]),
    ("torch.manual_seed(0)\nrandom.seed(0)\nrandom.shuffle(data)", []),
    ("torch.manual_seed(random.randint(0, 99))", []),  # the draw only picks the seed
    ("args.seed = random.randint(0, 99)\ntorch.manual_seed(args.seed)", []),
    ("torch.manual_seed(0)\nrng = np.random.default_rng(0)\nrng.random()", []),
    ("random.shuffle(data)", []),  # unseeded altogether: TL401's report
])
def test_tl402_partial_seeding(code, expected):
    src = DRAWS + code + "\nif __name__ == '__main__':\n    fit(m, torch.optim.SGD([], lr=0.1), [])\n"
    assert reports("TL402", src) == expected


def test_tl402_dataset_draws_in_loader_workers_are_seeded_by_torch():
    src = DRAWS + textwrap.dedent(
        """
        class Noisy(torch.utils.data.Dataset):
            def __getitem__(self, i):
                return np.random.rand()
        torch.manual_seed(0)
        if __name__ == '__main__':
            loader = torch.utils.data.DataLoader(Noisy(), num_workers=WORKERS)
            fit(m, torch.optim.SGD([], lr=0.1), loader)
        """
    )
    assert reports("TL402", src) == []
    assert reports("TL402", src.replace("num_workers=WORKERS", "num_workers=0")) == [(14, "TL402")]


def test_tl401_seeding_helpers_across_modules(tmp_path):
    (tmp_path / "setup.cfg").write_text("")
    (tmp_path / "seeding.py").write_text("import torch\ndef fix(s):\n    torch.manual_seed(s)\n")
    (tmp_path / "logs.py").write_text("def setup_logging():\n    pass\n")
    train = tmp_path / "train.py"
    body = BASE + "{}\nif __name__ == '__main__':\n    fit(m, torch.optim.SGD([], lr=0.1), [])\n"
    cases = {
        "from seeding import fix\nfix(0)": [],  # the project's helper seeds
        "from logs import setup_logging\nsetup_logging()": [(10, "TL401")],  # it does not
        "from fsspec import open_files\nopen_files('x')": [(10, "TL401")],  # not in the project
        "from .missing import fix\nfix(0)": [],  # relative, unreadable: unknown, assumed to seed
    }
    for code, expected in cases.items():
        train.write_text(body.format(code))
        assert reports("TL401", train.read_text(), str(train)) == expected, code
