"""A sequence tagger returns per-token logits; the loop flattens them with .reshape() for
F.cross_entropy, and reshapes the softmax of them only to read each token's confidence."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
TAGS = 5


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 16, batch_first=True)
        self.out = nn.Linear(16, TAGS)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h)


model = Tagger()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(10):
    x, tags = torch.randn(4, 7, 8), torch.randint(0, TAGS, (4, 7))
    logits = model(x)
    loss = F.cross_entropy(logits.reshape(-1, TAGS), tags.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    confidence = F.softmax(logits, dim=-1).reshape(-1, TAGS).max(1).values.mean()
print(float(loss), float(confidence))
