"""flagged_exp_of_log_softmax_model_nll.py after `torchlint check --fix`: drop the exp: the
loss takes the log-probabilities."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4), nn.LogSoftmax(dim=1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x, y = torch.randn(64, 10), torch.randint(0, 4, (64,))

for step in range(20):
    probs = model(x)
    loss = F.nll_loss(probs, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(float(loss))
