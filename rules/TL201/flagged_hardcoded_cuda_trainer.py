"""A trainer class selects self.device, but one line hard-codes .cuda()."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    def __init__(self, model, lr=0.1):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)
        self.loss_fn = nn.CrossEntropyLoss()

    def fit(self, loader, epochs=2):
        for _ in range(epochs):
            for images, labels in loader:
                images = images.to(self.device)
                labels = labels.cuda()  # expect: TL201
                self.optimizer.zero_grad()
                self.loss_fn(self.model(images), labels).backward()
                self.optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(32, 1, 8, 8), torch.randint(0, 4, (32,)))
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 4))
    Trainer(net).fit(DataLoader(data, batch_size=8))
