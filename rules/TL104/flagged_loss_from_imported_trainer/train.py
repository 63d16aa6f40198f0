"""``Trainer.train_step`` (engine.py) runs backward and returns the loss tensor: adding
it to a running total keeps every step's autograd graph alive."""
import torch

from engine import Trainer


def main():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.05))
    batches = [(torch.randn(16, 8), torch.randn(16, 1)) for _ in range(6)]
    running = 0.0
    for x, y in batches:
        loss = trainer.train_step(x, y)
        running += loss  # expect: TL104
    print(float(running) / len(batches))


if __name__ == "__main__":
    main()
