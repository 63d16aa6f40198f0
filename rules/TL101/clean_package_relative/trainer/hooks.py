def reset_grads(model):
    model.zero_grad(set_to_none=True)
