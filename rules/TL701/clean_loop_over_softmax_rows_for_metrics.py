"""Set matching done right: the loop gives each sample's raw score rows to the criterion;
the softmaxed rows walked beside them only measure how confident the match is. A
softmax over the batch dimension (dim=0) is iterated too: its rows are not
distributions, and they are not given to the loss."""
import torch
from torch import nn

torch.manual_seed(0)


class BlockMatchingLoss(nn.Module):
    def __init__(self, criterion=nn.CrossEntropyLoss()):
        super().__init__()
        self.criterion = criterion
        self.confidence = 0.0

    def forward(self, scores):
        total = 0.0
        probs = torch.softmax(scores, dim=-1)
        shares = torch.softmax(scores.mean(dim=(1, 2)), dim=0)
        for block, p, share in zip(scores, probs, shares):
            target = torch.arange(block.shape[0])
            total = total + share.detach() * self.criterion(block, target)
            self.confidence = float(p.max(-1).values.mean())
        return total


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
print(float(loss), loss_fn.confidence)
