"""Step sequence, device moves and a final checkpoint: 3 concerns, one below the
default threshold."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        return self.fc(x)


def train(model, loader, optimizer, device):
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    device = torch.device("cpu")
    loader = DataLoader(TensorDataset(torch.randn(40, 5), torch.randint(0, 3, (40,))), batch_size=10)
    model = Classifier().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(3):
        train(model, loader, optimizer, device)
    torch.save(model.state_dict(), "classifier.pt")
