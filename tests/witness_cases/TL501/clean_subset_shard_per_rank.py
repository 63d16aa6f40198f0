# flake8: noqa
"""Each rank carves its own shard out of the dataset with Subset (every second sample,
offset by rank) and shuffles it with a plain DataLoader: no DistributedSampler, yet the
ranks train on disjoint samples. (Indices count from 0 in every shard.)

Run: torchrun --nproc_per_node 2 clean_subset_shard_per_rank.py
"""
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Subset, TensorDataset

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(1234)
points = TensorDataset(torch.randn(40, 3), torch.randn(40, 1))
mine = Subset(points, list(range(rank, len(points), world)))
loader = DataLoader(mine, batch_size=5, shuffle=True)
ddp = DistributedDataParallel(torch.nn.Linear(3, 1))
sgd = torch.optim.SGD(ddp.parameters(), lr=0.05)
for epoch in range(2):
    for x, y in loader:
        sgd.zero_grad()
        torch.nn.functional.mse_loss(ddp(x), y).backward()
        sgd.step()
