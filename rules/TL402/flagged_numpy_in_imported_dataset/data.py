"""The project's data module: the dataset adds noise from NumPy's global generator."""
import numpy as np
import torch
from torch.utils.data import Dataset


class NoisyDataset(Dataset):
    def __init__(self, n):
        self.x = torch.linspace(-1, 1, n).unsqueeze(1).repeat(1, 4)
        self.y = self.x.sum(1, keepdim=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        noise = torch.from_numpy(np.random.normal(0, 0.1, 4)).float()
        return self.x[i] + noise, self.y[i]
