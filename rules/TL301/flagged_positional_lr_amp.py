"""A module-level AMP script (CPU autocast + GradScaler); the learning rate is the
optimizer's second positional argument, written as a literal."""
import torch
import torch.optim as O
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
optimizer = O.AdamW(
    model.parameters(),
    3e-4,  # expect: TL301
    weight_decay=0.01,
)
scaler = torch.amp.GradScaler("cpu")
data = [(torch.randn(8, 16), torch.randn(8, 1)) for _ in range(4)]

for x, y in data:
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = nn.functional.mse_loss(model(x).float(), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
