"""A tiny character model trained the nanoGPT way: an iteration loop with a learning
rate set by hand each step (warm-up, then cosine decay), gradient accumulation over
micro-steps, mixed precision on a GPU (GradScaler + autocast) and gradient clipping."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

batch_size = 8
block_size = 8
vocab = 32
gradient_accumulation_steps = 4
learning_rate = 3e-3
min_lr = 3e-4
warmup_iters = 4
max_iters = 40
grad_clip = 1.0
device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = device == "cuda"

torch.manual_seed(1337)
data = torch.randint(vocab, (2000,), generator=torch.Generator().manual_seed(5))


def get_batch():
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
    return x.to(device), y.to(device)


def get_lr(it):
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    ratio = (it - warmup_iters) / (max_iters - warmup_iters)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (learning_rate - min_lr)


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(vocab, 32)
        self.mix = nn.Linear(32, 32)
        self.head = nn.Linear(32, vocab)

    def forward(self, idx):
        return self.head(torch.tanh(self.mix(self.emb(idx))))


model = TinyLM().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.1)
scaler = torch.amp.GradScaler("cuda", enabled=use_amp)

X, Y = get_batch()
iter_num = 0
while True:
    lr = get_lr(iter_num)
    for param_group in optimizer.param_groups:
        param_group["lr"] = lr
    for micro_step in range(gradient_accumulation_steps):
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
            logits = model(X)
            loss = F.cross_entropy(logits.view(-1, vocab), Y.view(-1))
            loss = loss / gradient_accumulation_steps
        X, Y = get_batch()
        scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    if iter_num % 10 == 0:
        print(f"iter {iter_num}: loss {loss.item() * gradient_accumulation_steps:.4f}, lr {lr:.2e}")
    iter_num += 1
    if iter_num > max_iters:
        break
