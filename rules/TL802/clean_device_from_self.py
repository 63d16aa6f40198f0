"""Tensors created inside the module follow the module: device=self.device,
x.new_ones, and .to(self.device)."""
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class DenoisingRegressor(pl.LightningModule):
    def __init__(self, sigma: float = 0.1):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Linear(5, 1)

    def forward(self, x):
        noise = torch.randn(x.shape, device=self.device) * self.hparams.sigma
        x = torch.cat([x + noise, x.new_ones(x.size(0), 1)], dim=1)
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        scale = torch.full((1,), 0.5).to(self.device)
        return F.mse_loss(self(x), y) * scale.sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


if __name__ == "__main__":
    pl.seed_everything(0)
    data = DataLoader(TensorDataset(torch.randn(32, 4), torch.randn(32, 1)), batch_size=8)
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(DenoisingRegressor(), data)
