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

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        reported = set()
        for feed in data.sampler_feeds(m):
            for sampler in data.distributed_samplers(m, feed.node, feed.scope):
                epoch = data.feed_epoch(m, feed)
                if epoch is None or (id(epoch.node), id(sampler.node)) in reported:
                    continue  # a single pass: one shuffle is all there is
                if not data.sampler_shuffles(m, sampler) or _set_epoch_called(m, sampler.node):
                    continue
                if _reseeded(m, sampler.node, sampler.scope, epoch):
                    continue  # rebuilt every epoch with a changing seed
                if data.escapes(m, lambda n, s, d=sampler.node: _holds(m, n, s, d), "set_epoch"):
                    continue  # handed to code torchlint cannot see, which may call set_epoch
                reported.add((id(epoch.node), id(sampler.node)))
                yield self.violation(epoch.node, sampler=_name(m, sampler, feed),
                                     epoch=_epoch_variable(epoch.node))


def _reseeded(m: SemanticModel, sampler: ast.Call, scope, epoch) -> bool:
    """Built anew every epoch (inside the epoch loop, or a helper called there) with
    ``seed=`` something that is not a constant."""
    site = m.site_of(sampler)  # the call's site, when it is one that builds a DistributedSampler
    if (site is None or data.qualname(m, sampler, site.scope) not in known.DISTRIBUTED_SAMPLERS
            or not data.runs_within(m, site, epoch)):
        return False
    seeds = data.argument_origins(m, data.arguments(m, sampler, scope)[0], "seed")
    return any(not isinstance(v, ast.Constant) for v, _s in seeds)


def _set_epoch_called(m: SemanticModel, sampler: ast.Call) -> bool:
    """Some ``X.set_epoch(...)`` that runs every epoch may reach the sampler: X is it, or
    X cannot be followed (precision first)."""
    for site in m.sites:
        func = getattr(site.node, "func", None)
        if not (type(func) is ast.Attribute and func.attr == "set_epoch"):
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


def _name(m: SemanticModel, sampler: data.EpochSampler, feed: data.Feed) -> str:
    holder, loop = feed.node, feed.passes
    name = data.bound_name(m, sampler.node) if sampler.imported is None else None
    if name:
        return name
    if holder is not sampler.node or sampler.imported is not None:
        name = data.bound_name(m, holder)
        if name is None and isinstance(getattr(getattr(loop, "node", None), "iter", None),
                                       (ast.Name, ast.Attribute)):
            name = data.source_text(loop.node.iter, 40)
        if name:
            return name + (sampler.imported if sampler.imported is not None else ".sampler")
    return "sampler"


def _epoch_variable(loop_node) -> str:
    target = getattr(loop_node, "target", None)
    return target.id if isinstance(target, ast.Name) and target.id != "_" else "epoch"
