"""flagged_loop_in_engine after `torchlint check --fix`: call optimizer.zero_grad() first in
each iteration."""
import torch.nn.functional as F


def train_one_epoch(model, optimizer, batches):
    total = 0.0
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(batches)
