"""The project's engine base: it builds the optimizer and clears its gradients."""
import torch


class BaseEngine:
    def __init__(self, model, lr):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def clear(self):
        self.optimizer.zero_grad(set_to_none=True)

    def log(self, epoch, loss):
        print(f"epoch {epoch}: {loss:.4f}")
