"""flagged_helper_shared_by_train_and_eval after `torchlint check --fix --unsafe-fixes`:
wrap the call in `with torch.no_grad():` (unsafe: valid_loss is read after it)."""
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
        with torch.no_grad():
            valid_loss = run_epoch(valid_data, model, LossCompute(criterion))
        print(epoch, float(train_loss), float(valid_loss))


if __name__ == "__main__":
    main()
