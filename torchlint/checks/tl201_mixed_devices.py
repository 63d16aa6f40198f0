"""TL201: tensors and modules that end up on different devices (see rules/TL201/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator, List

from torchlint import devices, known
from torchlint.config import Config, Option
from torchlint.rule import Rule, Violation
from torchlint.semantic import FunctionInfo, SemanticModel, short_text, unparse


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
        if devices.iterates_dataloader(m):
            yield from self._batches_never_moved(m)
        if not config["allow-hardcoded-cuda"]:
            yield from self._hardcoded_cuda(m)

    # (a) a device-less factory in forward() combined with the inputs or a submodule
    def _factories_in_forward(self, m: SemanticModel) -> Iterator[Violation]:
        for cls in m.module_classes():
            if m.is_lightning_module(cls):
                continue  # TL802 reports these, with the Lightning fix (self.device)
            methods = _forward_methods(m, cls)
            owner = {s.node: f for f in methods for s in f.sites
                     if s.is_call and s.scope is f.scope and devices.device_less_factory(m, s.node, s.scope)}
            if not owner:
                continue
            # only where a device is chosen: a pure CPU script never mixes devices
            if m.has_entry_point() and not devices.selects_device(m):
                return
            homes = frozenset(id(f.scope) for f in methods)
            found = {}  # factory -> (what it meets, input name, input); an input beats a submodule
            for function in methods:
                home = function.scope
                params = devices.input_params(function, m)
                ids = frozenset(id(a) for a in params)
                for node in ast.walk(function.node):
                    operands, submodule = _operands(m, node, home)
                    cpu, source = set(), None
                    for op in operands:
                        made = devices.cpu_factories(m, op, home, homes)
                        if made:
                            cpu |= made
                        elif source is None:
                            source = devices.is_input_derived(m, op, home, ids)
                    if not cpu or (source is None and submodule is None):
                        continue
                    ref = source.arg if source is not None else (params[0].arg if params else "x")
                    other = f"input {source.arg}" if source is not None else f"{submodule}'s weights"
                    for factory in cpu:
                        if factory not in found or (source is not None and found[factory][2] is None):
                            found[factory] = (other, ref, source, function)
            for factory in sorted(found, key=lambda c: (c.lineno, c.col_offset)):
                other, ref, _source, met_in = found[factory]
                made_in = owner.get(factory, met_in)
                fix = (f"create it with device={ref}.device" if made_in is met_in else
                       f"create it on the device of {met_in.name}()'s {ref}")
                yield self.violation(factory, what=f"{short_text(factory)} in {made_in.qualname}()",
                                     other=other, fix=fix)

    # (b) a model moved to a device, fed batch tensors that never are
    def _batches_never_moved(self, m: SemanticModel) -> Iterator[Violation]:
        for site in m.sites:
            if not site.is_call:
                continue
            call, scope = site.node, site.scope
            func = call.func
            if not isinstance(func, (ast.Name, ast.Attribute)) or "module" not in m.kinds(func, scope):
                continue
            args = [a for a in call.args if not isinstance(a, ast.Starred)]
            args += [k.value for k in call.keywords if k.arg]
            states = [(a, devices.batch_part(m, a, scope)) for a in args]
            raw = [a for a, state in states if state == "raw"]
            if not raw or any(state == "moved" for _a, state in states):
                continue
            if any(_discarded_move(m, a, site) for a in raw):
                continue  # ``x.to(device)`` on its own line: TL202 reports the real fix
            moves = devices.module_moves(m, func, scope)
            if not moves or devices.handles_input_devices(m, func, scope):
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
            text = _hardcoded(m, site.node, site.scope)
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


def _forward_methods(m: SemanticModel, cls) -> List[FunctionInfo]:
    """forward()/training_step()... of the class, and same-class helpers they call."""
    out = [f for name, f in cls.methods.items() if name in known.FORWARD_METHODS]
    for function in list(out):
        for site in function.sites:
            helper = m.function_for(site.node.func, site.scope) if site.is_call else None
            if helper is not None and helper.cls is cls and helper not in out:
                out.append(helper)
    return out


def _operands(m: SemanticModel, node: ast.AST, scope):
    """The tensors an operation combines, and the submodule it feeds (``self.fc``), if any."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right], None
    if isinstance(node, ast.Compare):
        return [node.left] + list(node.comparators), None
    if not isinstance(node, ast.Call):
        return [], None
    func = node.func
    qualname = m.resolve(func, scope) or ""
    if (qualname.startswith("builtins.") or qualname in known.TENSOR_FACTORIES
            or qualname.endswith("_like")
            or (isinstance(func, ast.Attribute) and func.attr in known.DEVICE_NEUTRAL_METHODS)):
        return [], None
    operands = []
    for arg in list(node.args) + [k.value for k in node.keywords]:
        arg = arg.value if isinstance(arg, ast.Starred) else arg
        operands.extend(arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg])
    submodule = None
    if isinstance(func, ast.Attribute) and not qualname:
        if isinstance(func.value, ast.Name) and func.value.id == "self":
            if "module" in m.kinds(func, scope):
                submodule = unparse(func)
        elif "module" not in m.kinds(func.value, scope):
            operands.append(func.value)  # x.add(z), x.masked_fill(mask, 0)
    return operands, submodule


def _hardcoded(m: SemanticModel, call: ast.Call, scope):
    """``x.cuda()`` / ``x.cuda(0)`` / ``x.to("cuda")`` / ``torch.zeros(..., device="cuda")``."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("cuda", "to")) and not any(
            k.arg == "device" for k in call.keywords):
        return None
    if isinstance(func, ast.Attribute) and func.attr == "cuda":
        if (m.resolve(func, scope) or "").startswith("torch."):
            return None
        arg = call.args[0] if call.args else devices.keyword_arg(call, "device")
        if arg is None or (isinstance(arg, ast.Constant) and isinstance(arg.value, int)):
            return short_text(call)
        return None
    if isinstance(func, ast.Attribute) and func.attr == "to":
        given = call.args[0] if call.args else devices.keyword_arg(call, "device")
    elif m.resolve(func, scope) in known.TENSOR_FACTORIES:
        given = devices.keyword_arg(call, "device")
    else:
        return None
    if isinstance(given, ast.Constant) and isinstance(given.value, str) and \
            given.value.lower().startswith("cuda"):
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
        arg = call.args[0] if call.args else devices.keyword_arg(call, "device")
        return f"to({unparse(arg)})" if arg is not None else "to(device)"
    return f"{call.func.attr}()"
