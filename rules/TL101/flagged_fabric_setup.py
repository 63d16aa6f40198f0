"""Lightning Fabric's ``setup`` hands back the model and optimizer it was given
(wrapped); the loop steps the returned optimizer and never clears."""
import torch
import torch.nn.functional as F
from lightning_fabric import Fabric
from torch import nn

if __name__ == "__main__":
    torch.manual_seed(0)
    fabric = Fabric(accelerator="cpu", devices=1)
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model, opt = fabric.setup(model, optimizer)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    for epoch in range(2):
        for x, y in batches:
            loss = F.cross_entropy(model(x), y)
            fabric.backward(loss)
            opt.step()  # expect: TL101
