"""The loop calls an imported ``train_step`` that runs backward and step but never
clears: reported at the call, where the loop needs its ``zero_grad()``."""
import torch

from engine import train_step


def main():
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        for x, y in batches:
            train_step(model, optimizer, x, y)  # expect: TL101


if __name__ == "__main__":
    main()
