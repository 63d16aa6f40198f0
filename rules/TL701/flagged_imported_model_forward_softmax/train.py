"""The model class lives in network.py and its forward ends in a softmax; the training
helper (untyped parameters) feeds that output to CrossEntropyLoss, which applies
log_softmax again: a double softmax that flattens the gradients."""
import torch
import torch.nn as nn

import network as net


def train(model, optimizer, batches, epochs):
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        for x, y in batches:
            output = model(x)
            loss = criterion(output, y)  # expect: TL701
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def main(lr=0.1, epochs=2):
    torch.manual_seed(0)
    batches = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
    model = net.Classifier().to(torch.device("cpu"))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    train(model, optimizer, batches, epochs)


if __name__ == "__main__":
    main()
