"""A helper called from training_step and validation_step appends a bias column made
with torch.ones(n, 1): a CPU tensor concatenated with the batch."""
import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LinearModel(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(5, 1))

    def _predict(self, x):
        x = torch.cat([x, torch.ones(x.size(0), 1)], dim=1)  # expect: TL802
        return x @ self.weight

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self._predict(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.mse_loss(self._predict(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


if __name__ == "__main__":
    pl.seed_everything(0)
    data = DataLoader(TensorDataset(torch.randn(32, 4), torch.randn(32, 1)), batch_size=8)
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(LinearModel(), data, data)
