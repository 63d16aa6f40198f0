"""flagged_loop_over_softmax_rows.py after `torchlint check --fix --unsafe-fixes`: drop the
softmax: cross-entropy takes logits."""
import torch
from torch import nn

torch.manual_seed(0)


class BlockMatchingLoss(nn.Module):
    def __init__(self, criterion=nn.CrossEntropyLoss()):
        super().__init__()
        self.criterion = criterion

    def forward(self, scores):
        total = 0.0
        probs = scores
        for block in probs:
            target = torch.arange(block.shape[0])
            total = total + self.criterion(block, target)
        return total / scores.shape[0]


encoder = nn.Linear(6, 6)
loss_fn = BlockMatchingLoss()
optimizer = torch.optim.Adam(encoder.parameters(), lr=0.01)
for step in range(20):
    x = torch.randn(4, 5, 6)
    scores = encoder(x) @ x.transpose(1, 2)
    loss = loss_fn(scores)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(float(loss))
