"""The flake8 entry point: options in, one :func:`torchlint.engine.check_tree` per file out."""
from __future__ import annotations

import torchlint

torchlint.drop_working_directory_from_path()  # before any other import (python -m flake8)

import ast  # noqa: E402
from typing import Iterator, Optional, Tuple  # noqa: E402

from torchlint import __version__  # noqa: E402
from torchlint.checks import RULES  # noqa: E402
from torchlint.config import Config, all_options  # noqa: E402
from torchlint.engine import check_source, check_tree, looks_like_pytorch  # noqa: E402,F401 (re-exported)


class Plugin:
    name = "torchlint"
    version = __version__
    config: Optional[Config] = None
    enabled: Optional[tuple] = None  # the rules flake8 will report (None: all); see selected_rules

    def __init__(self, tree: ast.AST, filename: str = "(none)", lines=None):
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager) -> None:
        for opt in all_options():
            kwargs = dict(
                default=",".join(opt.default) if opt.comma_list else opt.default,
                parse_from_config=True,
                help=opt.help + (f" (default: {opt.default!r})" if not opt.comma_list else ""),
            )
            if opt.comma_list:
                kwargs["comma_separated_list"] = True
            if opt.type == "int":
                kwargs["type"] = int
            if opt.type == "bool":
                kwargs["action"] = "store_true"
                kwargs.pop("default")
            manager.add_option(opt.flag, **kwargs)
        manager.extend_default_ignore([r.code for r in RULES if not r.default_enabled] + ["TL9"])

    @classmethod
    def parse_options(cls, options) -> None:
        cls.config = Config.from_options(options)
        cls.enabled = selected_rules(options)

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        for v in check_tree(self.tree, self.filename, self.lines, self.config, self.enabled):
            yield v.line, v.col, v.flake8(), type(self)


def selected_rules(options) -> Optional[tuple]:
    """The rules whose code flake8 would report under these options, by flake8's own
    DecisionEngine (select/ignore/extend-*, defaults). flake8 runs every plugin and
    filters afterwards; skipping a rule it would discard (TL9 by default, all but one
    under ``--select TL101``, all under ``--select E,F``) changes no output. None when
    that cannot be told: then every rule runs."""
    try:
        from flake8.style_guide import Decision, DecisionEngine

        engine = DecisionEngine(options)
        return tuple(r for r in RULES if engine.decision_for(r.code) is Decision.Selected)
    except Exception:  # another flake8, or options that are not flake8's
        return None
