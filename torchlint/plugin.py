"""The flake8 entry point: build the model once, run every rule, isolated."""
from __future__ import annotations

import ast
from typing import Iterator, Optional, Tuple

from torchlint import __version__, project
from torchlint.checks import RULES
from torchlint.config import Config, all_options
from torchlint.semantic import SemanticModel

_GATE_WORDS = ("torch", "lightning")


def looks_like_pytorch(lines) -> bool:
    """The fast gate: no rule runs on a file that never mentions torch or lightning."""
    if lines is None:
        return True
    return any(word in line for line in lines for word in _GATE_WORDS)


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


def check_tree(tree, filename: str = "(none)", lines=None, config: Optional[Config] = None,
               rules=None):
    """Every violation in one file; an exception in a rule becomes one TL000.
    ``rules``: the rule classes to run (None: all)."""
    from torchlint.rule import Violation

    rules = RULES if rules is None else rules
    if not rules or not looks_like_pytorch(lines):
        return []
    try:
        model = SemanticModel(tree, filename, lines)
    except RecursionError:  # pathological nesting: stay quiet rather than guess
        return []
    except Exception as exc:  # never abort flake8
        return [Violation(1, 0, "TL000", f"torchlint internal error in semantic model: "
                                         f"{type(exc).__name__}")]
    if not model.imports_torch:
        return []
    model.project = project.for_file(filename, tree, lines)  # cross-module facts (torchlint/project.py)
    config = config if config is not None else Config()
    out = []
    for rule_cls in rules:
        found = []
        try:
            for v in rule_cls().check(model, config):
                found.append(v)
        except RecursionError:
            continue
        except Exception as exc:
            found.append(Violation(1, 0, "TL000", f"torchlint internal error in {rule_cls.code}: "
                                                  f"{type(exc).__name__}"))
        out.extend(found)
    return out


def check_source(source: str, filename: str = "<string>", config: Optional[Config] = None,
                 rules=None) -> Optional[list]:
    """Parse and check a source string (for the CLI and tests); None on a syntax error."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return None
    return check_tree(tree, filename, source.splitlines(True), config, rules)
