"""flagged_weighted_sum_in_function.py after `torchlint check --fix`: accumulate loss.detach()."""
import torch
from torch import nn


def train_epoch(model, optimizer, batches):
    model.train()
    epoch_loss = 0
    for x, y in batches:
        out = model(x)
        loss = nn.functional.cross_entropy(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss = epoch_loss + loss.detach() * x.size(0)
    return epoch_loss / sum(x.size(0) for x, _ in batches)


if __name__ == "__main__":
    torch.manual_seed(0)
    net = nn.Linear(10, 4)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    data = [(torch.randn(8, 10), torch.randint(0, 4, (8,))) for _ in range(8)]
    print(float(train_epoch(net, opt, data)))
