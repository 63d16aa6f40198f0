"""An endless batch generator (``while True: for batch in loader: yield batch``) feeds a
step-counted training loop: every pass over the loader is an epoch, and nothing calls
``sampler.set_epoch``, so every pass repeats the first shuffle.

Run: torchrun --nproc_per_node 1 flagged_epoch_hidden_in_generator.py
"""
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def forever(loader):
    while True:  # expect: TL502
        for batch in loader:
            yield batch


def main(steps=12):
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    dataset = TensorDataset(torch.randn(32, 8), torch.randn(32, 1))
    sampler = DistributedSampler(dataset, shuffle=True)
    loader = DataLoader(dataset, batch_size=8, sampler=sampler)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = forever(loader)
    for step in range(steps):
        x, y = next(batches)
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
