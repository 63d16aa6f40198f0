"""The imported ``train_step`` steps the optimizer, and the scheduler follows it."""
import torch

from engine import train_step


def main():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(4)]
    for x, y in batches:
        train_step(model, optimizer, x, y)
        scheduler.step()


if __name__ == "__main__":
    main()
