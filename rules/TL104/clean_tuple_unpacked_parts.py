"""A combined criterion returns (total, mse, ce) with the parts already as numbers; the
loop backpropagates the total and sums only the parts."""
import torch
from torch import nn


class MultiTaskLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.mse = nn.MSELoss()
        self.ce = nn.CrossEntropyLoss()

    def forward(self, reg, cls, y_reg, y_cls):
        mse = self.mse(reg, y_reg)
        ce = self.ce(cls, y_cls)
        return mse + ce, mse.item(), ce.item()


torch.manual_seed(0)
model = nn.Linear(6, 4)
loss_fn = MultiTaskLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
total_mse, total_ce = 0.0, 0.0
for step in range(8):
    x = torch.randn(16, 6)
    out = model(x)
    loss, mse, ce = loss_fn(out[:, :1], out[:, 1:], torch.randn(16, 1), torch.randint(0, 3, (16,)))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    total_mse += mse
    total_ce += ce
print("mean mse", total_mse / 8, "mean ce", total_ce / 8)
