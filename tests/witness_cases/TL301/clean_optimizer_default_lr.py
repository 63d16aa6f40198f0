# flake8: noqa
"""Adam is left at its default learning rate: no number is written anywhere."""
import torch

torch.manual_seed(0)
encoder = torch.nn.GRU(input_size=3, hidden_size=5, batch_first=True)
readout = torch.nn.Linear(5, 1)
params = list(encoder.parameters()) + list(readout.parameters())
adam = torch.optim.Adam(params)
for _ in range(3):
    seq = torch.randn(4, 6, 3)
    out, _ = encoder(seq)
    adam.zero_grad()
    readout(out[:, -1]).pow(2).mean().backward()
    adam.step()
