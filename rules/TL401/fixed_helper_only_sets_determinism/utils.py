"""A "reproducibility" helper that forgets the seed: deterministic kernels alone do
not make two runs start from the same weights."""
import torch


def make_reproducible():
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)
