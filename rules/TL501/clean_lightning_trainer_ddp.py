"""Lightning's Trainer with strategy="ddp": the LightningModule's DataLoader has no sampler,
and none is needed, because the Trainer replaces it with a DistributedSampler.

Run: torchrun --nproc_per_node 2 clean_lightning_trainer_ddp.py
"""
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Regressor(pl.LightningModule):
    def __init__(self, lr=0.05):
        super().__init__()
        self.save_hyperparameters()
        self.layer = nn.Linear(8, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def train_dataloader(self):
        dataset = TensorDataset(torch.randn(64, 8), torch.randn(64, 1))
        return DataLoader(dataset, batch_size=8, shuffle=True)


if __name__ == "__main__":
    pl.seed_everything(0)
    trainer = pl.Trainer(
        accelerator="cpu",
        devices=2,
        strategy="ddp",
        max_epochs=2,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(Regressor())
