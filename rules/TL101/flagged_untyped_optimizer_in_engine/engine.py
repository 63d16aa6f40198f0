"""A helper module linted on its own: no caller here says what ``optimiser`` is, and its
name is not one torchlint knows, but it is used only as an optimizer and its step()
follows backward() in the loop. The loop never clears: reported here, at the step."""
import torch.nn.functional as F


def run_epoch(net, batches, optimiser, loss_fn=F.cross_entropy):
    total = 0.0
    for x, y in batches:
        loss = loss_fn(net(x), y)
        loss.backward()
        optimiser.step()  # expect: TL101
        total += loss.item()
    return total / len(batches)
