"""Two optimizers over one model (a faster learning rate for the head): clearing
through the optimizer of the whole model clears the head's gradients too."""
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 8)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        return self.head(torch.relu(self.body(x)))


def main():
    torch.manual_seed(0)
    model = Net()
    opt_body = torch.optim.SGD(model.parameters(), lr=1e-2)
    opt_head = torch.optim.SGD(model.head.parameters(), lr=1e-1)
    for _ in range(4):
        x, y = torch.randn(8, 4), torch.randn(8, 1)
        opt_body.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt_head.step()
        opt_body.step()


if __name__ == "__main__":
    main()
