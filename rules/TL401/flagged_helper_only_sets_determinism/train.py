"""``make_reproducible`` from utils.py looks like seeding but only selects
deterministic kernels; the training loop runs in engine.fit. Read alone, the
imported helper could be seeding; the project shows the run is unseeded."""
import torch

from engine import fit
from utils import make_reproducible


def main():
    make_reproducible()
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    fit(model, optimizer, batches, epochs=2)


if __name__ == "__main__":  # expect: TL401
    main()
