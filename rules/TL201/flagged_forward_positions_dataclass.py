"""dataclass config, `import torch as th`: position ids and a causal mask built in forward()."""
import math
from dataclasses import dataclass

import torch as th
from torch import nn
from torch.nn import functional as F


@dataclass
class Config:
    vocab: int = 32
    width: int = 16
    context: int = 8
    lr: float = 1e-2
    steps: int = 3
    device: str = "cuda" if th.cuda.is_available() else "cpu"


class TinyDecoder(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab, cfg.width)
        self.pos = nn.Embedding(cfg.context, cfg.width)
        self.qkv = nn.Linear(cfg.width, 3 * cfg.width)
        self.head = nn.Linear(cfg.width, cfg.vocab)

    def forward(self, idx):
        t = idx.size(1)
        positions = th.arange(t)  # expect: TL201
        h = self.tok(idx) + self.pos(positions)
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        att = q @ k.transpose(1, 2) / math.sqrt(q.size(-1))
        causal = th.ones(t, t).triu(1).bool()  # expect: TL201
        att = att.masked_fill(causal, float("-inf")).softmax(dim=-1)
        return self.head(att @ v)


def train(cfg: Config):
    th.manual_seed(0)
    model = TinyDecoder(cfg).to(cfg.device)
    opt = th.optim.AdamW(model.parameters(), lr=cfg.lr)
    for _ in range(cfg.steps):
        idx = th.randint(0, cfg.vocab, (4, cfg.context + 1), device=cfg.device)
        logits = model(idx[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), idx[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()


if __name__ == "__main__":
    train(Config())
