"""Fixture discovery and ``# expect:`` markers, shared by the static and runtime tests."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import List, Set, Tuple

REPO = Path(__file__).resolve().parent.parent
RULES_DIR = REPO / "rules"
MARKER = re.compile(r"#\s*expect(\+(\d+))?:\s*([A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")
OPTIONS = re.compile(r"#\s*torchlint-options:\s*(.*)$")


@dataclass(frozen=True)
class Fixture:
    code: str
    path: Path  # a script, or a folder of scripts (multi-module fixture)

    @property
    def flagged(self) -> bool:
        return self.path.name.startswith("flagged_")

    @property
    def id(self) -> str:
        return f"{self.code}/{self.path.name}"

    @property
    def files(self) -> List[Path]:
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.rglob("*.py") if "__pycache__" not in p.parts)

    @property
    def entry(self) -> Path:
        """The script a witness runs: the file, or ``train.py`` in a folder fixture."""
        return self.path if self.path.is_file() else self.path / "train.py"

    def expected(self) -> Set[Tuple[str, int, str]]:
        """(file, line, code) for every marker."""
        out = set()
        for f in self.files:
            for lineno, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                for m in MARKER.finditer(line):
                    target = lineno + int(m.group(2) or 0)
                    for code in re.split(r"\s*,\s*", m.group(3).strip()):
                        out.add((str(f), target, code))
        return out

    def options(self) -> Tuple[str, ...]:
        for f in self.files:
            for line in f.read_text(encoding="utf-8").splitlines()[:15]:
                m = OPTIONS.search(line)
                if m:
                    return tuple(shlex.split(m.group(1)))
        return ()


def all_fixtures() -> List[Fixture]:
    out = []
    for folder in sorted(RULES_DIR.glob("TL*")):
        for p in sorted(folder.iterdir()):
            if p.name.startswith(("flagged_", "clean_")) and (p.suffix == ".py" or p.is_dir()):
                out.append(Fixture(folder.name, p))
    return out


# ------------------------------------------------------------------ fixed_*
# ``rules/<CODE>/fixed_<case>(.py|/)``: what ``torchlint check --fix --unsafe-fixes``
# makes of ``flagged_<case>`` (its module docstrings say so instead of describing
# the bug; its own rule's markers are gone). Not a Fixture: neither flagged nor clean.
DOCSTRING = re.compile(r'\A(?:[ \t]*#[^\n]*\n)*[ \t]*(?:"""|\'\'\')(?:.|\n)*?(?:"""|\'\'\')[ \t]*\n')


def fixed_pairs() -> List[Tuple[Fixture, Path]]:
    """(flagged fixture, its fixed_ counterpart) for every fixed_ file or folder."""
    out = []
    for folder in sorted(RULES_DIR.glob("TL*")):
        for p in sorted(folder.glob("fixed_*")):
            if p.suffix == ".py" or p.is_dir():
                out.append((Fixture(folder.name, folder / ("flagged_" + p.name[len("fixed_"):])), p))
    return out


def without_markers(text: str, code: str) -> str:
    """``text`` without the ``# expect: CODE`` markers of ``code`` (test metadata, not code)."""
    return re.sub(r"[ \t]*#\s*expect(\+\d+)?:\s*%s\b[^\n]*" % re.escape(code), "", text)


def without_docstring(text: str) -> str:
    """``text`` without its leading module docstring."""
    return DOCSTRING.sub("", text, count=1)
