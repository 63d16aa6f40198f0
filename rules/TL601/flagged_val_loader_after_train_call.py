"""model.eval() is called once before the epoch loop, but the loop calls model.train()
for training and then measures accuracy on the val loader without switching back."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Dropout(0.5), nn.Linear(24, 2))

    def forward(self, x):
        return self.layers(x)


torch.manual_seed(0)
net = MLP()
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
train_loader = DataLoader(TensorDataset(torch.randn(48, 6), torch.randint(0, 2, (48,))), batch_size=16)
val_loader = DataLoader(TensorDataset(torch.randn(32, 6), torch.randint(0, 2, (32,))), batch_size=16)

net.eval()
print("before training:", net(torch.randn(2, 6)).shape)
for epoch in range(2):
    net.train()
    for x, y in train_loader:
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
    correct = 0
    for i, (x, y) in enumerate(val_loader):  # expect: TL601
        correct += (net(x).argmax(dim=1) == y).sum().item()
    print(f"epoch {epoch}: val acc {correct / 32:.2f}")
