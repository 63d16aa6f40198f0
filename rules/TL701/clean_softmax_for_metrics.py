"""CrossEntropyLoss on logits; softmax only for confidence and argmax accuracy."""
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(48, 8), torch.randint(0, 3, (48,))

for step in range(10):
    optimizer.zero_grad()
    logits = model(x)
    probs = torch.softmax(logits, dim=1)
    loss = criterion(logits, y)
    loss.backward()
    optimizer.step()
    accuracy = (probs.argmax(dim=1) == y).float().mean()
    confidence = probs.max(dim=1).values.mean()
print(f"acc {accuracy:.2f} conf {confidence:.2f}")
