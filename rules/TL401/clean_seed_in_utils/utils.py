"""The project's seeding helper: every generator, through a same-file helper."""
import random

import numpy as np
import torch


def _seed_torch(seed):
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    _seed_torch(seed)
