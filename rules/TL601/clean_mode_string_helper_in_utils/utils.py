"""The project's helpers: set a model's mode from a phase name."""


def set_mode(model, phase):
    if phase == "train":
        model.train()
    else:
        model.eval()
