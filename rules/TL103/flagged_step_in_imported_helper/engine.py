"""One optimisation step of the project, imported by the training script."""
import torch.nn.functional as F


def train_step(model, opt, x, y):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()
