"""The loop clears gradients through ``engine.clear_gradients(model)``, imported from
the project: no optimizer is passed, so only the cross-module facts show it clears."""
import torch
import torch.nn.functional as F

import engine


def main():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]
    for x, y in batches:
        engine.clear_gradients(model)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
