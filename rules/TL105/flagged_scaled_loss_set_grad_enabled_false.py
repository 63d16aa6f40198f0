"""set_grad_enabled(False) around a GradScaler step: scale(loss) is computed with grad off."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(6, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
scaler = torch.amp.GradScaler("cpu")

for it in range(3):
    x, y = torch.randn(8, 6), torch.randn(8, 1)
    with torch.set_grad_enabled(False):
        loss = nn.functional.mse_loss(model(x), y)
        scaler.scale(loss).backward()  # expect: TL105
    scaler.step(optimizer)
    scaler.update()
