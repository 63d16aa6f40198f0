"""flagged_helper_only_sets_determinism after `torchlint check --fix --unsafe-fixes`: seed the
run: torch.manual_seed(0)."""
import torch

from engine import fit
from utils import make_reproducible


def main():
    make_reproducible()
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    fit(model, optimizer, batches, epochs=2)


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
