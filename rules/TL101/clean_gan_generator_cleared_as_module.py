"""A GAN loop with one optimizer per network: the discriminator's optimizer clears
its gradients, the generator's are cleared through the module (``G.zero_grad()``)."""
import torch
import torch.nn as nn


def main():
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))
    D = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)
    for _ in range(4):
        real = torch.randn(8, 4)
        opt_d.zero_grad()
        fake = G(torch.randn(8, 4))
        d_loss = nn.functional.softplus(-D(real)).mean() + nn.functional.softplus(D(fake.detach())).mean()
        d_loss.backward()
        opt_d.step()
        G.zero_grad()
        g_loss = nn.functional.softplus(-D(G(torch.randn(8, 4)))).mean()
        g_loss.backward()
        opt_g.step()


if __name__ == "__main__":
    main()
