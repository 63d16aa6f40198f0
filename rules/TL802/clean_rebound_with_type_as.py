"""The Lightning examples' idiom: create on the CPU, then re-bind the name with
.type_as(batch) before use - later uses see the moved tensor."""
import lightning as L
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Generator(L.LightningModule):
    def __init__(self, latent_dim: int = 4):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Linear(latent_dim, 6)

    def training_step(self, batch, batch_idx):
        (real,) = batch
        z = torch.randn(real.shape[0], self.hparams.latent_dim)
        z = z.type_as(real)
        target = torch.ones(real.size(0), 6)
        target = target.type_as(real)
        return F.mse_loss(self.net(z), target * real)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05)


if __name__ == "__main__":
    L.seed_everything(0)
    data = DataLoader(TensorDataset(torch.randn(32, 6)), batch_size=8)
    trainer = L.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Generator(), data)
