from .random import random_seed

__all__ = ["random_seed"]
