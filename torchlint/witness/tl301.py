"""TL301 witness: is the learning rate an optimizer used a number written into the
call that built it?

What it observes: the script and the modules beside it run with their float literals
tagged (:mod:`torchlint.witness._literals`: one float object per literal site, same
value and type, so object identity tells which literal a value *is*).
``torch.optim.Optimizer.__init__`` is wrapped: for every optimizer it notes the call
that built it - the first frame outside the optimizer's own ``__init__`` chain, and
that frame's current instruction's source span (the call expression) - and, after
construction, the object each param group holds as ``"lr"``. The optimizers that then
step are judged. An optimizer's learning rate is *hard-coded* when that object is a
literal of the script written as an argument of the very call that built the
optimizer (directly, or inside a param-group dict or a conditional of that call); it
is a *setting* when it is a literal written anywhere else (an argparse default, a
dataclass or function default, a config dict, a module constant: changing the
setting changes the lr) or no literal of the script at all (computed, read from the
command line, the environment or a file, or the optimizer's own default). A literal 1
in the call of an optimizer that a ``LambdaLR`` is then built on (its ``__init__`` is
wrapped) is a unit base rate: every learning rate the run steps with is the lambda's
value (``1 * lambda(epoch)``), not the literal.

Why not coincidence: the verdict compares no values (save the unit base's 1, which makes
the lambda's value the rate itself, for an observed LambdaLR). ``lr=0.01`` next to
``--weight-decay 0.01`` is two different objects; an lr derived from a setting
(``args.lr * bs / 256``) is a new object; an lr read from a lower-case dict config is
that dict's literal, written outside the optimizer call.
"""
from __future__ import annotations

import sys
from pathlib import Path

from torchlint.witness import Evidence, _literals, _probes, run_completed

_STATE = {"built": {}, "lambda_scaled": set()}  # id(optimizer) -> what its construction showed;
# ids of the optimizers a LambdaLR was built on


def instrument(record) -> None:
    import torch
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    record.update(optimizers=[], steps=0)
    _literals.install(lambda path: _probes.in_script(path, record))
    original_init = torch.optim.Optimizer.__init__

    def optimizer_init(self, *args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None and frame.f_locals.get("self") is self:
            frame = frame.f_back  # out of the optimizer class's own __init__ chain
        original_init(self, *args, **kwargs)
        if id(self) in _STATE["built"] or frame is None:
            return
        entry = {"type": type(self).__name__, "built_at": _where(frame), "groups": [],
                 "stepped": False}
        for group in self.param_groups:
            site = _literals.site_of(group.get("lr"))
            entry["groups"].append({"lr": _plain(group.get("lr")), "literal": site and {
                "line": site["line"], "file": Path(site["file"]).name,
                "in_call": _is_call_of(frame, site)}})
        _STATE["built"][id(self)] = (self, entry)  # the optimizer stays referenced

    torch.optim.Optimizer.__init__ = optimizer_init
    lambda_init = torch.optim.lr_scheduler.LambdaLR.__init__

    def lambda_lr_init(self, optimizer, *args, **kwargs):
        _STATE["lambda_scaled"].add(id(optimizer))
        lambda_init(self, optimizer, *args, **kwargs)

    torch.optim.lr_scheduler.LambdaLR.__init__ = lambda_lr_init

    def first_step(optimizer, args, kwargs):
        record["steps"] += 1
        found = _STATE["built"].get(id(optimizer))
        if found is not None and not found[1]["stepped"]:
            found[1]["stepped"] = True
            found[1]["lambda_lr"] = id(optimizer) in _STATE["lambda_scaled"]
            record["optimizers"].append(found[1])

    register_optimizer_step_pre_hook(first_step)


def _unit_base(opt, group) -> bool:
    """A LambdaLR was built on the optimizer and the group's lr is exactly 1: every
    learning rate the run steps with is the lambda's value (``base_lr * lambda(epoch)``)."""
    return bool(opt.get("lambda_lr")) and group["lr"] == 1.0


def run_path(script: str, run_name: str = "__main__"):
    return _literals.run_path(script, run_name)


def _plain(value):
    return float(value) if isinstance(value, (int, float)) else repr(value)


def _where(frame) -> str:
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"


def _is_call_of(frame, site) -> bool:
    """Whether the literal ``site`` is an argument of the call ``frame`` is executing:
    the innermost call around the literal has that call's source span (Python 3.11+:
    the instruction's position; earlier versions: its line)."""
    if site["call"] is None or frame.f_code.co_filename != site["file"]:
        return False
    positions = getattr(frame.f_code, "co_positions", None)
    if positions is None:  # pragma: no cover - Python < 3.11
        return site["call"][0] <= frame.f_lineno <= site["call"][1]
    return tuple(list(positions())[frame.f_lasti // 2]) == tuple(site["call"])


def observe(script: Path, **kwargs) -> Evidence:
    r = run_completed(script, "tl301", **kwargs)
    if not r["optimizers"]:
        raise RuntimeError(f"{script.name} never stepped an optimizer")
    hard, other = [], []
    for opt in r["optimizers"]:
        for group in opt["groups"]:
            lit = group["literal"]
            (hard if lit and lit["in_call"] and not _unit_base(opt, group) else other).append((opt, group))
    if hard:
        detail = "; ".join(f"{o['type']} built at {o['built_at']} stepped with lr={g['lr']}, the "
                           f"literal written in that call (line {g['literal']['line']})"
                           for o, g in hard)
        return Evidence(True, detail, r)

    def origin(opt, group) -> str:
        lit = group["literal"]
        if _unit_base(opt, group):
            return (f"the literal at {lit['file']}:{lit['line']} is a base rate of 1 that a LambdaLR "
                    "scales: its lambda gives the learning rate")
        if lit:
            return f"the literal at {lit['file']}:{lit['line']}, not an argument of the optimizer call"
        return "no literal of the script (computed, read in, or the optimizer's default)"

    detail = "; ".join(f"{o['type']} built at {o['built_at']} stepped with lr={g['lr']}: "
                       f"{origin(o, g)}" for o, g in other)
    return Evidence(False, detail, r)
