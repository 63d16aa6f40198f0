"""A checkout of a library (a package named ``timm``, like the one on PyPI) whose own
``random_seed`` only logs the seed: a library's helper of that name would count as
seeding, but this one is the project's own code, and its body shows it seeds nothing."""
import torch

from timm import utils
from timm.engine import train_epochs


def main(seed=42):
    utils.random_seed(seed, rank=0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    train_epochs(model, optimizer, batches, epochs=2)


if __name__ == "__main__":  # expect: TL401
    main()
