# flake8: noqa
"""Entry point: the optimizer comes from engine.make_optimizer, which hard-codes it."""
import torch

from engine import make_optimizer, train

if __name__ == "__main__":
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    train(net, make_optimizer(net), [(torch.randn(5, 3), torch.randn(5, 2)) for _ in range(3)])
