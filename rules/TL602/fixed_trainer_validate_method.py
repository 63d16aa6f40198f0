"""flagged_trainer_validate_method.py after `torchlint check --fix`: wrap the loop in `with
torch.no_grad():`."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    def __init__(self):
        self.model = nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Dropout(0.2), nn.Linear(24, 2))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-2)
        ds = TensorDataset(torch.randn(48, 6), torch.randint(0, 2, (48,)))
        self.train_loader = DataLoader(ds, batch_size=16, shuffle=True)
        self.val_loader = DataLoader(ds, batch_size=24)

    def fit(self, epochs):
        for epoch in range(epochs):
            self.model.train()
            for x, y in self.train_loader:
                self.optimizer.zero_grad()
                F.cross_entropy(self.model(x), y).backward()
                self.optimizer.step()
            print(epoch, self.validate())

    def validate(self):
        self.model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in self.val_loader:
                logits = self.model(x)
                correct += (logits.argmax(1) == y).sum().item()
        return correct / len(self.val_loader.dataset)


if __name__ == "__main__":
    torch.manual_seed(0)
    trainer = Trainer()
    trainer.fit(2)
