"""flagged_lightning_fit.py after `torchlint check --fix --unsafe-fixes`: seed the run:
torch.manual_seed(0)."""
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Regressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


def main():
    data = DataLoader(TensorDataset(torch.ones(32, 4), torch.zeros(32, 1)), batch_size=8)
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False)
    trainer.fit(Regressor(), data)


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
