"""zero_grad before the loop AND inside it, after the step."""
import torch
import torch.nn as nn
from torch.cuda import amp  # noqa: F401  (an unrelated import style)

torch.manual_seed(0)
model = nn.GRU(4, 8, batch_first=True)
head = nn.Linear(8, 1)
params = list(model.parameters()) + list(head.parameters())
optimizer = torch.optim.Adagrad(params, lr=0.01)
optimizer.zero_grad()
for step in range(4):
    seq = torch.randn(2, 5, 4)
    out, _ = model(seq)
    loss = head(out[:, -1]).pow(2).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    optimizer.zero_grad()
