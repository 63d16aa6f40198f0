"""A small GAN on 2-D points: two networks, two optimizers, three backward passes a
batch (the discriminator on real and on fake samples, then the generator)."""
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--nz", type=int, default=4)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--lr", type=float, default=0.002)
parser.add_argument("--beta1", type=float, default=0.5)
parser.add_argument("--seed", type=int, default=7)
opt = parser.parse_args()

torch.manual_seed(opt.seed)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

angles = torch.rand(256, generator=torch.Generator().manual_seed(0)) * 6.2832
points = torch.stack([angles.cos(), angles.sin()], dim=1)
dataloader = DataLoader(TensorDataset(points), batch_size=opt.batch_size, shuffle=True)


def weights_init(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, 0.0, 0.2)
        nn.init.zeros_(m.bias)


netG = nn.Sequential(nn.Linear(opt.nz, 16), nn.ReLU(), nn.Linear(16, 2)).to(device)
netG.apply(weights_init)
netD = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1)).to(device)
netD.apply(weights_init)

criterion = nn.BCEWithLogitsLoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))

for epoch in range(opt.epochs):
    for i, (real,) in enumerate(dataloader):
        # (1) the discriminator: real points towards 1, generated ones towards 0
        netD.zero_grad()
        real = real.to(device)
        b = real.size(0)
        label = torch.ones(b, 1, device=device)
        errD_real = criterion(netD(real), label)
        errD_real.backward()
        noise = torch.randn(b, opt.nz, device=device)
        fake = netG(noise)
        label.fill_(0.0)
        errD_fake = criterion(netD(fake.detach()), label)
        errD_fake.backward()
        optimizerD.step()
        # (2) the generator: make the discriminator say 1
        netG.zero_grad()
        label.fill_(1.0)
        errG = criterion(netD(fake), label)
        errG.backward()
        optimizerG.step()
        if i % 4 == 0:
            print(f"[{epoch}][{i}] D {(errD_real + errD_fake).item():.3f} G {errG.item():.3f}")
    torch.save(netG.state_dict(), "netG.pt")
