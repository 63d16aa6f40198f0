# flake8: noqa
"""Self-training: a dropout model labels unlabelled data under no_grad and those
pseudo-labels feed the next loss, so that forward is part of training; validation
at the end runs in eval mode."""
import torch
import torch.nn.functional as F


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(6, 24), torch.nn.ReLU(), torch.nn.Dropout(0.4))
        self.head = torch.nn.Linear(24, 3)

    def forward(self, x):
        return self.head(self.body(x))


def run():
    torch.manual_seed(1)
    clf = Classifier()
    opt = torch.optim.SGD(clf.parameters(), lr=0.05)
    labelled = [(torch.randn(8, 6), torch.randint(0, 3, (8,))) for _ in range(3)]
    unlabelled = [torch.randn(8, 6) for _ in range(3)]
    for (x, y), u in zip(labelled, unlabelled):
        with torch.no_grad():
            pseudo = clf(u).argmax(1)
        opt.zero_grad()
        loss = F.cross_entropy(clf(x), y) + 0.5 * F.cross_entropy(clf(u), pseudo)
        loss.backward()
        opt.step()
    clf.eval()
    with torch.no_grad():
        acc = sum((clf(x).argmax(1) == y).float().mean() for x, y in labelled) / len(labelled)
    return float(acc)


if __name__ == "__main__":
    print(run())
