"""Position ids and a causal mask registered as buffers move with the model."""
import torch
from torch import nn


class Decoder(nn.Module):
    def __init__(self, vocab=20, width=8, context=6):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Embedding(context, width)
        self.head = nn.Linear(width, vocab)
        self.register_buffer("positions", torch.arange(context))
        self.register_buffer("causal", torch.ones(context, context).triu(1).bool())

    def forward(self, idx):
        t = idx.size(1)
        h = self.tok(idx) + self.pos(self.positions[:t])
        att = (h @ h.transpose(1, 2)).masked_fill(self.causal[:t, :t], float("-inf"))
        return self.head(att.softmax(-1) @ h)


if __name__ == "__main__":
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = Decoder().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        idx = torch.randint(0, 20, (2, 7)).to(device)
        loss = nn.functional.cross_entropy(model(idx[:, :-1]).flatten(0, 1), idx[:, 1:].flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
