"""torchlint's options: every one is a flake8 option (``--torchlint-<name>``),
settable in setup.cfg / tox.ini / .flake8 under ``[flake8]``."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Tuple


@dataclass(frozen=True)
class Option:
    name: str  # without the --torchlint- prefix
    default: object
    help: str
    comma_list: bool = False
    type: str = "str"  # str | int

    @property
    def flag(self) -> str:
        return "--torchlint-" + self.name

    @property
    def dest(self) -> str:
        return "torchlint_" + self.name.replace("-", "_")


OPTIONS: Tuple[Option, ...] = (
    Option(
        "seed-functions", (),
        "extra functions that seed the run, as qualified or bare names (TL401, TL402)",
        comma_list=True,
    ),
)


@dataclass(frozen=True)
class Config:
    seed_functions: Tuple[str, ...] = ()

    @classmethod
    def from_options(cls, options) -> "Config":
        values = {}
        names = {f.name for f in fields(cls)}
        for opt in OPTIONS:
            attr = opt.name.replace("-", "_")
            if attr not in names:
                continue
            value = getattr(options, opt.dest, opt.default)
            if opt.comma_list:
                value = tuple(v.strip() for v in (value or ()) if v and v.strip())
            elif opt.type == "int" and value is not None:
                value = int(value)
            values[attr] = value
        return cls(**values)


DEFAULT = Config()
