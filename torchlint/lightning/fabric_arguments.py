"""``Fabric(...)``'s arguments, from the script's own settings (used by
:mod:`~torchlint.lightning.fabric_plan` where it builds the Fabric).

* ``devices=1`` unless the script is distributed: Fabric would otherwise take every
  GPU of the machine and shard the data;
* ``accelerator=`` from the script's device choice: a literal device (``"cpu"``)
  names it, ``"cuda" if torch.cuda.is_available() else "cpu"`` is Fabric's "auto",
  any other ``device`` bound before the Fabric is followed
  (``torch.device(device).type``);
* ``strategy="ddp"`` and ``devices=`` from its process-group setup, under the same
  test when the setup ran under one (``strategy="ddp" if ddp else "auto"``); a model
  wrapped in ``DistributedDataParallel`` where the process group is set up elsewhere
  (a ``Trainer`` class launched by torchrun) is DDP too, never a silent single device:
  ``devices=`` / ``num_nodes=`` from torchrun's environment when the script reads it
  (``LOCAL_RANK``, ``RANK``, ``WORLD_SIZE``), else a TODO and a note;
* ``precision=`` from its AMP (:func:`precision`), when Fabric takes the AMP over.

Every name an argument reads is bound before the Fabric is built, or the argument
takes the value of the script's default run instead.
"""
from __future__ import annotations

import ast
from typing import List, Optional

from torchlint import known
from torchlint.facts import adoption
from torchlint.lightning import settings, statements

AUTO = '"auto"'
TORCHRUN_VARIABLES = frozenset({"LOCAL_RANK", "RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE"})
LOCAL_WORLD = 'int(os.environ.get("LOCAL_WORLD_SIZE", 1))'  # processes per node, as torchrun says
WORLD = 'int(os.environ.get("WORLD_SIZE", 1))'


def arguments(p, before: ast.stmt) -> List[str]:
    """The arguments, as source, for a Fabric built right after ``before``
    (``p``: the :class:`~torchlint.lightning.fabric_plan.FabricPlanner`)."""
    out = []
    ddp = _ddp_sites(p)
    accelerator = _accelerator(p, before)
    if accelerator:
        out.append(f"accelerator={accelerator}")
    if ddp:
        devices = _world_size(p, ddp, before)
        switch = _ddp_switch(p, ddp, before)
        if switch is None:
            out.append('strategy="ddp"')
            if devices:
                out.append(f"devices={devices}")
        else:  # ``if ddp: init_process_group(...)``: DDP only when the script's test says so
            out.append(f'strategy="ddp" if {switch} else "auto"')
            out.append(f"devices={devices or AUTO} if {switch} else 1")
    elif _wrapped(p):
        out.append('strategy="ddp"')
        if _torchrun(p):
            out += [f"devices={LOCAL_WORLD}", f"num_nodes={WORLD} // {LOCAL_WORLD}"]
            if not any(b.kind == "import" for b in p.m.module_scope.bindings.get("os") or []):
                p.edits.header(["import os"])
    else:
        out.append("devices=1")
    if p.amp is not None:
        value = precision(p, before)
        if value:
            out.append(f"precision={value}")
    return out


def todos(p) -> List[str]:
    """What the Fabric's arguments could not decide, said where it is built."""
    if _ddp_sites(p) or not _wrapped(p) or _torchrun(p):
        return []
    where = ", ".join(f"line {s.node.lineno}" for s in _wrapped(p))
    text = (f"the script wraps its model in DistributedDataParallel ({where}) but sets up its "
            f"processes where torchlint cannot see: set devices= and num_nodes= to match its "
            f"launcher (Fabric's default takes every device)")
    p.note(text)
    return [text]


def _wrapped(p) -> List:
    """The ``DistributedDataParallel(...)`` wraps the rewrites removed that the default
    run reaches."""
    return [s for s in p.ddp_wraps if settings.runs_by_default(p.m, s.node, s.scope) is not False]


def _torchrun(p) -> bool:
    """The script reads torchrun's environment (``os.environ["LOCAL_RANK"]``,
    ``os.getenv("WORLD_SIZE")``)."""
    for node in ast.walk(p.m.tree):
        if isinstance(node, ast.Subscript):
            where, keys = node.value, [node.slice]
        elif isinstance(node, ast.Call):
            where, keys = node.func, node.args[:1]
        else:
            continue
        text = ast.unparse(where)
        if ("environ" in text or "getenv" in text) and any(
                isinstance(k, ast.Constant) and k.value in TORCHRUN_VARIABLES for k in keys):
            return True
    return False


def _ddp_sites(p) -> List:
    sites = adoption.concern_sites(p.m, p.loop.info, p.loop.events).get("ddp", [])
    return [s for s in sites if settings.runs_by_default(p.m, s.node, s.scope) is not False]


def _accelerator(p, before: ast.stmt) -> Optional[str]:
    """The script's device choice: a literal device (``"cpu"``) names the accelerator;
    ``"cuda" if torch.cuda.is_available() else "cpu"`` is Fabric's "auto"; any other
    ``device`` bound before the Fabric is followed (``torch.device(device).type``)."""
    m = p.m
    for name in ("device",) + tuple(sorted(adoption.DEVICE_NAMES - {"device"})):
        for scope in (p.owner, m.module_scope):
            bindings = [b for b in (scope.bindings.get(name) or []) if b.kind == "assign"]
            if not bindings or "device" not in m.binding_kinds(bindings[0]) and name != "device":
                continue
            texts = [ast.unparse(b.value) for b in bindings if b.value is not None]
            if any("is_available" in t or "device_count" in t for t in texts) or not texts:
                return None
            kinds = {_device_type(b.value) for b in bindings if b.value is not None}
            if len(kinds) == 1 and None not in kinds:
                return f'"{kinds.pop()}"'
            if p.bound_before(name, scope, before):
                return f"torch.device({name}).type"
            return None
    return None


def _world_size(p, ddp_sites, before: ast.stmt) -> Optional[str]:
    """The name holding the number of processes: ``init_process_group``'s
    ``world_size=``, or a name bound from ``WORLD_SIZE`` / ``get_world_size()``."""
    for site in ddp_sites:
        if site.is_call and p.m.resolve(site.node.func, site.scope) in known.DISTRIBUTED_SETUP:
            for k in site.node.keywords:
                if k.arg == "world_size" and isinstance(k.value, ast.Name) \
                        and p.bound_before(k.value.id, p.owner, before):
                    return k.value.id
    for scope in (p.owner, p.m.module_scope):
        for name, bindings in scope.bindings.items():
            if any(b.kind == "assign" and b.value is not None and (
                    "WORLD_SIZE" in ast.unparse(b.value) or "get_world_size" in ast.unparse(b.value))
                    for b in bindings) and p.bound_before(name, scope, before):
                return name
    return None


def _ddp_switch(p, ddp_sites, before: ast.stmt) -> Optional[str]:
    """The ``if`` test the process-group setup runs under (``if ddp:``), when code at
    the Fabric can read it; None when the setup is unconditional."""
    for site in ddp_sites:
        if not (site.is_call and p.m.resolve(site.node.func, site.scope) in known.DISTRIBUTED_SETUP):
            continue
        node = p.m.parent(site.node)
        while node is not None and not isinstance(node, (ast.If, ast.FunctionDef, ast.Module)):
            node = p.m.parent(node)
        if isinstance(node, ast.If) and all(p.bound_before(n, p.owner, before)
                                            for n in statements.loads(node.test)):
            return ast.unparse(node.test)
    return None


def _device_type(value: ast.expr) -> Optional[str]:
    """``"cuda"`` of ``"cuda:0"`` / ``torch.device("cuda", 0)``, else None."""
    if isinstance(value, ast.Call) and value.args:
        value = value.args[0]
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        kind = value.value.split(":")[0]
        return kind if kind in adoption.DEVICE_STRINGS else None
    return None


def precision(planner, before: ast.stmt) -> Optional[str]:
    """``Fabric(precision=...)`` for the script's AMP: the dtype of its autocast; when AMP
    is switched by a setting (``enabled=use_amp``) the same setting switches it, or its
    default when that is not readable where the Fabric is built; an autocast for
    ``"cuda"`` only (off without a GPU) stays off without one."""
    amp = planner.amp
    value = '"bf16-mixed"' if amp.bf16 else '"16-mixed"'
    conditions: List[str] = []
    for expr, scope in amp.enabled[:1]:
        known_value = settings.evaluate(planner.m, expr, scope)
        readable = all(planner.bound_before(n, planner.owner, before)
                       for n in statements.loads(expr))
        if isinstance(expr, ast.Constant):
            if not expr.value:
                return None
        elif readable:
            conditions.append(ast.unparse(expr))
        elif known_value is settings.UNKNOWN or known_value:
            planner.note(f"AMP followed `{ast.unparse(expr)}`: Fabric's precision= is set as for "
                         f"its default run")
        else:
            planner.note(f"AMP follows `{ast.unparse(expr)}`, off by default: pass "
                         f"precision={value} to Fabric to turn it on")
            return None
    text = " ".join(conditions)
    if amp.cuda_only and not any(w in text for w in ("cuda", "device", "gpu")):
        conditions.append("torch.cuda.is_available()")
    if not conditions:
        return value
    return f'{value} if {" and ".join(conditions)} else "32-true"'
