# flake8: noqa
"""A JSON config string carries learning_rate; a later 'tuned' dict overwrites the local
copy before the optimizer is built, so the configured value never arrives."""
import json

import torch

CONFIG = '{"learning_rate": 0.004, "steps": 4, "width": 8}'
TUNED = {"learning_rate": 0.0007}

settings = json.loads(CONFIG)
lr = settings["learning_rate"]
lr = TUNED["learning_rate"]
torch.manual_seed(2)
model = torch.nn.Sequential(torch.nn.Linear(3, settings["width"]), torch.nn.Tanh(),
                            torch.nn.Linear(settings["width"], 1))
opt = torch.optim.RMSprop(model.parameters(), lr=lr)
for _ in range(settings["steps"]):
    x = torch.randn(10, 3)
    opt.zero_grad()
    torch.nn.functional.smooth_l1_loss(model(x), x.mean(1, keepdim=True)).backward()
    opt.step()
