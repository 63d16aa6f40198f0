# flake8: noqa
"""A small GAN: the discriminator's step samples the generator (BatchNorm, training mode)
under torch.no_grad(), which is training, not evaluation; the final samples are drawn
with the generator in eval mode."""
import torch
from torch import nn

torch.manual_seed(0)
G = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
real_data = torch.randn(64, 2) * 0.5 + 1.0

for step in range(4):
    real = real_data[step * 16:(step + 1) * 16]
    with torch.no_grad():
        fake = G(torch.randn(16, 4))
    opt_d.zero_grad()
    d_loss = bce(D(real), torch.ones(16, 1)) + bce(D(fake), torch.zeros(16, 1))
    d_loss.backward()
    opt_d.step()

    opt_g.zero_grad()
    g_loss = bce(D(G(torch.randn(16, 4))), torch.ones(16, 1))
    g_loss.backward()
    opt_g.step()

G.eval()
with torch.no_grad():
    samples = G(torch.randn(32, 4))
print("sample mean", samples.mean(0).tolist())
