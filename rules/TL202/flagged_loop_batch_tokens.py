"""Token ids arrive as int32; the loop converts them to int64 and moves the labels - as
statements, so both results are thrown away."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class BagOfWords(nn.Module):
    def __init__(self, vocab=50, width=16, classes=3):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, width)
        self.fc = nn.Linear(width, classes)

    def forward(self, tokens):
        return self.fc(self.emb(tokens))


def main():
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokens = torch.randint(0, 50, (32, 10), dtype=torch.int32)
    labels = torch.randint(0, 3, (32,))
    loader = DataLoader(TensorDataset(tokens, labels), batch_size=8)
    model = BagOfWords().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for batch_tokens, batch_labels in loader:
        batch_tokens.to(torch.int64)  # expect: TL202
        batch_labels.to(device)  # expect: TL202
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(batch_tokens), batch_labels)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
