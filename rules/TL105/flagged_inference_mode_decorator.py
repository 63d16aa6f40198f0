"""A step function decorated with @torch.inference_mode(): nothing inside records a graph."""
import torch
from torch import nn


@torch.inference_mode()
def train_step(model, optimizer, x, y):
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()  # expect: TL105
    optimizer.step()
    return loss.item()


if __name__ == "__main__":
    torch.manual_seed(0)
    net = nn.Linear(6, 3)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(3):
        train_step(net, opt, torch.randn(8, 6), torch.randint(0, 3, (8,)))
