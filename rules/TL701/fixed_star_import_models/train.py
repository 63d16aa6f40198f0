"""flagged_star_import_models after `torchlint check --fix`: drop the softmax: cross-entropy
takes logits."""
from models import *

torch.manual_seed(0)
model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in make_batches(4):
    optimizer.zero_grad()
    probs = model(x)
    loss = criterion(probs, y)
    loss.backward()
    optimizer.step()
