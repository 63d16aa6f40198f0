"""Deep supervision done right: the loop feeds each head's logits to CrossEntropyLoss;
the softmax outputs are kept only to average the heads' predictions."""
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
    logits = [head(h) for head in heads]
    probs = [F.softmax(z, dim=1) for z in logits]
    loss = 0
    for i, out in enumerate(logits):
        loss = loss + ce(out, t)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    accuracy = (torch.stack(probs).mean(0).argmax(1) == t).float().mean()
print(float(accuracy))
