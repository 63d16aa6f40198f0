"""A package that re-exports its helpers through relative imports."""
from .hooks import reset_grads
from .engine import fit

__all__ = ["fit", "reset_grads"]
