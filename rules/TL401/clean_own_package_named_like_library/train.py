"""A checkout of a library (here a package named ``timm``, like the one on PyPI):
its own training script imports the seeding helper from the checkout's package,
which the import system finds first. Read as the third-party library, the call
would seed nothing known; the project's own copy shows it seeds every generator."""
import torch

from timm import utils
from timm.engine import train_epochs


def main(seed=42):
    utils.random_seed(seed, rank=0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    train_epochs(model, optimizer, batches, epochs=2)


if __name__ == "__main__":
    main()
