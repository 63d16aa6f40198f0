# flake8: noqa
"""A half-precision model on CPU; NLLLoss gets log_softmax output, as it expects."""
import torch
import torch.nn.functional as F


class Tagger(torch.nn.Module):
    def __init__(self, vocab=30, tags=6):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, 16)
        self.out = torch.nn.Linear(16, tags)

    def forward(self, tokens):
        return torch.log_softmax(self.out(self.emb(tokens).mean(1)), dim=1)


if __name__ == "__main__":
    g = torch.Generator().manual_seed(11)
    tagger = Tagger().half()
    sgd = torch.optim.SGD(tagger.parameters(), lr=0.1)
    for i in range(8):
        tokens, tags = torch.randint(0, 30, (8, 5), generator=g), torch.randint(0, 6, (8,), generator=g)
        sgd.zero_grad()
        F.nll_loss(tagger(tokens), tags).backward()
        sgd.step()
