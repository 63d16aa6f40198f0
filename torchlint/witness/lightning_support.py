"""Shared instrumentation for the Lightning witnesses (TL801, TL802, TL901).

Runs inside a witness subprocess only (imports torch and Lightning).

* :func:`alias_unified_package` lets scripts written for the unified ``lightning``
  package (``import lightning as L``, ``lightning.pytorch``, ``lightning.fabric``)
  run where only ``pytorch_lightning`` / ``lightning_fabric`` are installed. It is
  part of every run's environment, plain or witnessed (``runner.execute``). Both
  distributions are built from the same sources (``lightning.pytorch`` *is*
  ``pytorch_lightning`` under another name), so the alias changes no behaviour. It
  does nothing when ``lightning`` itself is installed.
* :func:`strategy_class` is the Trainer's ``Strategy`` base: every
  ``training_step`` / ``validation_step`` the Trainer runs goes through its methods
  of the same name, which is where the witnesses count steps and capture batches.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

_PREFIXES = {"lightning.pytorch": "pytorch_lightning", "lightning.fabric": "lightning_fabric"}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real: str):
        self.real = real
        self.spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.real)
        self.spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module):
        if self.spec is not None:  # keep the real module's own spec
            module.__spec__ = self.spec


class _TopLoader(importlib.abc.Loader):
    """``lightning`` itself: a package whose attributes are those of the two real ones."""

    def create_module(self, spec):
        top = types.ModuleType("lightning")
        top.__path__ = []  # a package, so ``lightning.pytorch.x`` imports are attempted
        return top

    def exec_module(self, top):
        import lightning_fabric
        import pytorch_lightning

        def __getattr__(name):
            for source in (pytorch_lightning, lightning_fabric):
                if hasattr(source, name):
                    return getattr(source, name)
            raise AttributeError(f"module 'lightning' has no attribute {name!r}")

        top.__getattr__ = __getattr__
        top.pytorch = pytorch_lightning
        top.fabric = lightning_fabric
        sys.modules["lightning.pytorch"] = pytorch_lightning
        sys.modules["lightning.fabric"] = lightning_fabric


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "lightning":
            return importlib.util.spec_from_loader(name, _TopLoader(), is_package=True)
        for prefix, real in _PREFIXES.items():
            if name == prefix or name.startswith(prefix + "."):
                real_name = real + name[len(prefix):]
                if importlib.util.find_spec(real_name) is None:
                    return None
                return importlib.util.spec_from_loader(name, _AliasLoader(real_name))
        return None


def alias_unified_package() -> bool:
    """Make ``lightning`` importable as an alias of ``pytorch_lightning``; True if done.
    Nothing is imported until the script imports ``lightning``."""
    if any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        return True
    if "lightning" in sys.modules or importlib.util.find_spec("lightning") is not None:
        return False
    if importlib.util.find_spec("pytorch_lightning") is None:
        return False
    sys.meta_path.insert(0, _AliasFinder())
    return True


def strategy_class():
    from pytorch_lightning.strategies.strategy import Strategy

    return Strategy


def lightning_module_class():
    from pytorch_lightning import LightningModule

    return LightningModule
