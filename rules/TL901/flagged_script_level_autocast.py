"""A script with no functions: device moves, bfloat16 autocast and gradient clipping
around the zero_grad/backward/step sequence."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
EPOCHS = 2
model = nn.Sequential(nn.Linear(12, 24), nn.GELU(), nn.Linear(24, 12)).to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
data = TensorDataset(torch.randn(48, 12))
loader = DataLoader(data, batch_size=12, shuffle=True)

for epoch in range(EPOCHS):  # expect: TL901
    for (x,) in loader:
        x = x.to(device)
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            recon = model(x)
        loss = nn.functional.mse_loss(recon.float(), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
