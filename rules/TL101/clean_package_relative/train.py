"""``reset_grads`` comes from the package ``trainer``, which re-exports it from
``trainer/hooks.py`` (two import hops, a relative one)."""
import torch
import torch.nn.functional as F

from trainer import fit, reset_grads


def main():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(4)]
    for x, y in batches:
        reset_grads(model)
        F.mse_loss(model(x), y).backward()
        optimizer.step()
    fit(model, optimizer, batches, epochs=2)


if __name__ == "__main__":
    main()
