"""A GAN: the declared --lr drives the generator's optimizer; the discriminator's
rate is a deliberate literal. The setting is not ignored (TL301 may still ask to
name the second rate)."""
import argparse

import torch
from torch import nn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=2e-4)
    args = parser.parse_args()
    torch.manual_seed(0)
    gen, disc = nn.Linear(4, 8), nn.Linear(8, 1)
    opt_g = torch.optim.Adam(gen.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=1e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    for _ in range(3):
        real, noise = torch.randn(8, 8), torch.randn(8, 4)
        opt_d.zero_grad()
        loss_d = bce(disc(real), torch.ones(8, 1)) + bce(disc(gen(noise).detach()), torch.zeros(8, 1))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        bce(disc(gen(noise)), torch.ones(8, 1)).backward()
        opt_g.step()


if __name__ == "__main__":
    main()
