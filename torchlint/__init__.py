"""torchlint: a flake8 plugin that flags PyTorch training-code hazards."""

__version__ = "0.1.0"
