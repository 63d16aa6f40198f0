"""``torchlint lightning FILE``: adopt Lightning for a hand-written training loop.

Static only: FILE is parsed with :mod:`ast` and read through the semantic model
(:func:`torchlint.engine.open_model`, with the linter's cross-module facts);
nothing in it is imported or run. Two steps, two layers:

* **plan** (:mod:`.plan`): which loop, and which path - a ``LightningModule`` +
  ``Trainer`` for a plain loop, Lightning **Fabric** for everything else;
* **render**: the module path builds a new file (:mod:`.module_plan` decides what
  each statement becomes, :mod:`.module_render` prints it); the Fabric path edits
  the script's own text (:mod:`.fabric_plan`, :mod:`.fabric_arguments` and
  :mod:`.fabric_rewrites` decide,
  :mod:`.edits` applies).

:mod:`.verify` runs the original and the converted script side by side;
:mod:`.command` is the CLI. Nothing here is on the lint path.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional

from torchlint import engine
from torchlint.syntax import source_lines
from torchlint.lightning.plan import FABRIC, MODULE, STYLES, GenerationError, Loop, choose

PACKAGES = ("lightning", "pytorch_lightning")
__all__ = ["Conversion", "FABRIC", "GenerationError", "MODULE", "PACKAGES", "STYLES", "convert",
           "detect_package", "generate"]


@dataclass
class Conversion:
    """A converted script and what the user must know about it."""

    text: str
    loop: Loop
    notes: List[str] = field(default_factory=list)
    diff: Optional[str] = None  # unified diff against the original (Fabric)

    @property
    def path(self) -> str:
        return self.loop.path

    def _chosen(self, loop: Loop) -> "Conversion":
        """This conversion, reported as chosen (not forced) for ``loop``'s reasons."""
        self.loop.reasons = loop.reasons
        self.loop.forced = False
        return self


def generate(source: str, filename: str = "FILE", package: str = "lightning",
             loop_line: Optional[int] = None, style: Optional[str] = None) -> str:
    """The converted script for ``source`` (a whole file), as Python source text."""
    return convert(source, filename, package, loop_line, style).text


def convert(source: str, filename: str = "FILE", package: str = "lightning",
            loop_line: Optional[int] = None, style: Optional[str] = None) -> Conversion:
    if package not in PACKAGES:
        raise GenerationError(f"unknown package {package!r}; use one of {', '.join(PACKAGES)}")
    m = open_model(source, filename)
    loop = choose(m, filename, loop_line, style)
    if loop.path == FABRIC:
        from torchlint.lightning.fabric_plan import FabricPlanner

        fplan = FabricPlanner(m, loop, source, package).run()
        return Conversion(fplan.edits.apply(), loop, fplan.notes, fplan.edits.diff(filename))
    from torchlint.lightning import module_plan, module_render, selfcheck

    mplan = module_plan.plan(m, loop, source, filename, package)
    text = module_render.render(mplan)
    if style is None:  # chosen, not forced: a module that needs what it cannot see goes to Fabric
        missing = sorted(selfcheck.undefined_names(text) - selfcheck.undefined_names(source))
        if missing:
            loop.reasons.append(_needs(missing))
            loop.path = FABRIC
            return convert(source, filename, package, loop_line, FABRIC)._chosen(loop)
    return Conversion(text, loop, mplan.notes)


def _needs(missing: List[str]) -> str:
    """Why the LightningModule version cannot run: the script's values it cannot see
    (the names the module script makes itself - ``model``, ``hparams`` - mean the
    script builds what the model needs from the model)."""
    own = [n for n in missing if n not in ("model", "hparams", "self")]
    if not own:
        return "builds what its model needs from the model (a LightningModule cannot)"
    them = "it" if len(own) == 1 else "them"
    return f"needs {', '.join(own[:3])} where a LightningModule cannot see {them}"


def open_model(source: str, filename: str):
    """The file's semantic model. The user asked to convert this file, so it is not a
    test module whatever its path says (facts skip test modules' loops)."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise GenerationError(f"{filename} does not parse: {exc}") from None
    return engine.open_model(tree, filename, source_lines(source), test_module=False)


def detect_package() -> str:
    """``lightning`` if installed, else ``pytorch_lightning`` if installed, else ``lightning``.
    (``find_spec`` of a top-level name locates it without importing it.)"""
    import importlib.util

    for name in PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    return "lightning"
