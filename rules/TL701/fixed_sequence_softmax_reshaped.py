"""flagged_sequence_softmax_reshaped.py after `torchlint check --fix --unsafe-fixes`: drop the
softmax: cross-entropy takes logits."""
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
    probs = model(x)
    loss = F.cross_entropy(probs.reshape(-1, TAGS), tags.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(float(loss))
