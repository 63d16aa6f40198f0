"""flagged_own_package_seeder_only_logs after `torchlint check --fix --unsafe-fixes`: seed the run: torch.manual_seed(0)."""
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
    torch.manual_seed(0)
    main()
