"""TL502: a DistributedSampler never given set_epoch() in the epoch loop (see rules/TL502/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator

from torchlint import known
from torchlint.facts import data
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel


class DistributedSamplerWithoutSetEpoch(Rule):
    """Shuffling DistributedSampler whose epoch loop never calls set_epoch()."""

    code = "TL502"
    name = "distributed-sampler-without-set-epoch"
    fix = "safe"  # torchlint/fix/tl502.py
    message = "epoch loop never calls {sampler}.set_epoch(): same shuffle every epoch"
    hint = "call {sampler}.set_epoch({epoch}) first"
    requires = ("DistributedSampler",)

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        built = {id(s.node): s for s in m.sites
                 if s.is_call and m.resolve(s.node.func, s.scope) in known.DISTRIBUTED_SAMPLERS}
        if not built:
            return
        reported = set()
        for loop, holder, hscope in data.training_feeds(m):
            q = data.qualname(m, holder, hscope)
            if q in known.DISTRIBUTED_SAMPLERS:
                samplers = [(holder, hscope)]
            elif q in known.DATALOADERS or q in known.BATCH_SAMPLERS:
                samplers, _ = data.sampler_origins(m, holder, hscope)
            else:
                continue
            for sampler, sscope in samplers:
                if data.qualname(m, sampler, sscope) not in known.DISTRIBUTED_SAMPLERS:
                    continue
                epoch = data.epoch_loop(m, loop)
                if epoch is None or (id(epoch.node), id(sampler)) in reported:
                    continue  # a single pass: one shuffle is all there is
                if not _shuffles(m, sampler, sscope) or _set_epoch_called(m, sampler):
                    continue
                if _reseeded(m, sampler, sscope, built.get(id(sampler))):
                    continue  # rebuilt every epoch with a changing seed
                if data.escapes(m, lambda n, s, d=sampler: _holds(m, n, s, d)):
                    continue  # handed to code torchlint cannot see, which may call set_epoch
                reported.add((id(epoch.node), id(sampler)))
                yield self.violation(epoch.node, sampler=_name(m, sampler, holder, loop),
                                     epoch=_epoch_variable(epoch.node))


def _shuffles(m: SemanticModel, sampler: ast.Call, scope) -> bool:
    """shuffle= is not given, or may be true (only a constant false value turns it off)."""
    given, complete = data.arguments(m, sampler, scope)
    if "shuffle" not in given:
        return complete
    values = data.argument_origins(m, given, "shuffle")
    return not all(isinstance(v, ast.Constant) and not v.value for v, _s in values)


def _reseeded(m: SemanticModel, sampler: ast.Call, scope, site) -> bool:
    """Built anew every epoch with ``seed=`` something that is not a constant."""
    if site is None or not data.runs_repeatedly(m, site):
        return False
    seeds = data.argument_origins(m, data.arguments(m, sampler, scope)[0], "seed")
    return any(not isinstance(v, ast.Constant) for v, _s in seeds)


def _set_epoch_called(m: SemanticModel, sampler: ast.Call) -> bool:
    """Some ``X.set_epoch(...)`` that runs every epoch may reach the sampler: X is it, or
    X cannot be followed (precision first)."""
    for site in m.sites:
        func = getattr(site.node, "func", None)
        if not (isinstance(func, ast.Attribute) and func.attr == "set_epoch"):
            continue
        if not data.runs_repeatedly(m, site):
            continue
        for node, _scope in m.origins(func.value, site.scope):
            if node is sampler or not isinstance(node, ast.Call):
                return True
    return False


def _holds(m: SemanticModel, node, scope, sampler) -> bool:
    if node is sampler:
        return True
    if isinstance(node, ast.Call) and data.qualname(m, node, scope) in (
            known.DATALOADERS | known.BATCH_SAMPLERS):
        return any(s is sampler for s, _ in data.sampler_origins(m, node, scope)[0])
    return False


def _name(m: SemanticModel, sampler, holder, loop) -> str:
    name = data.bound_name(m, sampler)
    if name:
        return name
    if holder is not sampler:
        name = data.bound_name(m, holder)
        if name is None and isinstance(getattr(loop.node, "iter", None), (ast.Name, ast.Attribute)):
            name = data.source_text(loop.node.iter, 40)
        if name:
            return name + ".sampler"
    return "sampler"


def _epoch_variable(loop_node) -> str:
    target = getattr(loop_node, "target", None)
    return target.id if isinstance(target, ast.Name) and target.id != "_" else "epoch"
