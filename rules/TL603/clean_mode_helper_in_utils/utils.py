"""The project's helpers: switch every model of a list to training or eval mode."""


def set_mode(models, train):
    for m in models:
        m.train(train)
