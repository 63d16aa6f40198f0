"""Wrappers that hold their network as ``.net`` (they are not modules themselves)."""
import torch.nn as nn


class Encoder:
    def __init__(self, width):
        self.net = nn.Sequential(nn.Linear(width, width), nn.Tanh())


class Critic:
    def __init__(self, width):
        self.net = nn.Sequential(nn.Linear(width, 8), nn.ReLU(), nn.Linear(8, 1))
