"""flagged_batch_sampler_ppo.py after `torchlint check --fix`: call
sampler.sampler.set_epoch(update_epoch) first in each epoch."""
import torch
from torch import nn
from torch.utils.data import BatchSampler, DistributedSampler

torch.manual_seed(0)
observations = torch.randn(64, 6)
returns = torch.randn(64, 1)
value_net = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 1))
optimizer = torch.optim.Adam(value_net.parameters(), lr=3e-4)
indexes = list(range(observations.shape[0]))
sampler = DistributedSampler(indexes, num_replicas=2, rank=0, shuffle=True, seed=3)
sampler = BatchSampler(sampler, batch_size=8, drop_last=False)

for update_epoch in range(4):
    sampler.sampler.set_epoch(update_epoch)
    for batch_idxes in sampler:
        loss = (value_net(observations[batch_idxes]) - returns[batch_idxes]).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
