"""TL301 witness: can the learning rate the optimizer used be found in what the
run records about itself?

Inside the script, the first ``optimizer.step()`` of each optimizer records
``param_groups[0]["lr"]``. Meanwhile the probes collect every named numeric
setting the run exposes: parsed command-line arguments
(``ArgumentParser.parse_known_args``), instances of the fixture's dataclasses
(config objects), ``json``/``yaml`` config loads, environment variables read,
``logging`` output, LightningModule ``hparams`` and the script's module-level
constants and config dicts (seen at the first step), and the parameters of the
fixture's functions on the stack when the optimizer was built (a parameter
with a default is a setting its caller may change). A hard-coded learning rate
is none of these: the hazard is an optimizer whose lr appears nowhere.
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

from torchlint.witness import Evidence, _probes, run_script

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def instrument(record) -> None:
    import gc
    import inspect
    import logging

    import torch

    recorded = record.setdefault("recorded", {})
    _probes.optimizer_lrs(record)
    _probes.on_parsed_arguments(lambda parser, ns: _probes.flatten("args", vars(ns), recorded))

    def dataclass_seen(cls):
        init = cls.__init__

        def __init__(self, *args, **kwargs):
            init(self, *args, **kwargs)
            values = {f: getattr(self, f, None) for f in cls.__dataclass_fields__}
            _probes.flatten(f"config {cls.__name__}", values, recorded)

        cls.__init__ = __init__

    _probes.on_dataclass(record, dataclass_seen)

    def config_loaded(obj):
        if isinstance(obj, dict):
            _probes.flatten("config file", obj, recorded)
        return obj

    _probes.on_config_load(config_loaded)

    def environ_read(key, value):
        try:
            recorded[f"env {key}"] = float(value)
        except (TypeError, ValueError):
            pass

    _probes.on_environ(environ_read)

    original_handle = logging.Logger.handle

    def handle(self, log_record):
        for i, text in enumerate(_NUMBER.findall(log_record.getMessage())):
            recorded[f"log {log_record.lineno}#{i}"] = float(text)
        return original_handle(self, log_record)

    logging.Logger.handle = handle

    original_init = torch.optim.Optimizer.__init__

    def optimizer_init(self, *args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None:  # parameters of the fixture's functions that built it
            # the fixture's own code, but not the optimizer class's own __init__ chain
            if (_probes.in_script(frame.f_code.co_filename, record)
                    and frame.f_locals.get("self") is not self):
                info = inspect.getargvalues(frame)
                values = {a: info.locals.get(a) for a in info.args}
                _probes.flatten(f"parameter {frame.f_code.co_name}()", values, recorded)
            frame = frame.f_back
        original_init(self, *args, **kwargs)

    torch.optim.Optimizer.__init__ = optimizer_init

    from torch.optim.optimizer import register_optimizer_step_pre_hook

    done = []

    def first_step(optimizer, args, kwargs):
        if done:
            return
        done.append(True)
        main = sys.modules.get("__main__")
        for name, value in list(vars(main).items()) if main is not None else ():
            if name.isupper() and isinstance(value, dict):
                _probes.flatten(f"constant {name}", value, recorded)
            elif name.isupper() and _probes.number(value) is not None:
                recorded[f"constant {name}"] = _probes.number(value)
        lightning = [sys.modules[m].LightningModule for m in ("pytorch_lightning", "lightning.pytorch")
                     if m in sys.modules]
        if lightning:
            for obj in gc.get_objects():
                if issubclass(type(obj), tuple(lightning)):  # not weakref proxies to one
                    _probes.flatten(f"hparams {type(obj).__name__}", dict(obj.hparams), recorded)

    register_optimizer_step_pre_hook(first_step)


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl301", **kwargs)
    r = run.record
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    if not r["lrs"]:
        raise RuntimeError(f"{script.name} never stepped an optimizer")
    recorded = r["recorded"]
    missing, found = [], []
    for optimizer, lr in zip(r["optimizers"], r["lrs"]):
        where = [k for k, v in recorded.items() if math.isclose(v, lr, rel_tol=1e-9, abs_tol=0.0)]
        (found if where else missing).append((optimizer, lr, where))
    hazard = bool(missing)
    if hazard:
        detail = "; ".join(f"{o} used lr={lr}, found nowhere among the {len(recorded)} values "
                           f"the run records" for o, lr, _ in missing)
    else:
        detail = "; ".join(f"{o} used lr={lr}, recorded as {', '.join(w[:2])}" for o, lr, w in found)
    return Evidence(hazard, detail, r)
