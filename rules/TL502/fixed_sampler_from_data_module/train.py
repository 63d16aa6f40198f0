"""flagged_sampler_from_data_module after `torchlint check --fix`: call loader.sampler.set_epoch(epoch) first in each epoch."""
import torch
import torch.distributed as dist
import torch.nn.functional as F

from data import build_dataset, build_loader


def main():
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    loader = build_loader(build_dataset(), batch_size=8)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for epoch in range(3):
        loader.sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
