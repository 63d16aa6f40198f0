"""A same-file set_seed helper seeds torch only; the Dataset's augmentation flips
samples with NumPy's global generator, which stays unseeded."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset


def set_seed(seed):
    torch.manual_seed(seed)  # expect: TL402
    torch.cuda.manual_seed_all(seed)


class FlipDataset(Dataset):
    def __init__(self, n=32):
        self.x = torch.linspace(-1, 1, n * 4).reshape(n, 4)
        self.y = self.x.sum(1, keepdim=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        x = self.x[i]
        if np.random.rand() < 0.5:
            x = x.flip(0)
        return x, self.y[i]


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

    def fit(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            F.mse_loss(self.model(x), y).backward()
            self.optimizer.step()


if __name__ == "__main__":
    set_seed(0)
    Trainer(nn.Linear(4, 1)).fit(DataLoader(FlipDataset(), batch_size=8))
