"""The transfer-learning tutorial pattern: set_grad_enabled(phase == "train"), backward only in train."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(6, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
loaders = {p: [(torch.randn(8, 6), torch.randint(0, 3, (8,))) for _ in range(3)]
           for p in ("train", "val")}

for epoch in range(2):
    for phase in ("train", "val"):
        model.train(phase == "train")
        for inputs, labels in loaders[phase]:
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                loss = criterion(model(inputs), labels)
                if phase == "train":
                    loss.backward()
                    optimizer.step()
