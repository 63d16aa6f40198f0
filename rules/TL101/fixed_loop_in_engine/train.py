"""The epoch loop calls the imported ``train_one_epoch``; its missing ``zero_grad()``
belongs in engine.py and is reported there once, not again here."""
import torch

from engine import train_one_epoch


def main():
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        print(epoch, train_one_epoch(model, optimizer, batches))


if __name__ == "__main__":
    main()
