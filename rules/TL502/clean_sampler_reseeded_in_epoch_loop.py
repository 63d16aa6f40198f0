"""Near miss of flagged_sampler_built_in_phase_loop: the sampler is built inside the
epoch loop with a seed that changes every epoch, so each epoch shuffles anew even
without set_epoch().
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def main(seed=11, epochs=3):
    torch.manual_seed(seed)
    data = TensorDataset(torch.randn(40, 3), torch.randint(0, 2, (40,)))
    model = nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        for phase in ("train",):
            sampler = DistributedSampler(data, num_replicas=2, rank=0, shuffle=True, seed=seed + epoch)
            train_loader = DataLoader(data, batch_size=4, sampler=sampler)
        for x, y in train_loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()


if __name__ == "__main__":
    main()
