"""Mixed precision or not, chosen once: in the plain ``else:`` branch the scheduler
steps before the optimizer (the AMP branch has them the right way round)."""
import torch
import torch.nn.functional as F


def main(use_amp=False):
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", enabled=use_amp)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(4)]
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        if use_amp:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scheduler.step()
            scaler.update()
        else:
            loss.backward()
            scheduler.step()  # expect: TL103
            optimizer.step()


if __name__ == "__main__":
    main()
