# flake8: noqa
"""A half-precision model on CPU; NLLLoss is given softmax probabilities instead of
log-probabilities, and the loss is divided for gradient accumulation."""
import torch
import torch.nn.functional as F


class Tagger(torch.nn.Module):
    def __init__(self, vocab=30, tags=6):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, 16)
        self.out = torch.nn.Linear(16, tags)

    def forward(self, tokens):
        return torch.softmax(self.out(self.emb(tokens).mean(1)), dim=1)


def batches(n, generator):
    for _ in range(n):
        tokens = torch.randint(0, 30, (8, 5), generator=generator)
        yield tokens, torch.randint(0, 6, (8,), generator=generator)


if __name__ == "__main__":
    g = torch.Generator().manual_seed(11)
    tagger = Tagger().half()
    sgd = torch.optim.SGD(tagger.parameters(), lr=0.1)
    accumulate = 2
    for i, (tokens, tags) in enumerate(batches(8, g)):
        probs = tagger(tokens)
        (F.nll_loss(probs, tags) / accumulate).backward()
        if (i + 1) % accumulate == 0:
            sgd.step()
            sgd.zero_grad()
