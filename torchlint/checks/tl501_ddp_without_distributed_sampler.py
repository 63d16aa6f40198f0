"""TL501: DDP training whose DataLoader has no DistributedSampler (see rules/TL501/spec.md)."""
from __future__ import annotations

import ast
from typing import Iterator

from torchlint.facts import data
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel


class DdpWithoutDistributedSampler(Rule):
    """DistributedDataParallel training fed by a DataLoader without a DistributedSampler."""

    code = "TL501"
    name = "ddp-without-distributed-sampler"
    message = "training DataLoader({dataset}) under DDP has no DistributedSampler"
    hint = "pass sampler=DistributedSampler({dataset})"
    needs_witness = "ddp"
    requires = ("DistributedDataParallel",)

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        if not data.ddp_sites(m):
            return
        reported = set()
        feeds = data.training_feeds(m)
        # a loop also fed by a sharding DataLoader: the others are its single-process
        # alternative (``if distributed: ... else: DataLoader(ds, shuffle=True)``)
        sharded_loops = {id(f.key) for f in feeds if _shards(m, f.node, f.scope)}
        for key, node, scope, _passes, _around in feeds:
            if id(node) in reported or id(key) in sharded_loops:
                continue
            if not data.is_dataloader(m, node, scope):
                # a loader built by a helper imported from the project (torchlint/project.py)
                dataset = (m.project.whole_dataset_loader(m, node, scope)
                           if m.project is not None and isinstance(node, ast.Call) else None)
                if dataset is not None:
                    reported.add(id(node))
                    yield self.violation(node, dataset=dataset)
                continue
            reported.add(id(node))
            given, complete = data.arguments(m, node, scope)
            samplers, samplers_known = data.sampler_origins(m, node, scope)
            if not (complete and samplers_known):
                continue  # a sampler may hide in *args / **kwargs we cannot read
            if any(data.sampler_shards(m, s, ss) is not False for s, ss in samplers):
                continue  # a DistributedSampler, a custom sampler, or something unknown
            datasets = given.get("dataset", [])
            if not datasets or any(data.depends_on_rank(m, d, ds) for d, ds in datasets):
                continue  # the dataset is split by rank already (or is an IterableDataset)
            yield self.violation(node, dataset=data.source_text(datasets[0][0]))


def _shards(m: SemanticModel, node, scope) -> bool:
    if not data.is_dataloader(m, node, scope):
        return False
    samplers, _known = data.sampler_origins(m, node, scope)
    return any(data.sampler_shards(m, s, ss) for s, ss in samplers)
