"""The project's engine base: it builds the optimizer the subclasses step."""
import torch


class BaseEngine:
    def __init__(self, model, lr):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def log(self, epoch, loss):
        print(f"epoch {epoch}: {loss:.4f}")
