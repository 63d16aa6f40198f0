# flake8: noqa
"""bfloat16 autocast on CPU; the classifier's last layer is nn.Softmax and the training
closure feeds its output to CrossEntropyLoss (softmax applied twice)."""
import torch
from torch import nn

torch.manual_seed(3)
net = nn.Sequential(nn.Linear(12, 24), nn.GELU(), nn.Linear(24, 5), nn.Softmax(dim=-1))
criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
inputs, labels = torch.randn(64, 12), torch.randint(0, 5, (64,))


def closure(xb, yb):
    opt.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        scores = net(xb)
    loss = criterion(scores, yb)
    loss.backward()
    return loss


for step in range(6):
    sl = slice(step * 8 % 64, step * 8 % 64 + 16)
    closure(inputs[sl], labels[sl])
    opt.step()
