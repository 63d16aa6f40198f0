"""torch, nn and F come in through ``from models import *``; the loss gets softmax
probabilities, and CrossEntropyLoss applies log_softmax again."""
from models import *

torch.manual_seed(0)
model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in make_batches(4):
    optimizer.zero_grad()
    probs = F.softmax(model(x), dim=1)
    loss = criterion(probs, y)  # expect: TL701
    loss.backward()
    optimizer.step()
