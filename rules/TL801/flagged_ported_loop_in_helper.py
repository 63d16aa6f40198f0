"""The whole hand-written update sequence, moved into a helper called from
training_step; manual_backward() refuses to run under automatic optimization."""
import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AutoEncoder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.encoder = torch.nn.Linear(8, 3)
        self.decoder = torch.nn.Linear(3, 8)

    def _update(self, loss):
        opt = self.optimizers()
        opt.zero_grad()  # expect: TL801
        self.manual_backward(loss)  # expect: TL801
        opt.step()  # expect: TL801

    def training_step(self, batch, batch_idx):
        (x,) = batch
        loss = F.mse_loss(self.decoder(self.encoder(x)), x)
        self._update(loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


if __name__ == "__main__":
    pl.seed_everything(0)
    data = DataLoader(TensorDataset(torch.randn(32, 8)), batch_size=8)
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(AutoEncoder(), data)
