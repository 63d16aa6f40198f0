"""flagged_model_forward_returns_softmax.py after `torchlint check --fix --unsafe-fixes`: drop
the softmax: cross-entropy takes logits."""
import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


def train(model, criterion, optimizer, batches):
    for inputs, labels in batches:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(0)
    model = Classifier()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    data = [(torch.randn(16, 8), torch.randint(0, 3, (16,))) for _ in range(10)]
    train(model, criterion, optimizer, data)
