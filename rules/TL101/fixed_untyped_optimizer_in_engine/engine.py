"""flagged_untyped_optimizer_in_engine after `torchlint check --fix`: call
optimiser.zero_grad() first in each iteration."""
import torch.nn.functional as F


def run_epoch(net, batches, optimiser, loss_fn=F.cross_entropy):
    total = 0.0
    for x, y in batches:
        optimiser.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimiser.step()
        total += loss.item()
    return total / len(batches)
