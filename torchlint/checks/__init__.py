"""The registry: every rule, one small file each (``tlNNN_<name>.py``), found by
listing this package, so adding a rule is adding a file. Plugin and CLI both
read RULES."""
from __future__ import annotations

import importlib
import os
from typing import Dict, List, Type

from torchlint import config
from torchlint.rule import Rule


def _discover() -> List[Type[Rule]]:
    found = []
    names = sorted(f[:-3] for f in os.listdir(__path__[0]) if f.startswith("tl") and f.endswith(".py"))
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Rule) and value is not Rule
                    and value.__module__ == module.__name__ and value.code):
                found.append(value)
    return sorted(found, key=lambda r: r.code)


RULES: List[Type[Rule]] = _discover()
BY_CODE: Dict[str, Type[Rule]] = {r.code: r for r in RULES}
BY_NAME: Dict[str, Type[Rule]] = {r.name: r for r in RULES}
for _rule in RULES:
    config.register(_rule.options)
