"""An encoder and a decoder switched together by a helper that loops over a list of
models: each epoch sets training mode again (set_mode(..., True)) after the previous
epoch's validation set eval mode (set_mode(..., False))."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def set_mode(models, train):
    for m in models:
        m.train(train)


def main():
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5))
    dec = nn.Linear(16, 1)
    optimizer = torch.optim.SGD(list(enc.parameters()) + list(dec.parameters()), lr=0.05)
    ds = TensorDataset(torch.randn(32, 4), torch.randn(32, 1))
    train_loader = DataLoader(ds, batch_size=8, shuffle=True)
    val_loader = DataLoader(ds, batch_size=16)
    for epoch in range(2):
        set_mode([enc, dec], True)
        for x, y in train_loader:
            optimizer.zero_grad()
            F.mse_loss(dec(enc(x)), y).backward()
            optimizer.step()
        set_mode([enc, dec], False)
        with torch.no_grad():
            for x, y in val_loader:
                print(epoch, F.mse_loss(dec(enc(x)), y).item())


if __name__ == "__main__":
    main()
