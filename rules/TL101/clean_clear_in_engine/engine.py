"""Gradient clearing lives in a module of the project, not in the training script."""


def clear_gradients(model):
    for p in model.parameters():
        p.grad = None
