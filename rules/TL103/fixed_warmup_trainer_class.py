"""flagged_warmup_trainer_class.py after `torchlint check --fix`: move self.sched.step() after
self.opt.step()."""
import torch
from torch import nn


class Trainer:
    def __init__(self, model, warmup=4):
        self.model = model
        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: min(1.0, (s + 1) / warmup))

    def training_step(self, x):
        loss = (self.model(x) - x).pow(2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.sched.step()

    def fit(self, data):
        it = 0
        while it < len(data):
            self.training_step(data[it])
            it += 1


if __name__ == "__main__":
    torch.manual_seed(0)
    Trainer(nn.Linear(8, 8)).fit([torch.randn(4, 8) for _ in range(6)])
