"""The rule contract: a rule reads the semantic model and yields Violations.

Only ``plugin.py`` turns a Violation into flake8's tuple.
"""
from __future__ import annotations

import ast
import functools
from typing import Iterator, NamedTuple, Optional, Tuple, Union

from torchlint.config import Config, Option
from torchlint.semantic import SemanticModel


@functools.lru_cache(maxsize=64)  # one entry per rule's ``requires``
def essential_words(words: Tuple[str, ...]) -> Tuple[str, ...]:
    """``words`` less those that hold another of them (``AdamW`` holds ``Adam``): a text
    holds one of these exactly when it holds one of ``words``, in fewer scans."""
    return tuple(w for w in words if not any(o != w and o in w for o in words))


def holds_one(text: str, words: Tuple[str, ...]) -> bool:
    """Does ``text`` hold one of ``words``? (A loop, not ``any(genexpr)``: asked for every
    gated rule of every file.)"""
    for word in words:
        if word in text:
            return True
    return False


class Violation(NamedTuple):
    line: int
    col: int
    code: str
    message: str  # "<what is wrong>; <imperative hint>"

    def flake8(self) -> str:
        return f"{self.code} {self.message}"


class Rule:
    """Base class. Subclasses set code, name, message, hint and implement check()."""

    code: str = ""
    name: str = ""
    message: str = ""  # format string: what is wrong, with the user's names
    hint: str = ""  # format string: imperative, what to do
    default_enabled: bool = True
    needs_witness: str = "cpu"  # cpu | gpu | ddp: where the runtime witness runs
    options: Tuple[Option, ...] = ()  # flake8 options this rule reads (config[name])
    # Words one of which the file's text must hold for the rule to be able to report
    # anything there (its hazard cannot be written without one); files that hold none
    # are skipped. Only for rules whose facts never come from another module.
    requires: Tuple[str, ...] = ()
    # autofix (torchlint/fix/<code>.py, `torchlint check --fix`): "" none; "safe": every fix
    # it offers is safe; "unsafe": every fix needs --unsafe-fixes; "mixed": safe or unsafe
    # case by case (spec.md's "Fix" section says when)
    fix: str = ""

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def may_apply(cls, text: Optional[str]) -> bool:
        """False when the file's text (None: unknown) holds none of :attr:`requires`."""
        return not cls.requires or text is None or holds_one(text, essential_words(cls.requires))

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0].rstrip(".")

    def violation(self, where: Union[ast.AST, int], **names) -> Violation:
        line = getattr(where, "lineno", where)
        col = getattr(where, "col_offset", 0)
        text = self.message.format(**names)
        if self.hint:
            text += "; " + self.hint.format(**names)
        return Violation(int(line), int(col), self.code, text)
