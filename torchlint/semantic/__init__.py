"""The per-file semantic model (DESIGN.md): one front door, :class:`SemanticModel`.

``from torchlint.semantic import SemanticModel, Scope, Site, ...``; the package's
modules are its parts (nodes, builder, scopes, flow, kinds, control, cache).
"""
from torchlint.semantic.cache import memoized
from torchlint.semantic.kinds import EMPTY
from torchlint.semantic.model import Externals, SemanticModel
from torchlint.semantic.nodes import (Binding, BindingKind, ClassInfo, FunctionInfo, LoopInfo, Scope,
                                      Site, Step)
from torchlint.syntax import FUNCTION_NODES, LOOP_NODES

__all__ = ["Binding", "BindingKind", "ClassInfo", "EMPTY", "Externals", "FUNCTION_NODES",
           "FunctionInfo", "LOOP_NODES", "LoopInfo", "Scope", "SemanticModel", "Site", "Step",
           "memoized"]
