"""Two optimizers, each scheduler stepped after its own optimizer (one before the other's step)."""
import torch
from torch import nn
from torch.optim.lr_scheduler import StepLR

torch.manual_seed(0)
enc, dec = nn.Linear(6, 3), nn.Linear(3, 6)
opt_enc = torch.optim.SGD(enc.parameters(), lr=0.1)
opt_dec = torch.optim.SGD(dec.parameters(), lr=0.1)
sched_enc = StepLR(opt_enc, step_size=2)
sched_dec = StepLR(opt_dec, step_size=2)

for it in range(6):
    x = torch.randn(8, 6)
    opt_enc.zero_grad()
    opt_dec.zero_grad()
    (dec(enc(x)) - x).pow(2).mean().backward()
    opt_enc.step()
    sched_enc.step()
    opt_dec.step()
    sched_dec.step()
