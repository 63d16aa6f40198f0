"""The entry point seeds, then uses the library's model and training function."""
import torch

from model_lib import build_model, fit

if __name__ == "__main__":
    torch.manual_seed(3)
    batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    fit(build_model(), batches)
