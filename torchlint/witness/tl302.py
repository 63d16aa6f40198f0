"""TL302 witness: does the optimizer follow the learning-rate setting the script
declares?

Run 1 observes, inside the script, which learning-rate settings the run
declares - argparse options whose dest is ``lr``/``learning_rate``
(``parse_known_args``), environment variables of that name read, fields of
that name in the fixture's dataclasses, keys of that name in ``json``/``yaml``
configs - and the ``param_groups[0]["lr"]`` each optimizer steps with.
Run 2 changes the declared setting the way a user would: ``--lr 0.5`` on the
command line, ``LR=0.5`` in the environment, the dataclass field's default or
the config file's value set to 0.5 (the probes apply the last two at their
source: the dataclass ``__init__`` default and the loaded config). The hazard:
no optimizer steps with the changed value - the setting has no effect.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from torchlint.witness import Evidence, _probes, run_script


def instrument(record) -> None:
    declared = record.setdefault("declared", {"argparse": [], "env": [], "field": [], "config": []})
    raw = os.environ.get(_probes.OVERRIDE_ENV)
    override = float(raw) if raw else None
    _probes.optimizer_lrs(record)

    def parsed(parser, namespace):
        for action in parser._actions:
            if action.dest in _probes.LR_NAMES and action.option_strings:
                longs = [o for o in action.option_strings if o.startswith("--")]
                option = (longs or action.option_strings)[0]
                if option not in declared["argparse"]:
                    declared["argparse"].append(option)

    _probes.on_parsed_arguments(parsed)

    def environ_read(key, value):
        if key.lower() in _probes.LR_NAMES and key not in declared["env"]:
            declared["env"].append(key)

    _probes.on_environ(environ_read)

    def dataclass_seen(cls):
        names = list(cls.__dataclass_fields__)
        for name in names:
            if name in _probes.LR_NAMES:
                declared["field"].append(f"{cls.__name__}.{name}")
                if override is not None:  # the user edits the field's default
                    _default(cls, name, names.index(name), override)

    _probes.on_dataclass(record, dataclass_seen)

    def config_loaded(obj):
        if isinstance(obj, dict):
            for key in [k for k in obj if k in _probes.LR_NAMES]:
                declared["config"].append(key)
                if override is not None:  # the user edits the config file
                    obj[key] = override
        return obj

    _probes.on_config_load(config_loaded)


def _default(cls, name: str, index: int, value: float) -> None:
    init = cls.__init__

    def __init__(self, *args, **kwargs):
        if len(args) <= index:
            kwargs.setdefault(name, value)
        init(self, *args, **kwargs)

    cls.__init__ = __init__


def observe(script: Path, **kwargs) -> Evidence:
    first = run_script(script, "tl302", **kwargs)
    if first.exception:
        raise RuntimeError(f"{script.name} raised {first.exception}")
    declared = first.record["declared"]
    if not first.record["lrs"]:
        raise RuntimeError(f"{script.name} never stepped an optimizer")
    if not any(declared.values()):
        raise RuntimeError(f"{script.name} declares no learning-rate setting the witness can change")
    new = 0.25 if any(math.isclose(lr, 0.5) for lr in first.record["lrs"]) else 0.5
    args, env, changed = [], {}, []
    if declared["argparse"]:
        option = declared["argparse"][0]
        args = [option, str(new)]
        changed.append(f"{option} {new}")
    for key in declared["env"]:
        env[key] = str(new)
        changed.append(f"{key}={new}")
    if declared["field"] or declared["config"]:
        env[_probes.OVERRIDE_ENV] = str(new)
        changed += [f"{f} = {new}" for f in declared["field"]]
        changed += [f'config["{k}"] = {new}' for k in dict.fromkeys(declared["config"])]
    second = run_script(script, "tl302", args=args, env={**kwargs.pop("env", {}), **env}, **kwargs)
    if second.exception:
        raise RuntimeError(f"{script.name} raised {second.exception} with {', '.join(changed)}")
    lrs = second.record["lrs"]
    follows = any(math.isclose(lr, new) for lr in lrs)
    used = ", ".join(f"{o} lr={lr}" for o, lr in zip(second.record["optimizers"], lrs))
    before = ", ".join(str(lr) for lr in first.record["lrs"])
    verb = "an optimizer follows it" if follows else "no optimizer follows it"
    detail = f"with {', '.join(changed)} the run used {used} (default run: {before}): {verb}"
    return Evidence(not follows, detail, {"first": first.record, "second": second.record})
