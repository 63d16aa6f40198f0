"""The transfer-learning tutorial's phase loop: model.train(phase == "train") sets the
mode for each phase, and set_grad_enabled() switches autograd."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5),
                      nn.Linear(16, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
dataloaders = {
    "train": [(torch.randn(8, 8), torch.randint(0, 2, (8,))) for _ in range(3)],
    "val": [(torch.randn(8, 8), torch.randint(0, 2, (8,))) for _ in range(2)],
}

for epoch in range(3):
    for phase in ["train", "val"]:
        model.train(phase == "train")
        running = 0.0
        for inputs, labels in dataloaders[phase]:
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                loss = F.cross_entropy(model(inputs), labels)
                if phase == "train":
                    loss.backward()
                    optimizer.step()
            running += loss.item()
        print(epoch, phase, running)
