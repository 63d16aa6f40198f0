"""torch is seeded; augmentation noise comes from a NumPy Generator created with an
explicit seed (np.random.default_rng(seed)), not from NumPy's global generator."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Trainer:
    def __init__(self, seed):
        torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.model = nn.Linear(4, 1)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)

    def fit(self, steps):
        for _ in range(steps):
            x = torch.from_numpy(self.rng.normal(size=(8, 4))).float()
            self.optimizer.zero_grad()
            F.mse_loss(self.model(x), x.sum(1, keepdim=True)).backward()
            self.optimizer.step()


if __name__ == "__main__":
    Trainer(seed=0).fit(steps=4)
