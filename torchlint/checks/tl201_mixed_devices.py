"""TL201: tensors and modules that end up on different devices (see rules/TL201/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator

from torchlint import known
from torchlint.facts import devices, forward
from torchlint.config import Config, Option
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel
from torchlint.syntax import find_argument, short_text, unparse


class MixedDevices(Rule):
    """Tensors created, fed or moved so that they end up on a different device than their model."""

    code = "TL201"
    name = "mixed-devices"
    message = "{what} ends up on a different device than {other}"
    hint = "{fix}"
    needs_witness = "gpu"
    options = (
        Option("allow-hardcoded-cuda", False,
               "TL201: do not report part (c), `.cuda()` / \"cuda\" hard-coded where a "
               "selected device variable is in reach (for code that only ever runs on one GPU)",
               type="bool", rules=("TL201",)),
    )

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        yield from self._factories_in_forward(m)
        if devices.moves_to_devices(m) and devices.iterates_dataloader(m):
            yield from self._batches_never_moved(m)
        if not config["allow-hardcoded-cuda"] and m.mentions("cuda"):
            yield from self._hardcoded_cuda(m)

    # (a) a device-less factory in forward() combined with the inputs or a submodule
    def _factories_in_forward(self, m: SemanticModel) -> Iterator[Violation]:
        # TL802 reports Lightning modules, with the Lightning fix (self.device)
        classes = [cls for cls in m.module_classes() if not m.is_lightning_module(cls)]
        # only where a device is chosen: a pure CPU script never mixes devices
        if not classes or (m.has_entry_point() and not devices.selects_device(m)):
            return
        for cls in classes:
            for use in forward.factories_meeting_inputs(m, cls):
                if use.attribute:  # a plain tensor attribute: .to(device) leaves it behind
                    yield self.violation(use.at, what=f"tensor attribute self.{use.attribute}",
                                         other=use.other, fix="register it as a buffer in __init__")
                    continue
                fix = (f"create it with device={use.ref}.device" if use.made_in is use.met_in else
                       f"create it on the device of {use.met_in.name}()'s {use.ref}")
                yield self.violation(use.factory, what=f"{short_text(use.factory)} in "
                                     f"{use.made_in.qualname}()", other=use.other, fix=fix)

    # (b) a model moved to a device, fed batch tensors that never are
    def _batches_never_moved(self, m: SemanticModel) -> Iterator[Violation]:
        for site in m.sites:
            if not site.is_call:
                continue
            call, scope = site.node, site.scope
            func = call.func
            if not (call.args or call.keywords) or not isinstance(func, (ast.Name, ast.Attribute)):
                continue  # no argument: no batch fed (told before asking what func is)
            if "module" not in m.kinds(func, scope):
                continue  # asked before the arguments are listed: most calls are of no module
            args = [a for a in call.args if not isinstance(a, ast.Starred)]
            args += [k.value for k in call.keywords if k.arg]
            if not args:
                continue
            # a module moved to a device: asked before its arguments (fewer are moved than called)
            moves = devices.module_moves(m, func, scope)
            if not moves:
                continue
            states = [(a, devices.batch_part(m, a, scope)) for a in args]
            raw = [a for a, state in states if state == "raw"]
            if not raw or any(state == "moved" for _a, state in states):
                continue
            if any(_discarded_move(m, a, site) for a in raw):
                continue  # ``x.to(device)`` on its own line: TL202 reports the real fix
            if devices.handles_input_devices(m, func, scope):
                continue
            move = min((c for c, _s in moves), key=lambda c: (c.lineno, c.col_offset))
            name = unparse(raw[0])
            yield self.violation(
                call, what=f"batch tensor {name}",
                other=f"{unparse(func)} (moved at line {move.lineno})",
                fix=f"move it first: {name} = {name}.{_move_text(move)}")

    # (c) .cuda() / "cuda" hard-coded in a file that selects a device variable
    def _hardcoded_cuda(self, m: SemanticModel) -> Iterator[Violation]:
        for site in m.sites:
            if not site.is_call:
                continue
            call = site.node
            func = call.func
            # the shapes _hardcoded reads (told here: most calls are neither, at no call's cost)
            if not (type(func) is ast.Attribute and func.attr in ("cuda", "to")) and not (
                    call.keywords and any(k.arg == "device" for k in call.keywords)):
                continue
            text = _hardcoded(m, call, site.scope)
            if text is None:
                continue
            chosen = devices.visible_choice(m, site)
            if chosen is None:
                continue
            if any(devices.mentions_device(t) for t in devices.guard_tests(m, site.node, site.function)):
                continue
            if site.function is not None and site.function.cls is not None and \
                    m.is_lightning_module(site.function.cls):
                continue  # TL802's
            yield self.violation(site.node, what=text, other=f"the selected {chosen}",
                                 fix=f"use .to({chosen})")


def _hardcoded(m: SemanticModel, call: ast.Call, scope):
    """``x.cuda()`` / ``x.cuda(0)`` / ``x.to("cuda")`` / ``torch.zeros(..., device="cuda")``,
    of a call that is ``X.cuda(...)`` / ``X.to(...)`` or has a ``device=`` keyword."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "cuda":
        if (m.resolve(func, scope) or "").startswith("torch."):
            return None
        arg = find_argument(call, 0, "device")
        if arg is None or (isinstance(arg, ast.Constant) and isinstance(arg.value, int)):
            return short_text(call)
        return None
    if isinstance(func, ast.Attribute) and func.attr == "to":
        given = find_argument(call, 0, "device")
    elif m.resolve(func, scope) in known.TENSOR_FACTORIES:
        given = find_argument(call, None, "device")
    else:
        return None
    if type(given) is ast.Constant and devices.is_cuda_literal(m, given, scope):
        return short_text(call)
    return None


def _discarded_move(m: SemanticModel, arg: ast.AST, site) -> bool:
    """``arg.to(...)`` / ``arg.cuda()`` as a statement in the same function."""
    if not isinstance(arg, ast.Name):
        return False
    mine = {id(b) for b in m.reaching_bindings(arg, site.scope)}
    return any(s.node in m.statement_calls and s.node.func.attr in known.MOVE_METHODS
               and s.function is site.function
               and mine & {id(b) for b in m.reaching_bindings(s.node.func.value, s.scope)}
               for s in m.receiver_calls(arg.id))


def _move_text(call: ast.Call) -> str:
    if call.func.attr == "to":
        arg = find_argument(call, 0, "device")
        return f"to({unparse(arg)})" if arg is not None else "to(device)"
    return f"{call.func.attr}()"
