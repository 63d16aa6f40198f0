"""Which loop to convert, and which way: the first step of both conversions.

A *plain* loop - one DataLoader, one optimizer, one backward, a scheduler of its
own, validation (if any) once per epoch - becomes a ``LightningModule`` run by a
``Trainer``: the loop's shape is the Trainer's. Anything else keeps its own shape
and goes to Lightning **Fabric**, which takes over devices, precision and
distribution but leaves the loop as written: several optimizers or backward calls
(a GAN), state carried from one batch to the next (truncated BPTT), a loop over a
``range`` / ``while`` rather than a DataLoader (nanoGPT, RL rollouts), a learning
rate set by hand, gradient accumulation over an inner micro-step loop, a loop in a
Trainer class of the script's own, validation inside the batch loop.
:func:`torchlint.facts.adoption.fabric_reasons` (shared with TL901) lists which of
these a loop shows, with the user's names; none means the module path.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from torchlint.facts import adoption, loops
from torchlint.lightning import statements
from torchlint.semantic import LoopInfo, Scope, SemanticModel, Site

# the loop's shape (facts/adoption.py, shared with TL901)
batch_loop = adoption.batch_loop
feeds_from_loader = adoption.feeds_from_loader
optimizer_receivers = adoption.optimizer_receivers

MODULE = "module"
FABRIC = "fabric"
STYLES = (MODULE, FABRIC)


class GenerationError(Exception):
    """FILE has no training loop torchlint can convert (the message says why)."""


@dataclass
class Loop:
    """The training loop to convert and what it does."""

    info: LoopInfo  # the outermost training loop (an epoch loop stands for its batch loop)
    events: list
    others: List[int]  # lines of the file's other training loops
    path: str = MODULE
    reasons: List[str] = field(default_factory=list)  # why Fabric (empty: a plain loop)
    forced: bool = False  # the path was chosen with --style

    @property
    def backwards(self) -> List[loops.Event]:
        return [e for e in self.events if e.kind == loops.BACKWARD]

    @property
    def steps(self) -> List[loops.Event]:
        return [e for e in self.events if e.kind == loops.STEP]

    @property
    def scheduler_steps(self) -> List[loops.Event]:
        return [e for e in self.events if e.kind == loops.SCHEDULER_STEP]

    @property
    def line(self) -> int:
        return self.info.node.lineno


def choose(m: SemanticModel, filename: str, loop_line: Optional[int] = None,
           style: Optional[str] = None) -> Loop:
    """The loop at ``loop_line`` (default: the file's first), with its path: ``style`` if
    given, else :func:`fabric_reasons` decides."""
    if style is not None and style not in STYLES:
        raise GenerationError(f"unknown style {style!r}; use one of {', '.join(STYLES)}")
    if adoption.uses_lightning_already(m):
        raise GenerationError(f"{filename} already hands its loop to Lightning Fabric or Accelerate")
    primaries = adoption.primary_training_loops(m)
    chosen = [p for p in primaries if loop_line is None or p[0].node.lineno == loop_line]
    if not chosen:
        where = f" at line {loop_line}" if loop_line else ""
        lines = ", ".join(str(p[0].node.lineno) for p in primaries)
        hint = f" (its training loops start at lines {lines})" if lines and loop_line else ""
        raise GenerationError(f"no hand-written training loop (backward() and an optimizer step "
                              f"in a for/while loop) found in {filename}{where}{hint}")
    info, evs = chosen[0][0], loops.resolved(m, chosen[0][1])  # every event: OPAQUE ones told
    loop = Loop(info, evs, [p[0].node.lineno for p in primaries if p[0] is not info])
    loop.reasons = adoption.fabric_reasons(m, info, evs)
    loop.path = style or (FABRIC if loop.reasons else MODULE)
    loop.forced = style is not None
    return loop


# ------------------------------------------------------------------ shared facts
def scope_of_node(m: SemanticModel, node: ast.AST) -> Scope:
    """The scope a statement or expression runs in."""
    fn = statements.enclosing_function(m.parent, node)
    return m.scope_of(fn) if fn is not None else m.module_scope


def site_chain(event) -> Tuple[Site, ...]:
    return event.via + (event.site,)
