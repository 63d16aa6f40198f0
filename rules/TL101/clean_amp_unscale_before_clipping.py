"""AMP with clipping, cleared first in each iteration: ``scaler.unscale_(optimizer)``
before clipping is the documented recipe."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(16, 4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
scaler = torch.amp.GradScaler("cpu")

for step in range(6):
    optimizer.zero_grad(set_to_none=True)
    x, y = torch.randn(8, 16), torch.randn(8, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = nn.functional.mse_loss(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    scaler.update()
