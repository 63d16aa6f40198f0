"""Two wrappers built by two calls, one optimizer over each one's ``.net``: the loop
clears the encoder's optimizer only, so ``opt_c`` steps with the critic's gradients
of every iteration summed (clearing ``opt_e`` cannot reach ``critic.net``)."""
import torch
import torch.nn.functional as F

from nets import Critic, Encoder


def main():
    torch.manual_seed(0)
    encoder, critic = Encoder(16), Critic(16)
    opt_e = torch.optim.Adam(encoder.net.parameters(), lr=1e-3)
    opt_c = torch.optim.Adam(critic.net.parameters(), lr=1e-3)
    for _ in range(5):
        x = torch.randn(8, 16)
        z = encoder.net(x)
        c_loss = F.softplus(-critic.net(x)).mean() + F.softplus(critic.net(z.detach())).mean()
        c_loss.backward()
        opt_c.step()  # expect: TL101
        opt_e.zero_grad()
        e_loss = (z - x).pow(2).mean()
        e_loss.backward()
        opt_e.step()


if __name__ == "__main__":
    main()
