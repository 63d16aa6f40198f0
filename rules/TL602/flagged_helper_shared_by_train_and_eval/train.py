"""One run_epoch helper serves training and validation: the epoch loop calls it after
model.train() with an optimizer (the step is taken inside LossCompute, in another
module, through a warm-up wrapper) and after model.eval() without one - but outside
torch.no_grad(), so every validation forward records an autograd graph nobody uses.
Wrapping the epoch loop would stop training; the validation call needs torch.no_grad().
"""
import torch
from torch import nn

from losses import LossCompute, WarmupOpt


def run_epoch(batches, model, loss_compute):
    total = 0.0
    for x, y in batches:
        out = model(x)
        total = total + loss_compute(out, y)
    return total / len(batches)


def main(epochs=2, lr=0.1):
    torch.manual_seed(0)
    train_data = [(torch.randn(8, 4), torch.randint(0, 3, (8,))) for _ in range(4)]
    valid_data = [(torch.randn(8, 4), torch.randint(0, 3, (8,))) for _ in range(2)]
    model = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.2), nn.Linear(16, 3))
    criterion = nn.CrossEntropyLoss()
    model_opt = WarmupOpt(torch.optim.SGD(model.parameters(), lr=lr), warmup=4)
    for epoch in range(epochs):
        model.train()
        train_loss = run_epoch(train_data, model, LossCompute(criterion, model_opt))
        model.eval()
        valid_loss = run_epoch(valid_data, model, LossCompute(criterion))  # expect: TL602
        print(epoch, float(train_loss), float(valid_loss))


if __name__ == "__main__":
    main()
