"""The Fabric conversion's rewrites of the script's own calls (planned by
:mod:`~torchlint.lightning.fabric_plan`, which owns placement and setup).

======================================  ==========================================
as written                              with Fabric
======================================  ==========================================
``loss.backward()``                     ``fabric.backward(loss)``
``scaler.scale(loss).backward()``       ``fabric.backward(loss)``
``GradScaler(...)``, ``scaler.update()`` gone: ``Fabric(precision="16-mixed")``
``scaler.unscale_(opt)`` + clipping     ``fabric.clip_gradients(model, opt, max_norm=...)``
``scaler.step(opt)``                    ``opt.step()``
``with torch.autocast(...):``           ``with fabric.autocast():``
``Net().to(device)``, ``model.cuda()``  ``Net()``, gone (``fabric.setup`` moves it)
``x, y = x.to(device), y.to(device)``   gone for batches of a set-up DataLoader
``DDP(model, device_ids=[rank])``       ``model`` (``Fabric(strategy="ddp")`` wraps it)
``init_process_group(...)``, ``set_device(...)``, ``destroy_process_group()``  gone
``DataLoader(ds, sampler=DistributedSampler(ds))``  ``DataLoader(ds, shuffle=True)``, and
                                        ``sampler.set_epoch(epoch)`` gone (Fabric does both)
======================================  ==========================================

The script's AMP goes to Fabric only when every use of the ``GradScaler`` is one of
the above and every ``autocast`` is a ``with`` item; otherwise it stays as written
(``fabric.backward(scaler.scale(loss))``) and the Fabric runs in 32-bit. A pure move
to a device is dropped; a move that also converts (``x.to(device, torch.half)``) keeps
the conversion (``x.to(torch.half)``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from torchlint import known
from torchlint.facts import adoption
from torchlint.lightning import statements
from torchlint.semantic import Scope, Site

_SCALER_METHODS = frozenset({"scale", "step", "update", "unscale_", "is_enabled"})
_INIT = ("torch.distributed.init_process_group",
         "torch.distributed.distributed_c10d.init_process_group")
_DESTROY = ("torch.distributed.destroy_process_group",
            "torch.distributed.distributed_c10d.destroy_process_group")


@dataclass
class Amp:
    """The script's mixed precision, as Fabric will take it over."""

    scalers: List[Tuple[str, ast.stmt]] = field(default_factory=list)  # (name, binding statement)
    autocasts: List[Tuple[ast.Call, Scope]] = field(default_factory=list)  # ``with`` items
    enabled: List[Tuple[ast.expr, Scope]] = field(default_factory=list)
    bf16: bool = False
    cuda_only: bool = False


class Rewriter:
    def __init__(self, planner):
        self.p = planner
        self.m = planner.m
        self.edits = planner.edits
        self.sites = self._sites()
        self.amp: Optional[Amp] = self._amp()
        self.touched: List[ast.stmt] = []

    def run(self) -> None:
        if self.amp is not None:
            for _name, stmt in self.amp.scalers:
                self.edits.delete(stmt)
        for module in self.p.modules.values():
            for stmt in module.statements:
                self._built_moved(stmt)
        for e in self.p.loop.backwards:
            self._backward(e.site)
        for site in self.sites:
            if site.is_call:
                self._call(site)
        self._batch_moves()
        self._drop_trivial()

    # ---------------------------------------------------------------- sites
    def _sites(self) -> List[Site]:
        """The loop's sites (helpers followed), the code around it (adoption's context),
        and the owner's own code: where setup, devices and precision are handled."""
        m = self.m
        seen, out = set(), []
        streams = [adoption.context_sites(m, self.p.loop.info)]
        owner_fn = m.functions.get(self.p.owner.node)
        if owner_fn is not None:
            streams.append(m.sites_in(owner_fn))
        for stream in streams:
            for site, _via in stream:
                if id(site.node) not in seen:
                    seen.add(id(site.node))
                    out.append(site)
        return out

    def _call(self, site: Site) -> None:  # noqa: C901 - one dispatch table
        m, call = self.m, site.node
        func = call.func
        q = m.resolve(func, site.scope)
        if adoption.is_device_move(m, call, site.scope):
            if self.p.is_set_up(func.value, site.scope):
                self._unwrap(call, func.value, site)
            return
        if q in known.DATA_PARALLEL_CLASSES and call.args:
            self._unwrap(call, call.args[0], site)
            if q in known.DDP_CLASSES:
                self.p.ddp_wraps.append(site)  # the Fabric must take DDP over
            return
        if q in known.DEVICE_SELECTION or q in _INIT:
            self._delete_statement(call)
            return
        if q in _DESTROY:  # only where the script's own setup went to Fabric too
            if any(s.is_call and self.m.resolve(s.node.func, s.scope) in _INIT for s in self.sites):
                self._delete_statement(call)
            return
        if q in ("torch.multiprocessing.spawn", "torch.multiprocessing.spawn.spawn"):
            self.p.note(f"mp.spawn at line {call.lineno}: with Fabric(strategy=\"ddp\"), run the "
                        f"function once and let fabric.launch() start the processes")
            return
        if q in known.DATALOADERS:
            self._loader_sampler(site)
            return
        if q in known.GRAD_CLIPPERS:
            self._clip(site, q)
            return
        if q in known.CHECKPOINT_SAVERS and call.args and self.p.is_set_up(call.args[0], site.scope):
            saved = call.args[0]  # the whole module: Fabric's wrapper would be pickled
            self.edits.replace(saved, lambda e, saved=saved: f"{e.text_within(saved)}.module")
            self.p.note(f"line {call.lineno} saved the whole module; it now saves "
                        f"`{ast.unparse(saved)}.module`, the module without Fabric's wrapper")
            return
        if q in known.AUTOCAST_CONTEXTS and self.amp is not None:
            self.edits.replace(call, f"{self.p.reference(site.scope)}.autocast()")
            return
        if isinstance(func, ast.Attribute) and self.amp is not None and \
                "grad_scaler" in m.kinds(func.value, site.scope):
            self._scaler_call(site)
            return
        if isinstance(func, ast.Attribute) and func.attr == "set_epoch" and self._dropped_sampler(
                func.value, site.scope):
            self._delete_statement(call)

    # ------------------------------------------------------------- backward
    def _backward(self, site: Site) -> None:
        call = site.node
        f = self.p.reference(site.scope)
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "backward":
            loss = func.value
            if self.amp is not None and isinstance(loss, ast.Call) and isinstance(
                    loss.func, ast.Attribute) and loss.func.attr == "scale" and loss.args:
                loss = loss.args[0]  # scaler.scale(loss).backward()
            rest = call.args
        elif call.args:  # torch.autograd.backward(loss, ...)
            loss, rest = call.args[0], call.args[1:]
        else:
            return
        kws = call.keywords

        def text(e, loss=loss, rest=rest, kws=kws):
            parts = [e.text_of(loss)] + [e.text_of(a) for a in rest]
            parts += [f"{k.arg}={e.text_of(k.value)}" if k.arg else f"**{e.text_of(k.value)}" for k in kws]
            return f"{f}.backward({', '.join(parts)})"
        self.edits.replace(call, text)

    # ------------------------------------------------------------------ AMP
    def _amp(self) -> Optional[Amp]:
        m = self.m
        amp = Amp()
        for site in self.sites:
            if not site.is_call:
                continue
            q = m.resolve(site.node.func, site.scope)
            if q in known.GRAD_SCALERS:
                stmt = self.p._statement(site.node)
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                    else None
                if not isinstance(target, ast.Name) or not self._scaler_uses_ok(target.id):
                    return None
                amp.scalers.append((target.id, stmt))
                amp.enabled += [(k.value, site.scope) for k in site.node.keywords if k.arg == "enabled"]
            elif q in known.AUTOCAST_CONTEXTS:
                if not isinstance(m.parent(site.node), ast.withitem):
                    return None  # ctx = autocast(...): kept as written
                amp.autocasts.append((site.node, site.scope))
                self._autocast_facts(amp, site, q)
        if not amp.scalers and not amp.autocasts:
            return None
        return amp

    def _autocast_facts(self, amp: Amp, site: Site, q: str) -> None:
        call = site.node
        amp.enabled += [(k.value, site.scope) for k in call.keywords if k.arg == "enabled"]
        dtype = next((k.value for k in call.keywords if k.arg == "dtype"), None)
        if dtype is not None and "bfloat16" in ast.unparse(dtype):
            amp.bf16 = True
        device = next((k.value for k in call.keywords if k.arg == "device_type"),
                      call.args[0] if call.args else None)
        if q.startswith("torch.cuda.") or (isinstance(device, ast.Constant) and device.value == "cuda"):
            amp.cuda_only = True

    def _scaler_uses_ok(self, name: str) -> bool:
        """Every read of the scaler is ``scaler.<method>(...)`` of a method Fabric replaces."""
        calls = {id(s.node.func.value) for s in self.m.receiver_calls(name)
                 if s.node.func.attr in _SCALER_METHODS}
        for node in ast.walk(self.m.tree):
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load) \
                    and id(node) not in calls:
                return False
        return True

    def _scaler_call(self, site: Site) -> None:
        call = site.node
        attr = call.func.attr
        if attr == "step" and call.args:
            opt = call.args[0]
            self.edits.replace(call, lambda e: f"{e.text_of(opt)}.step()")
        elif attr in ("update", "unscale_"):
            self._delete_statement(call)

    # ------------------------------------------------------------- clipping
    def _clip(self, site: Site, q: str) -> None:
        """``clip_grad_norm_(model.parameters(), v)`` -> ``fabric.clip_gradients(model, opt,
        max_norm=v)`` when ``model`` is set up with one optimizer bound on every path."""
        call = site.node
        params = call.args[0] if call.args else None
        if not (isinstance(params, ast.Call) and isinstance(params.func, ast.Attribute)
                and params.func.attr == "parameters" and not params.args):
            return self._clip_kept(call)
        module = params.func.value
        pair = self._pair_for(module, site.scope)
        if pair is None:
            return self._clip_kept(call)
        by_value = q.endswith("value_")
        value = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg in ("max_norm", "clip_value")), None)
        if value is None:
            return self._clip_kept(call)
        optimizer = self._optimizer_text(pair, site.scope)
        if optimizer is None:
            return self._clip_kept(call)
        rest = [k for k in call.keywords if k.arg in ("norm_type", "error_if_nonfinite")]
        f = self.p.reference(site.scope)
        name = "clip_val" if by_value else "max_norm"

        def text(e, module=module, value=value, rest=rest):
            extra = "".join(f", {k.arg}={e.text_of(k.value)}" for k in rest)
            return f"{f}.clip_gradients({e.text_of(module)}, {optimizer}, {name}={e.text_of(value)}{extra})"
        self.edits.replace(call, text)

    def _clip_kept(self, call: ast.Call) -> None:
        if self.amp is not None:
            self.p.note(f"line {call.lineno} clips gradients Fabric has scaled: use "
                        f"fabric.clip_gradients(model, optimizer, max_norm=...)")

    def _pair_for(self, module: ast.expr, scope: Scope):
        b = self.p.bound(module, scope)
        if b is None:
            return None
        pairs = [p for p in self.p.pairs if b.key in [x.key for x in p.modules]]
        return pairs[0] if len(pairs) == 1 and not self.p._conditional(pairs[0].optimizer) else None

    def _optimizer_text(self, pair, scope: Scope) -> Optional[str]:
        """The optimizer as code in ``scope`` can name it: the text the loop steps it with."""
        for e in self.p.loop.steps:
            call = e.site.node
            receiver = call.args[0] if call.args and "grad_scaler" in self.m.kinds(
                call.func.value, e.site.scope) else call.func.value
            b = self.p.bound(receiver, e.site.scope)
            if b is not None and b.key == pair.optimizer.key and e.site.scope is scope:
                return ast.unparse(receiver)
        same = self.p.bound(ast.parse(pair.optimizer.text, mode="eval").body, scope)
        return pair.optimizer.text if same is not None and same.key == pair.optimizer.key else None

    # ---------------------------------------------------------------- moves
    def _unwrap(self, call: ast.Call, inner: ast.expr, site: Site) -> None:
        """A call that only wraps or moves ``inner`` becomes ``inner``; a move that also
        converts keeps the conversion."""
        dtype = None
        if isinstance(call.func, ast.Attribute) and call.func.attr == "to":
            dtype = next((k.value for k in call.keywords if k.arg == "dtype"),
                         call.args[1] if len(call.args) > 1 else None)
        if dtype is not None:
            self.edits.replace(call, lambda e: f"{e.text_of(inner)}.to({e.text_of(dtype)})")
        else:
            self.edits.replace(call, lambda e: e.text_of(inner))
        self._touch(call)

    def _built_moved(self, stmt: ast.stmt) -> None:
        """``model = Net().to(device)`` -> ``model = Net()``: setup moves it."""
        value = getattr(stmt, "value", None)
        scope = self.p.scope_of(stmt)
        while isinstance(value, ast.Call):
            if adoption.is_device_move(self.m, value, scope):
                self._unwrap(value, value.func.value, None)
                value = value.func.value
            elif self.m.resolve(value.func, scope) in known.DATA_PARALLEL_CLASSES and value.args:
                value = value.args[0]  # DDP(Net().to(device)): the DDP goes in _call
            else:
                break

    def _batch_moves(self) -> None:
        """In a loop over a set-up DataLoader, moves of the batch go: Fabric moves it."""
        m = self.m
        for lp in m.loops:
            if not self.p.loader_of(lp):
                continue
            target, index, _it = statements.unpack_loop(lp.node)
            names = statements.target_names(target)
            for node in ast.walk(lp.node):
                if isinstance(node, ast.comprehension) and statements.root_name(node.iter) in names:
                    names |= statements.target_names(node.target)
            for node in ast.walk(lp.node):
                if isinstance(node, ast.Call) and adoption.is_device_move(m, node, lp.scope) \
                        and statements.root_name(node.func.value) in names \
                        and isinstance(node.func.value, (ast.Name, ast.Subscript, ast.Attribute)):
                    site = m.site_of(node)
                    self._unwrap(node, node.func.value, site)

    # ----------------------------------------------------------- DDP samplers
    def _loader_sampler(self, site: Site) -> None:
        """``DataLoader(ds, sampler=DistributedSampler(ds))`` of a set-up loader: Fabric
        puts in a DistributedSampler itself (and sets its epoch)."""
        call = site.node
        b = None
        stmt = self.p._statement(call)
        for loader in self.p.loaders:
            if stmt in loader.statements:
                b = loader
        if b is None:
            return
        kw = next((k for k in call.keywords if k.arg == "sampler"), None)
        if kw is None or not self._distributed(kw.value, site.scope):
            return
        sampler_stmt = self._sampler_statement(kw.value, site.scope)
        if isinstance(kw.value, ast.Name) and sampler_stmt is None:
            return  # the sampler is used elsewhere: keep it (Fabric keeps a DistributedSampler)
        shuffle = ast.Constant(True)
        origin = self._sampler_call(kw.value, site.scope)
        if origin is not None:
            shuffle = next((k.value for k in origin.keywords if k.arg == "shuffle"), shuffle)
        given = next((k for k in call.keywords if k.arg == "shuffle"), None)

        def text(e, call=call, kw=kw, shuffle=shuffle, given=given):
            parts = [e.text_of(a) for a in call.args]
            for k in call.keywords:
                if k is kw:
                    continue
                value = e.original(shuffle) if k is given and hasattr(shuffle, "lineno") else (
                    e.text_of(k.value))
                parts.append(f"{k.arg}={value}" if k.arg else f"**{value}")
            if given is None:
                parts.append(f"shuffle={e.original(shuffle) if hasattr(shuffle, 'lineno') else 'True'}")
            return f"{e.text_of(call.func)}({', '.join(parts)})"
        self.edits.replace(call, text)
        if sampler_stmt is not None:
            self.edits.delete(sampler_stmt)
        self._dropped = getattr(self, "_dropped", []) + [kw.value]

    def _distributed(self, expr: ast.expr, scope: Scope) -> bool:
        return self._sampler_call(expr, scope) is not None

    def _sampler_call(self, expr: ast.expr, scope: Scope) -> Optional[ast.Call]:
        for origin, oscope in self.m.origins(expr, scope):
            if isinstance(origin, ast.Call) and self.m.resolve(origin.func, oscope) in \
                    known.DISTRIBUTED_SAMPLERS:
                return origin
        return None

    def _sampler_statement(self, expr: ast.expr, scope: Scope) -> Optional[ast.stmt]:
        """``sampler = DistributedSampler(...)`` when its name is read only by the
        DataLoader call and ``.set_epoch(...)`` statements."""
        if not isinstance(expr, ast.Name):
            return None
        bindings = [b for b in self.m.lookup(expr.id, scope) or [] if b.kind == "assign"]
        if len(bindings) != 1:
            return None
        epochs = {id(s.node.func.value) for s in self.m.receiver_calls(expr.id)
                  if s.node.func.attr == "set_epoch" and self.p._statement(s.node) is not None
                  and isinstance(self.p._statement(s.node), ast.Expr)}
        for node in ast.walk(scope.node):
            if isinstance(node, ast.Name) and node.id == expr.id and isinstance(node.ctx, ast.Load) \
                    and node is not expr and id(node) not in epochs:
                return None
        return self.p._statement(bindings[0].node)

    def _dropped_sampler(self, expr: ast.expr, scope: Scope) -> bool:
        """``sampler.set_epoch(e)`` / ``loader.sampler.set_epoch(e)`` of a dropped sampler
        or a set-up loader."""
        if isinstance(expr, ast.Attribute) and expr.attr == "sampler":
            b = self.p.bound(expr.value, scope)
            return b is not None and b.key in [x.key for x in self.p.loaders]
        for loader in self.p.loaders:
            for stmt in loader.statements:
                for node in ast.walk(stmt):
                    if isinstance(node, ast.keyword) and node.arg == "sampler" and isinstance(
                            node.value, ast.Name) and isinstance(expr, ast.Name) \
                            and node.value.id == expr.id and self._sampler_statement(
                                node.value, loader.scope) is not None:
                        return True
        return False

    # ------------------------------------------------------------- cleanup
    def _delete_statement(self, call: ast.Call) -> None:
        stmt = self.p._statement(call)
        if isinstance(stmt, ast.Expr) and stmt.value is call:
            self.edits.delete(stmt)

    def _touch(self, node: ast.AST) -> None:
        stmt = self.p._statement(node)
        if stmt is not None and stmt not in self.touched:
            self.touched.append(stmt)

    def _drop_trivial(self) -> None:
        """``model = model`` / ``x, y = x, y`` / a bare ``model`` left by the rewrites go."""
        for stmt in self.touched:
            if not isinstance(stmt, (ast.Assign, ast.Expr)) or self.edits.is_deleted(stmt):
                continue
            try:
                new = ast.parse(self.edits.text_of(stmt).strip()).body
            except SyntaxError:
                continue
            if len(new) == 1 and statements.is_trivial(new[0]):
                self.edits.delete(stmt)


def drop_unused_imports(planner) -> None:
    """The script's module-level imports that only the rewritten code used
    (``DistributedDataParallel as DDP``, ``init_process_group``) go with it; an import
    the script did not use either stays as written."""
    try:
        after = _loaded(ast.parse(planner.edits.apply()))
    except SyntaxError:  # pragma: no cover - the edits keep the script valid
        return
    before = _loaded(planner.m.tree)
    for stmt in planner.m.tree.body:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)) or getattr(stmt, "module", "") == "__future__":
            continue
        keep = [a for a in stmt.names if a.name == "*" or _bound(a) not in before or _bound(a) in after]
        if len(keep) == len(stmt.names):
            continue
        if not keep:
            planner.edits.delete(stmt)
        else:
            fields = {f: getattr(stmt, f) for f in stmt._fields}
            fields["names"] = keep
            planner.edits.replace(stmt, ast.unparse(type(stmt)(**fields)))


def _bound(alias: ast.alias) -> str:
    return alias.asname or alias.name.split(".")[0]


def _loaded(tree: ast.AST) -> set:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
