"""Facts about LightningModules (TL801, TL802, the Lightning adoption plan)."""
from __future__ import annotations

import ast
from typing import List, Optional

from torchlint import known
from torchlint.semantic import BindingKind, ClassInfo, SemanticModel, memoized


@memoized
def automatic_optimization(m: SemanticModel, cls: ClassInfo) -> Optional[bool]:
    """Whether a LightningModule runs under Lightning's automatic optimization:
    True when nothing in the class (or its same-file bases) sets
    ``automatic_optimization``; False when every setting is the literal False
    (``self.automatic_optimization = False``, a class attribute, or a property
    returning False); None when it cannot tell (a non-literal value, a mix of
    values, or a base class from another module that may set it)."""
    values: List[ast.expr] = []
    for c in m.local_bases(cls):
        for base in c.node.bases:
            if m.class_for(base, c.outer) is None:
                q = m.resolve(base, c.outer)
                if q not in known.LIGHTNING_MODULES and q not in known.MODULE_BASES \
                        and q != "builtins.object":
                    return None
        values += [v for v, _scope in c.attrs.get("automatic_optimization", ())]
        for binding in c.scope.bindings.get("automatic_optimization", ()):
            if binding.kind == BindingKind.ASSIGN and binding.value is not None:
                values.append(binding.value)
            elif binding.kind == BindingKind.FUNCTION:
                info = m.functions.get(binding.node)
                if info is None or not info.returns:
                    return None
                values += info.returns
            else:
                return None
    if not values:
        return True
    literal = {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, bool)}
    if len(literal) == 1 and all(isinstance(v, ast.Constant) for v in values):
        return literal.pop()
    return None
