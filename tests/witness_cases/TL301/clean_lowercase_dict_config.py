# flake8: noqa
"""A plain lower-case dict inside main() is the run's configuration; the optimizer reads
its learning rate from it."""
import torch


def main():
    config = {"lr": 3e-4, "weight_decay": 0.05, "steps": 3, "width": 6}
    torch.manual_seed(0)
    layer = torch.nn.Linear(config["width"], 1)
    opt = torch.optim.AdamW(layer.parameters(), lr=config["lr"], weight_decay=config["weight_decay"])
    for _ in range(config["steps"]):
        opt.zero_grad()
        layer(torch.randn(2, config["width"])).sum().backward()
        opt.step()


main()
