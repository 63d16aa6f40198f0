"""torchlint's options: every one is a flake8 option (``--torchlint-<name>``),
settable in setup.cfg / tox.ini / .flake8 under ``[flake8]``.

A rule declares the options it reads in its ``options`` attribute; options
several rules share live in ``SHARED_OPTIONS`` here. The rule registry
(``torchlint.checks``) registers every rule's options when it is imported, so
this module imports nothing of torchlint. ``Config`` holds the parsed values by
option name: ``config["seed-functions"]``.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple


class Option(NamedTuple):
    name: str  # without the --torchlint- prefix
    default: Any
    help: str
    comma_list: bool = False
    type: str = "str"  # str | int | bool
    rules: Tuple[str, ...] = ()  # codes that read it (for the docs)

    @property
    def flag(self) -> str:
        return "--torchlint-" + self.name

    @property
    def dest(self) -> str:
        return "torchlint_" + self.name.replace("-", "_")


SEED_FUNCTIONS = Option(
    "seed-functions", (),
    "extra functions that seed the run (comma list; bare `my_seed` or qualified "
    "`mypkg.utils.fix_seeds`): a call to one counts as seeding every generator",
    comma_list=True, rules=("TL401", "TL402"),
)

LR_NAMES = Option(
    "lr-names", ("lr", "learning_rate"),
    "names of learning-rate settings (comma list): argparse dests (`--learning-rate` is "
    "`learning_rate`), config fields and keys, hparams, parameters",
    comma_list=True, rules=("TL301", "TL302"),
)

SHARED_OPTIONS: Tuple[Option, ...] = (
    SEED_FUNCTIONS,
    LR_NAMES,
    Option("docs-url", "", "base URL of the rendered torchlint docs (mkdocs site); SARIF reports "
           "link each rule to `<docs-url>/rules/<CODE>/` (no link when empty)"),
)


_REGISTERED: Dict[str, Option] = {o.name: o for o in SHARED_OPTIONS}


def register(options) -> None:
    """Add options declared by rules (called by the rule registry, once per rule)."""
    for opt in options:
        _REGISTERED.setdefault(opt.name, opt)


def all_options() -> Tuple[Option, ...]:
    """Every option: shared ones and those the registered rules declare, once each."""
    return tuple(_REGISTERED.values())


class Config(Mapping):
    """Parsed option values by option name; defaults for anything not given."""

    def __init__(self, values: Optional[Dict[str, Any]] = None):
        self._values = {o.name: o.default for o in all_options()}
        self._values.update(values or {})

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    @classmethod
    def from_options(cls, options) -> "Config":
        values = {}
        for opt in all_options():
            value = getattr(options, opt.dest, opt.default)
            values[opt.name] = normalise(opt, value)
        return cls(values)

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "Config":
        by_name = {o.name: o for o in all_options()}
        return cls({k: normalise(by_name[k], v) for k, v in values.items()})


def normalise(opt: Option, value: Any) -> Any:
    if opt.comma_list:
        if isinstance(value, str):
            value = value.split(",")
        return tuple(v.strip() for v in (value or ()) if v and str(v).strip())
    if opt.type == "int" and value is not None:
        return int(value)
    if opt.type == "bool" and isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value
