# flake8: noqa
"""The learning rate is hard-coded as 0.01, and the script also has a --weight-decay flag
whose default happens to be 0.01 too: the lr is still nobody's setting."""
import argparse

import torch

ap = argparse.ArgumentParser()
ap.add_argument("--weight-decay", type=float, default=0.01)
ap.add_argument("--iters", type=int, default=3)
ns = ap.parse_args()

torch.manual_seed(4)
mlp = torch.nn.Sequential(torch.nn.Linear(5, 5), torch.nn.SiLU(), torch.nn.Linear(5, 1))
opt = torch.optim.AdamW(mlp.parameters(), lr=0.01, weight_decay=ns.weight_decay)
for _ in range(ns.iters):
    opt.zero_grad()
    mlp(torch.randn(4, 5)).square().mean().backward()
    opt.step()
