"""The ``[flake8]`` examples of docs/configuration.md, each with a small project it
acts on and what must be reported there with and without it. Used through
``torchlint check`` (tests/test_configuration_examples.py) and through the
pre-commit hook (tests/test_precommit.py), so the page cannot drift from what
the tools do."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Tuple

from _samples import BAD, GOOD

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "configuration.md"

UNSEEDED = GOOD.replace("    torch.manual_seed(0)\n", "")  # TL401 only

LOOP = '''\
"""A hand-written loop: device moves, clipping, accumulation, checkpointing."""
import argparse

import torch
import torch.nn as nn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nn.Linear(8, 1).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    for step in range(10):
        x, y = torch.randn(16, 8).to(device), torch.randn(16, 1).to(device)
        loss = nn.functional.mse_loss(model(x), y) / 2
        loss.backward()
        if (step + 1) % 2 == 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
    torch.save(model.state_dict(), "model.pt")


if __name__ == "__main__":
    main()
'''  # TL901 only (5 of the Trainer's concerns)

HELPER_SEEDED = (  # TL401 unless fix_seeds is named a seeder
    GOOD.replace("import torch.nn as nn\n", "import torch.nn as nn\nfrom mypkg.utils import fix_seeds\n")
    .replace("torch.manual_seed(0)", "fix_seeds(0)"))

BASE_LR = GOOD.replace('"--lr"', '"--base-lr"').replace("lr=args.lr", "lr=0.01")  # TL301, or TL302


@dataclass(frozen=True)
class Example:
    marker: str  # a line that identifies the ini block on the page
    files: Dict[str, str]
    with_config: FrozenSet[Tuple[str, str]]  # (path, code) reported with the block as .flake8
    without: FrozenSet[Tuple[str, str]]  # ... and without it

    def block(self) -> str:
        blocks = re.findall(r"```ini\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
        found = [b for b in blocks if self.marker in b]
        assert len(found) == 1, f"docs/configuration.md: no single ini block with {self.marker!r}"
        return found[0]

    def write(self, root: Path, with_config: bool = True) -> Path:
        for name, text in self.files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        if with_config:
            (root / ".flake8").write_text(self.block())
        return root


EXAMPLES = {
    "selecting": Example(
        "extend-select = TL9",
        {"train.py": BAD, "unseeded.py": UNSEEDED, "loop.py": LOOP},
        with_config=frozenset({("train.py", "TL101"), ("loop.py", "TL901")}),
        without=frozenset({("train.py", "TL101"), ("unseeded.py", "TL401")}),
    ),
    "silencing": Example(
        "per-file-ignores",
        {"scripts/train.py": BAD, "src/train.py": BAD,
         "notebooks/explore.py": UNSEEDED.replace("        optimizer.zero_grad()\n", "")},
        with_config=frozenset({("src/train.py", "TL101")}),
        without=frozenset({("scripts/train.py", "TL101"), ("notebooks/explore.py", "TL101"),
                           ("notebooks/explore.py", "TL401"), ("src/train.py", "TL101")}),
    ),
    "options": Example(
        "torchlint-seed-functions",
        {"seeded_by_helper.py": HELPER_SEEDED, "base_lr.py": BASE_LR},
        with_config=frozenset({("base_lr.py", "TL302")}),
        without=frozenset({("seeded_by_helper.py", "TL401"), ("base_lr.py", "TL301")}),
    ),
}


def reported(text: str) -> FrozenSet[Tuple[str, str]]:
    """(path, code) of every ``path:row:col: CODE message`` line in ``text``."""
    found = re.findall(r"^(?:\./)?([\w./-]+\.py):\d+:\d+: ([A-Z]+\d+) ", text, flags=re.M)
    return frozenset(found)
