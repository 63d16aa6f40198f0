# flake8: noqa
"""Training helpers of a small project; the optimizer factory hard-codes the lr."""
import torch


def make_optimizer(model):
    return torch.optim.AdamW(model.parameters(), lr=5e-4, betas=(0.9, 0.95))


def train(model, optimizer, batches):
    for x, y in batches:
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
