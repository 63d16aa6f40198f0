"""flagged_amp_scaler_trainer.py after `torchlint check --fix`: move
self.optimizer.zero_grad(...) after self.scaler.step(self.optimizer)."""
import torch
from torch import nn


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        self.scaler = torch.amp.GradScaler("cpu")

    def fit(self, batches):
        for x in batches:
            with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                loss = (self.model(x) - x).pow(2).mean()
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.optimizer.zero_grad(set_to_none=False)
            self.scaler.update()


if __name__ == "__main__":
    torch.manual_seed(0)
    Trainer(nn.Linear(16, 16)).fit([torch.randn(8, 16) for _ in range(5)])
