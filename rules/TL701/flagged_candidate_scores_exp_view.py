"""Answer selection over a variable number of candidates: the module scores them, keeps
an nn.LogSoftmax over the candidates, exponentiates it and hands the probabilities,
reshaped to one row per question with .view(), to CrossEntropyLoss."""
import torch
from torch import nn

torch.manual_seed(0)


class CandidateSelector(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.score = nn.Sequential(nn.Linear(dim, 16), nn.Tanh(), nn.Linear(16, 1))
        self.log_softmax = nn.LogSoftmax(dim=0)
        self.loss_fct = nn.CrossEntropyLoss()

    def forward(self, candidates, answer):
        scores = self.score(candidates).squeeze(-1)
        probs = torch.exp(self.log_softmax(scores))
        loss = self.loss_fct(probs.view(-1, len(candidates)), answer)  # expect: TL701
        return probs, loss


model = CandidateSelector(8)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(20):
    n = 3 + step % 4
    candidates, answer = torch.randn(n, 8), torch.randint(0, n, (1,))
    _probs, loss = model(candidates, answer)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(float(loss))
