"""flagged_parts_of_two_wrappers/train.py after `torchlint check --fix`: call
opt_c.zero_grad() first in each iteration."""
import torch
import torch.nn.functional as F

from nets import Critic, Encoder


def main():
    torch.manual_seed(0)
    encoder, critic = Encoder(16), Critic(16)
    opt_e = torch.optim.Adam(encoder.net.parameters(), lr=1e-3)
    opt_c = torch.optim.Adam(critic.net.parameters(), lr=1e-3)
    for _ in range(5):
        opt_c.zero_grad()
        x = torch.randn(8, 16)
        z = encoder.net(x)
        c_loss = F.softplus(-critic.net(x)).mean() + F.softplus(critic.net(z.detach())).mean()
        c_loss.backward()
        opt_c.step()
        opt_e.zero_grad()
        e_loss = (z - x).pow(2).mean()
        e_loss.backward()
        opt_e.step()


if __name__ == "__main__":
    main()
