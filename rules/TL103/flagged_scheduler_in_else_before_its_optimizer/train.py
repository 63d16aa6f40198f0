"""Warm-up epochs train the head with ``warm_opt``; the joint optimizer and its
scheduler only start in the ``else:``. The first time that branch runs, the
scheduler steps before ``joint_opt`` ever stepped: its first learning rate is
skipped."""
import torch

from engine import train


def main():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    warm_opt = torch.optim.SGD(model[2].parameters(), lr=0.1)
    joint_opt = torch.optim.SGD(model.parameters(), lr=0.1)
    joint_sched = torch.optim.lr_scheduler.StepLR(joint_opt, step_size=1, gamma=0.5)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    warm_epochs = 2
    for epoch in range(5):
        if epoch < warm_epochs:
            train(model, warm_opt, batches)
        else:
            joint_sched.step()  # expect: TL103
            train(model, joint_opt, batches)


if __name__ == "__main__":
    main()
