"""flagged_step_in_engine after `torchlint check --fix`: call optimizer.zero_grad() first in
each iteration."""
import torch

from engine import train_step


def main():
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        for x, y in batches:
            optimizer.zero_grad()
            train_step(model, optimizer, x, y)


if __name__ == "__main__":
    main()
