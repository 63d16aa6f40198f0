"""flagged_loop_batch_tokens.py after `torchlint check --fix --unsafe-fixes`: assign it back:
batch_tokens = batch_tokens.to(...); assign it back: batch_labels = batch_labels.to(...)."""
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
        batch_tokens = batch_tokens.to(torch.int64)
        batch_labels = batch_labels.to(device)
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(batch_tokens), batch_labels)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
