"""Two untyped parameters step after backward() and neither is used otherwise: either
may be the scheduler, so neither is taken for the optimizer. Here ``updater`` is a
wrapper that steps and clears, ``warmup`` a scheduler: the loop is fine."""
import torch.nn.functional as F


def run_epoch(net, batches, updater, warmup):
    total = 0.0
    for x, y in batches:
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        updater.step()
        warmup.step()
        total += loss.item()
    return total / len(batches)
