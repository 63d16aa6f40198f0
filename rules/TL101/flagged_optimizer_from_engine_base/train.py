"""``self.optimizer`` comes from ``BaseEngine`` (engine_base.py), which builds an SGD
optimizer; the subclass's loop steps it and never clears its gradients."""
import torch
import torch.nn.functional as F

from engine_base import BaseEngine


class Trainer(BaseEngine):
    def fit(self, batches, epochs):
        for epoch in range(epochs):
            for x, y in batches:
                loss = F.mse_loss(self.model(x), y)
                loss.backward()
                self.optimizer.step()  # expect: TL101
            self.log(epoch, loss.item())


def main():
    torch.manual_seed(0)
    batches = [(torch.randn(16, 8), torch.randn(16, 1)) for _ in range(4)]
    Trainer(torch.nn.Linear(8, 1), lr=0.05).fit(batches, epochs=2)


if __name__ == "__main__":
    main()
