"""The registry: every rule, one small file each. Plugin and CLI both read RULES."""
from __future__ import annotations

from typing import Dict, List, Type

from torchlint.rule import Rule
from torchlint.checks.tl101_gradients_never_cleared import GradientsNeverCleared

RULES: List[Type[Rule]] = [
    GradientsNeverCleared,
]

BY_CODE: Dict[str, Type[Rule]] = {r.code: r for r in RULES}
