"""flagged_tensor_method_softmax_self.py after `torchlint check --fix --unsafe-fixes`: use
log_softmax: NLL takes log-probabilities; drop the softmax: cross-entropy takes logits."""
import torch
import torch.nn.functional as F
from torch import nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(12, 4)
        self.softmax = nn.LogSoftmax(dim=-1)

    def loss(self, feats, target):
        probs = self.softmax(self.proj(feats))
        return F.nll_loss(probs, target)

    def score(self, feats, target):
        scores = self.proj(feats).float()
        return F.cross_entropy(scores, target)


if __name__ == "__main__":
    torch.manual_seed(0)
    head = Head()
    opt = torch.optim.SGD(head.parameters(), lr=0.5)
    feats, target = torch.randn(32, 12), torch.randint(0, 4, (32,))
    for step in range(10):
        opt.zero_grad()
        (head.loss(feats, target) + head.score(feats, target)).backward()
        opt.step()
