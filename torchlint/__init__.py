"""torchlint: a flake8 plugin that flags PyTorch training-code hazards."""
import os as _os
import sys as _sys

__version__ = "0.1.0"


def drop_working_directory_from_path() -> None:
    """Under ``python -m flake8`` / ``python -m torchlint`` run from the user's project,
    ``sys.path[0]`` is that project: a module torchlint (or the stdlib on its behalf)
    imports from then on - ``numbers``, ``unicodedata``, a ``_sysconfigdata_*`` - would
    be the project's file of that name, executed. Like pylint's ``modify_sys_path``,
    the linting entry points (the flake8 plugin, ``python -m torchlint``) drop the
    working directory from the head of ``sys.path`` before importing anything else.
    torchlint's own modules are found through its package, not sys.path. (The runtime
    witnesses run user scripts as ``python script.py`` would, and keep it.)"""
    try:
        cwd = _os.getcwd()
    except OSError:
        cwd = None
    while _sys.path and _sys.path[0] in ("", ".", cwd):
        _sys.path.pop(0)
