"""TL503: DataLoader(shuffle=True, sampler=...) raises ValueError (see rules/TL503/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator

from torchlint import known
from torchlint.facts import data
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel

_LITERALS = (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp, ast.GeneratorExp)


class ShuffleWithSampler(Rule):
    """DataLoader given both shuffle=True and a sampler (raises ValueError)."""

    code = "TL503"
    name = "shuffle-with-sampler"
    fix = "mixed"  # torchlint/fix/tl503.py
    message = "shuffle=True with {arg}= in DataLoader({dataset}) raises ValueError"
    hint = "drop shuffle=True (the sampler decides the order)"
    requires = ("shuffle", "DataLoader")  # shuffle= by name, or the third positional of DataLoader

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        # the calls whose callee resolves to a DataLoader (data.is_dataloader), from the
        # file's one index of calls by callee
        for site in m.calls_to(known.DATALOADERS):
            given, _complete = data.arguments(m, site.node, site.scope)
            shuffle = data.argument_origins(m, given, "shuffle")
            if not shuffle or not all(_true(v) for v, _s in shuffle):
                continue  # no shuffle, or one that may be false (shuffle=sampler is None)
            for arg in ("batch_sampler", "sampler"):
                if any(_an_object(m, v, s) for v, s in data.argument_origins(m, given, arg)):
                    dataset = given.get("dataset")
                    yield self.violation(site.node, arg=arg, dataset=data.source_text(
                        dataset[0][0]) if dataset else "...")
                    break


def _true(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value) and node.value is not Ellipsis


def _an_object(m: SemanticModel, node: ast.AST, scope) -> bool:
    """Certainly not None: a sampler, an instance of a class defined here, an index literal."""
    if isinstance(node, _LITERALS):
        return True
    if not isinstance(node, ast.Call):
        return False
    return "sampler" in m.kinds(node, scope) or m.class_for(node.func, scope) is not None or (
        m.resolve(node.func, scope) in ("builtins.range", "builtins.list"))
