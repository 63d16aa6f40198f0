"""Warm-up epochs train with the same optimizer the ``else:`` steps with; by the
time the branch first steps the scheduler, its optimizer has stepped in the
warm-up epochs: no learning rate is skipped."""
import torch

from engine import train


def main():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    warm_epochs = 2
    for epoch in range(5):
        if epoch < warm_epochs:
            train(model, optimizer, batches)
        else:
            scheduler.step()
            train(model, optimizer, batches)


if __name__ == "__main__":
    main()
