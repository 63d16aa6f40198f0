"""flagged_set_epoch_once_before_loop.py after `torchlint check --fix`: call
sampler.set_epoch(epoch) first in each epoch."""
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def main(num_replicas=2, rank=0, epochs=3):
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(40, 3), torch.randint(0, 2, (40,)))
    sampler = DistributedSampler(data, num_replicas=num_replicas, rank=rank, seed=7)
    sampler.set_epoch(0)
    loader = DataLoader(data, batch_size=4, sampler=sampler)
    model = nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for i, (x, y) in enumerate(loader):
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()


if __name__ == "__main__":
    main()
