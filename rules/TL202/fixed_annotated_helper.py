"""flagged_annotated_helper.py after `torchlint check --fix --unsafe-fixes`: assign it back:
images = images.to(...)."""
import torch
from torch import nn


def preprocess(images: torch.Tensor) -> torch.Tensor:
    images = images.to(torch.float32)
    return images / 255.0


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        pixels = torch.randint(0, 256, (4, 1, 4, 4), dtype=torch.uint8)
        optimizer.zero_grad()
        model(preprocess(pixels)).sum().backward()
        optimizer.step()
