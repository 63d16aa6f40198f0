"""dict config; the model is moved in main() but the training helper feeds it raw batches."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {"lr": 0.05, "batch_size": 16, "epochs": 2,
          "device": "cuda" if torch.cuda.is_available() else "cpu"}


def train_epoch(model, loader, optimizer):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)  # expect: TL201
        loss.backward()
        optimizer.step()


def main(cfg):
    torch.manual_seed(0)
    device = torch.device(cfg["device"])
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg["lr"])
    data = TensorDataset(torch.randn(64, 10), torch.randint(0, 3, (64,)))
    loader = DataLoader(data, batch_size=cfg["batch_size"], shuffle=True)
    for _ in range(cfg["epochs"]):
        train_epoch(model, loader, optimizer)


if __name__ == "__main__":
    main(CONFIG)
