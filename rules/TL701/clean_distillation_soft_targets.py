"""Knowledge distillation: softmax of the teacher is the *target*; the input stays logits."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
teacher = nn.Linear(10, 5)
student = nn.Linear(10, 5)
optimizer = torch.optim.SGD(student.parameters(), lr=0.5)
T = 2.0
x = torch.randn(32, 10)

for step in range(10):
    with torch.no_grad():
        soft = F.softmax(teacher(x) / T, dim=1)
    optimizer.zero_grad()
    loss = F.cross_entropy(student(x) / T, soft)
    loss.backward()
    optimizer.step()
