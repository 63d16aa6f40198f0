# flake8: noqa
"""bfloat16 autocast on CPU; CrossEntropyLoss gets the logits and softmax is only used
for the confidence that is printed."""
import torch
from torch import nn

torch.manual_seed(3)
net = nn.Sequential(nn.Linear(12, 24), nn.GELU(), nn.Linear(24, 5))
criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
inputs, labels = torch.randn(64, 12), torch.randint(0, 5, (64,))

for step in range(6):
    sl = slice(step * 8 % 64, step * 8 % 64 + 16)
    opt.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        scores = net(inputs[sl])
    loss = criterion(scores, labels[sl])
    loss.backward()
    opt.step()
    confidence = scores.detach().float().softmax(-1).max(-1).values.mean()
    print(f"step {step} loss {loss.item():.3f} confidence {confidence:.3f}")
