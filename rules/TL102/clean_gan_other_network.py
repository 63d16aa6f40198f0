"""GAN step: the generator's gradients are cleared between D's backward and D's step (disjoint params)."""
import torch
from torch import nn

torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
netD = nn.Sequential(nn.Linear(8, 1))
optD = torch.optim.Adam(netD.parameters(), lr=1e-3)
optG = torch.optim.Adam(netG.parameters(), lr=1e-3)
bce = nn.BCEWithLogitsLoss()

for it in range(5):
    real = torch.randn(16, 8)
    fake = netG(torch.randn(16, 4))
    optD.zero_grad()
    lossD = bce(netD(real), torch.ones(16, 1)) + bce(netD(fake), torch.zeros(16, 1))
    lossD.backward(retain_graph=True)
    netG.zero_grad()  # D's backward also reached G: drop those gradients
    optD.step()
    lossG = bce(netD(fake), torch.ones(16, 1))
    lossG.backward()
    optG.step()
