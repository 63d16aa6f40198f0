"""The scheduler sits in an ``else:`` that only runs from the second iteration on,
after the optimizer stepped in the first: no learning rate is skipped."""
import torch
import torch.nn.functional as F


def main():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(4)]
    for step, (x, y) in enumerate(batches):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        if step == 0:
            optimizer.step()
        else:
            scheduler.step()
            optimizer.step()


if __name__ == "__main__":
    main()
