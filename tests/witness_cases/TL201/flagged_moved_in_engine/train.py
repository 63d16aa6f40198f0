# flake8: noqa
"""A sequence classifier whose forward adds position indices made without device=;
the model is moved by engine.prepare()."""
import torch
from torch import nn

from engine import fit, pick_device, prepare


class PositionalBag(nn.Module):
    def __init__(self, vocab=20, dim=8, classes=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.pos = nn.Linear(1, dim)
        self.out = nn.Linear(dim, classes)

    def forward(self, tokens):
        steps = torch.arange(tokens.shape[1], dtype=torch.float32).unsqueeze(-1)
        return self.out((self.emb(tokens) + self.pos(steps)).mean(1))


if __name__ == "__main__":
    torch.manual_seed(0)
    device = pick_device()
    model = prepare(PositionalBag(), device)
    batches = [(torch.randint(0, 20, (4, 6)), torch.randint(0, 3, (4,))) for _ in range(3)]
    fit(model, batches, device)
