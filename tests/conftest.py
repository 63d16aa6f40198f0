import os

import pytest


def _cuda() -> bool:
    if os.environ.get("CUDA_VISIBLE_DEVICES") == "":
        return False
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    if _cuda():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def witnessed_runs():
    """Every group of witness runs made during the test, as ``(launches, runs)``."""
    from torchlint import witness

    groups = []

    def record(launches, runs):
        groups.append((list(launches), list(runs)))

    witness.RUN_OBSERVERS.append(record)
    try:
        yield groups
    finally:
        witness.RUN_OBSERVERS.remove(record)
