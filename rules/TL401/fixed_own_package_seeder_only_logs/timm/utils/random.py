import logging

import torch

_logger = logging.getLogger(__name__)


def random_seed(seed=42, rank=0):
    """Meant to seed; only records the seed and picks deterministic kernels."""
    _logger.info("seed %d (rank %d)", seed, rank)
    torch.backends.cudnn.deterministic = True
