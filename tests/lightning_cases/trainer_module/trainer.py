"""A Trainer class in its own module: the script (main.py) builds the model, the
optimizer and the data, this class runs the epochs."""
import torch
import torch.nn.functional as F


class Trainer:
    def __init__(self, model, optimizer, train_loader, device, max_norm=1.0, log_every=8):
        self.device = device
        self.model = model.to(device)
        self.optimizer = optimizer
        self.train_loader = train_loader
        self.max_norm = max_norm
        self.log_every = log_every
        self.step = 0

    def _run_batch(self, x, y):
        self.optimizer.zero_grad()
        loss = F.mse_loss(self.model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)
        self.optimizer.step()
        return loss.item()

    def _run_epoch(self, epoch):
        self.model.train()
        for x, y in self.train_loader:
            x, y = x.to(self.device), y.to(self.device)
            loss = self._run_batch(x, y)
            self.step += 1
            if self.step % self.log_every == 0:
                print(f"epoch {epoch} step {self.step} loss {loss:.4f}")

    def fit(self, epochs):
        for epoch in range(epochs):
            self._run_epoch(epoch)
