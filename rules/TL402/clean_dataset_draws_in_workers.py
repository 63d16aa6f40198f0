"""torch is seeded; the Dataset augments with NumPy's global generator, but inside
DataLoader workers, which PyTorch reseeds (random, NumPy, torch) from torch's
seed: the run is reproducible."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset


class NoisyDataset(Dataset):
    def __len__(self):
        return 16

    def __getitem__(self, i):
        x = torch.full((4,), float(i)) + torch.from_numpy(np.random.normal(0, 0.1, 4)).float()
        return x, torch.tensor([float(i % 2)])


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for x, y in DataLoader(NoisyDataset(), batch_size=4, shuffle=True, num_workers=1):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
