"""Distillation: the teacher is put in eval mode inside the epoch loop and stays there
on purpose; the student it is not is trained in training mode."""
import torch
import torch.nn.functional as F
from torch import nn


class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))

    def forward(self, x):
        return self.net(x)


torch.manual_seed(0)
teacher = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 3))
student = Student()
opt = torch.optim.Adam(student.parameters(), lr=1e-2)
batches = [torch.randn(16, 10) for _ in range(3)]

for epoch in range(3):
    teacher.eval()
    for x in batches:
        with torch.no_grad():
            target = F.softmax(teacher(x), dim=1)
        opt.zero_grad()
        loss = F.kl_div(F.log_softmax(student(x), dim=1), target, reduction="batchmean")
        loss.backward()
        opt.step()
