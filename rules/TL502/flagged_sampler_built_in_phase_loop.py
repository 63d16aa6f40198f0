"""The sampler is built inside a loop over dataset phases (train/test), seeded from a
run seed: that loop runs before training, not once per epoch, so the sampler is built
once and set_epoch() is never called - every epoch gets the same permutation.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def main(seed=11, epochs=3):
    torch.manual_seed(seed)
    phases = {"train": 40, "test": 8}
    for phase, size in phases.items():
        data = TensorDataset(torch.randn(size, 3), torch.randint(0, 2, (size,)))
        if phase == "train":
            sampler = DistributedSampler(data, num_replicas=2, rank=0, shuffle=True, seed=seed)
            train_loader = DataLoader(data, batch_size=4, sampler=sampler)
    model = nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):  # expect: TL502
        for x, y in train_loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()


if __name__ == "__main__":
    main()
