"""flagged_loop_over_softmax_outputs.py after `torchlint check --fix --unsafe-fixes`: drop
the softmax: cross-entropy takes logits."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
trunk = nn.Linear(8, 16)
heads = nn.ModuleList([nn.Linear(16, 3) for _ in range(3)])
optimizer = torch.optim.SGD(list(trunk.parameters()) + list(heads.parameters()), lr=0.1)
ce = nn.CrossEntropyLoss()
for step in range(10):
    x, t = torch.randn(32, 8), torch.randint(0, 3, (32,))
    h = torch.relu(trunk(x))
    softmax_outs = [head(h) for head in heads]
    loss = 0
    for out in softmax_outs:
        loss = loss + ce(out, t)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
