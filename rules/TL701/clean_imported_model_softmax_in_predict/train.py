"""Near miss of flagged_imported_model_forward_softmax: the imported model's forward
returns logits (its softmax is in predict(), used for accuracy only), so
CrossEntropyLoss gets logits."""
import torch
import torch.nn as nn

import network as net


def train(model, optimizer, batches, epochs):
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        for x, y in batches:
            output = model(x)
            loss = criterion(output, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        correct = (model.predict(x).argmax(1) == y).sum().item()
        print(epoch, correct)


def main(lr=0.1, epochs=2):
    torch.manual_seed(0)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    model = net.Classifier().to(torch.device("cpu"))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    train(model, optimizer, batches, epochs)


if __name__ == "__main__":
    main()
