"""Receives the optimizer, only reads it: no clearing here."""


def log_lr(optimizer, history):
    history.append(optimizer.param_groups[0]["lr"])
