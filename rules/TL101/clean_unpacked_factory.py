"""The factory hands back the model, its optimizer and a wrapper that steps and clears
it, in that order; the loop steps the wrapper (the third element), never the bare
optimizer, so nothing is left uncleared."""
import torch
import torch.nn.functional as F
from torch import nn


class ClearingStep:
    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self):
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)


def build(lr):
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return model, optimizer, ClearingStep(optimizer)


def prepare(model, stepper):
    model.train()
    return model, stepper


def main(lr=0.05):
    torch.manual_seed(0)
    model, _optimizer, stepper = build(lr)
    model, stepper = prepare(model, stepper)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        for x, y in batches:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            stepper.step()


if __name__ == "__main__":
    main()
