"""A frozen feature extractor in eval mode: its parameters do not require grad, so the
features carry no graph even with autograd on."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
backbone = nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU())
for p in backbone.parameters():
    p.requires_grad = False
backbone.eval()

features = []
for x in [torch.randn(8, 10) for _ in range(3)]:
    features.append(backbone(x))
labels = torch.randint(0, 2, (24,))

head = nn.Linear(32, 2)
opt = torch.optim.SGD(head.parameters(), lr=0.1)
feats = torch.cat(features)
for epoch in range(3):
    opt.zero_grad()
    F.cross_entropy(head(feats), labels).backward()
    opt.step()
