"""Set matching: a loss module softmaxes each sample's score matrix over the candidates,
then walks the batch and gives every sample's block of rows to its criterion (a
CrossEntropyLoss default argument). Iterating the tensor yields its rows: still
probabilities."""
import torch
from torch import nn

torch.manual_seed(0)


class BlockMatchingLoss(nn.Module):
    def __init__(self, criterion=nn.CrossEntropyLoss()):
        super().__init__()
        self.criterion = criterion

    def forward(self, scores):
        total = 0.0
        probs = torch.softmax(scores, dim=-1)
        for block in probs:
            target = torch.arange(block.shape[0])
            total = total + self.criterion(block, target)  # expect: TL701
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
