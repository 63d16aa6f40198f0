# flake8: noqa
"""Entry point: the learning rate is a keyword of the entry function, passed on to the
engine's optimizer factory."""
import torch

from engine import make_optimizer, train


def main(lr=5e-4):
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    train(net, make_optimizer(net, lr), [(torch.randn(5, 3), torch.randn(5, 2)) for _ in range(3)])


if __name__ == "__main__":
    main()
