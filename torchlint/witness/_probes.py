"""Instrumentation shared by the TL3xx / TL4xx / TL5xx witnesses. Every probe runs inside
the fixture's subprocess (``instrument()``), patches the library the script
uses, and writes what it saw into the witness's record; the fixture itself
reports nothing.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict

LR_NAMES = ("lr", "learning_rate")
OVERRIDE_ENV = "TORCHLINT_WITNESS_LR"  # run 2 of TL302: the changed value of a declared setting


def script_dir(record) -> str:
    return os.path.dirname(os.path.abspath(record["script"]))


def in_script(path: str, record) -> bool:
    """A file of the fixture (the script, or a module beside it), not a library."""
    return bool(path) and os.path.abspath(path).startswith(script_dir(record) + os.sep)


# ----------------------------------------------------------------- optimizer
def optimizer_lrs(record) -> None:
    """``record["lrs"]``: the learning rate each optimizer was stepped with,
    ``param_groups[0]`` (its ``initial_lr`` when a scheduler set one), in the
    order optimizers first stepped; ``record["steps"]``."""
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    seen: Dict[int, int] = {}
    record.update(lrs=[], optimizers=[], steps=0)

    def before_step(optimizer, args, kwargs):
        record["steps"] += 1
        if id(optimizer) not in seen:
            seen[id(optimizer)] = len(seen)
            group = optimizer.param_groups[0]
            record["lrs"].append(float(group.get("initial_lr", group["lr"])))
            record["optimizers"].append(type(optimizer).__name__)

    register_optimizer_step_pre_hook(before_step)


def final_weights(record) -> Callable[[dict], None]:
    """Remember every optimizer that steps; the returned ``finish(record)`` hashes
    the parameters they hold when the script ends (``record["weights"]``)."""
    from torch.optim.optimizer import register_optimizer_step_post_hook

    optimizers: Dict[int, Any] = {}
    record.update(steps=0, weights=None)

    def after_step(optimizer, args, kwargs):
        record["steps"] += 1
        optimizers.setdefault(id(optimizer), optimizer)

    register_optimizer_step_post_hook(after_step)

    def finish(rec) -> None:
        import hashlib

        digest = hashlib.sha256()
        for optimizer in optimizers.values():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    digest.update(p.detach().to("cpu").contiguous().numpy().tobytes())
        rec["weights"] = digest.hexdigest() if optimizers else None

    return finish


# ------------------------------------------------------------------ settings
def on_parsed_arguments(callback: Callable[[Any, Any], None]) -> None:
    """``callback(parser, namespace)`` after every ``ArgumentParser.parse_known_args``
    (``parse_args`` goes through it)."""
    import argparse

    original = argparse.ArgumentParser.parse_known_args

    def parse_known_args(self, *args, **kwargs):
        namespace, extra = original(self, *args, **kwargs)
        callback(self, namespace)
        return namespace, extra

    argparse.ArgumentParser.parse_known_args = parse_known_args


def on_dataclass(record, callback: Callable[[type], None]) -> None:
    """``callback(cls)`` for every dataclass the fixture's own files define; the
    callback may replace ``cls.__init__``."""
    import dataclasses

    original = dataclasses.dataclass

    def dataclass(cls=None, /, **kwargs):
        def wrap(c):
            c = original(**kwargs)(c)
            module = sys.modules.get(c.__module__)
            if in_script(getattr(module, "__file__", "") or "", record):
                callback(c)
            return c

        return wrap if cls is None else wrap(cls)

    dataclasses.dataclass = dataclass


def on_environ(callback: Callable[[str, str], None]) -> None:
    """``callback(key, value)`` for every environment read (``os.environ[...]``,
    ``os.environ.get``, ``os.getenv``); ``value`` is None when the variable is unset."""
    original = os._Environ.__getitem__

    def getitem(self, key):
        try:
            value = original(self, key)
        except KeyError:
            callback(key, None)
            raise
        callback(key, value)
        return value

    os._Environ.__getitem__ = getitem


def on_config_load(callback: Callable[[Any], Any]) -> None:
    """``callback(obj) -> obj`` on everything ``json.load(s)`` / ``yaml.safe_load`` return."""
    import json

    for name in ("load", "loads"):
        original = getattr(json, name)

        def patched(*args, __original=original, **kwargs):
            return callback(__original(*args, **kwargs))

        setattr(json, name, patched)
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is optional
        return
    original_yaml = yaml.safe_load
    yaml.safe_load = lambda *a, **k: callback(original_yaml(*a, **k))
