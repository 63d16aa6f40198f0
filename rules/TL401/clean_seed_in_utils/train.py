"""Seeding is done by ``utils.seed_everything`` (torch, random and numpy) before
``engine.fit`` trains: two runs end bit-identical."""
import torch

import utils
from engine import fit


def main():
    utils.seed_everything(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    fit(model, optimizer, batches, epochs=2)


if __name__ == "__main__":
    main()
