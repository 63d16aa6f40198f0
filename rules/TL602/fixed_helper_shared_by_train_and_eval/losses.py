"""The training helpers: a warm-up schedule around an optimizer, and the loss
computation, which with an optimizer also takes the training step."""


class WarmupOpt:
    def __init__(self, optimizer, warmup):
        self.optimizer = optimizer
        self.warmup = warmup
        self.steps = 0

    def step(self):
        self.steps += 1
        for group in self.optimizer.param_groups:
            group["lr"] = 0.1 * min(1.0, self.steps / self.warmup)
        self.optimizer.step()
        self.optimizer.zero_grad()


class LossCompute:
    def __init__(self, criterion, opt=None):
        self.criterion = criterion
        self.opt = opt

    def __call__(self, out, target):
        loss = self.criterion(out, target)
        if self.opt is not None:
            loss.backward()
            self.opt.step()
            return loss.detach()
        return loss
