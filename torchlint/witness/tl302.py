"""TL302 witness: does the optimizer follow the learning-rate setting the script
declares?

What it observes: run 1 records, inside the script, which learning-rate settings the
run declares and their values - argparse options whose dest is
``lr``/``learning_rate`` (``parse_known_args``), environment variables of that name
read, fields of that name in the fixture's dataclasses, keys of that name in
``json``/``yaml`` configs - and the ``param_groups[0]["lr"]`` each optimizer steps
with. Run 2 changes the declared setting the way a user would, to a value none of
the declared settings had: ``--lr X`` on the command line, ``LR=X`` in the
environment, the dataclass field's default or the config file's value set to X (the
probes apply the last two at their source: the dataclass ``__init__`` default and
the loaded config). Nothing else changes between the two runs.

The verdict: an optimizer *follows* the setting when its learning rate in run 2
differs from its learning rate in run 1 - equal to X, or scaled from it
(``args.lr * batch_size / 256``), or warmed up from it; the hazard is that no
optimizer's learning rate moved: the setting has no effect.

Why not coincidence: both runs are observed, and the only difference between them
is the declared setting, so a learning rate that moved moved because of it; the
witness never compares a learning rate with the setting's value.
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

    values = record.setdefault("declared_values", [])

    def note(value):
        try:
            values.append(float(value))
        except (TypeError, ValueError):
            pass

    def parsed(parser, namespace):
        for action in parser._actions:
            if action.dest in _probes.LR_NAMES and action.option_strings:
                longs = [o for o in action.option_strings if o.startswith("--")]
                option = (longs or action.option_strings)[0]
                note(getattr(namespace, action.dest, None))
                if option not in declared["argparse"]:
                    declared["argparse"].append(option)

    _probes.on_parsed_arguments(parsed)

    def environ_read(key, value):
        if key.lower() in _probes.LR_NAMES:
            note(value)
            if key not in declared["env"]:
                declared["env"].append(key)

    _probes.on_environ(environ_read)

    def dataclass_seen(cls):
        names = list(cls.__dataclass_fields__)
        for name in names:
            if name in _probes.LR_NAMES:
                declared["field"].append(f"{cls.__name__}.{name}")
                note(getattr(cls.__dataclass_fields__[name], "default", None))
                if override is not None:  # the user edits the field's default
                    _default(cls, name, names.index(name), override)

    _probes.on_dataclass(record, dataclass_seen)

    def config_loaded(obj):
        if isinstance(obj, dict):
            for key in [k for k in obj if k in _probes.LR_NAMES]:
                declared["config"].append(key)
                note(obj[key])
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


def _new_value(record) -> float:
    """A value no declared setting and no optimizer had in run 1."""
    taken = [*record["declared_values"], *record["lrs"]]
    new = 0.5
    while any(math.isclose(new, v) for v in taken):
        new /= 2
    return new


def observe(script: Path, **kwargs) -> Evidence:
    first = run_script(script, "tl302", **kwargs)
    if first.exception:
        raise RuntimeError(f"{script.name} raised {first.exception}")
    declared = first.record["declared"]
    if not first.record["lrs"]:
        raise RuntimeError(f"{script.name} never stepped an optimizer")
    if not any(declared.values()):
        raise RuntimeError(f"{script.name} declares no learning-rate setting the witness can change")
    new = _new_value(first.record)
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
    pairs = list(zip(first.record["optimizers"], first.record["lrs"], second.record["lrs"]))
    moved = [(o, a, b) for o, a, b in pairs if not math.isclose(a, b, rel_tol=1e-12)]
    if moved:
        detail = "; ".join(f"{o} lr {a} -> {b}" for o, a, b in moved)
        verdict = f"the learning rate followed it ({detail})"
    else:
        detail = ", ".join(f"{o} lr={a}" for o, a, _ in pairs)
        verdict = f"no optimizer's learning rate moved ({detail})"
    return Evidence(not moved, f"with {', '.join(changed)} instead of the default: {verdict}",
                    {"first": first.record, "second": second.record})
