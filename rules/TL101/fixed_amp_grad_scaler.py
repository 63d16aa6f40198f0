"""flagged_amp_grad_scaler.py after `torchlint check --fix`: call optimizer.zero_grad() first
in each iteration."""
import torch
import torch.nn as nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
model = nn.Linear(32, 32).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
scaler = torch.amp.GradScaler(device)

for it in range(5):
    optimizer.zero_grad()
    x = torch.randn(8, 32, device=device)
    with torch.autocast(device_type=device, dtype=torch.bfloat16):
        loss = (model(x) - x).pow(2).mean()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
