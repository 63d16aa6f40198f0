"""The project's model module; ``from models import *`` re-exports torch, nn and F."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        return self.fc(x)


def make_batches(n):
    return [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(n)]
