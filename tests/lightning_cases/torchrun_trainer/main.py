"""Launched by torchrun: sets up the process group, builds what the Trainer in
trainer.py needs, runs it, and writes this rank's final weights to ``rank<N>.pt``.
Each rank seeds itself differently: under DDP the ranks still end with the same
weights (rank 0's are broadcast, the gradients averaged); trained apart, they do not."""
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import TensorDataset

from trainer import Trainer


def main():
    dist.init_process_group("gloo")
    torch.manual_seed(5 + dist.get_rank())  # each rank draws its own initial weights
    x = torch.randn(96, 4, generator=torch.Generator().manual_seed(0))
    y = x.sum(dim=1, keepdim=True).cos()
    model = nn.Sequential(nn.Linear(4, 12), nn.Tanh(), nn.Linear(12, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, optimizer, TensorDataset(x, y))
    trainer.fit(epochs=2)
    weights = trainer.model.state_dict()
    torch.save({k.removeprefix("module."): v for k, v in weights.items()},
               f"rank{os.environ.get('RANK', '0')}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
