"""torchlint: a flake8 plugin that flags PyTorch training-code hazards."""
import os as _os
import sys as _sys

__version__ = "0.1.0"


def _drop_working_directory_from_path() -> None:
    """Under ``python -m flake8`` / ``python -m torchlint`` run from the user's project,
    ``sys.path[0]`` is that project: a module torchlint (or the stdlib on its behalf)
    imports from then on - ``numbers``, ``unicodedata``, a ``_sysconfigdata_*`` - would
    be the project's file of that name, executed. Like pylint's ``modify_sys_path``,
    drop the working directory from the head of ``sys.path`` before anything else is
    imported. torchlint's own modules are found through its package, not sys.path."""
    try:
        cwd = _os.getcwd()
    except OSError:
        cwd = None
    while _sys.path and _sys.path[0] in ("", ".", cwd):
        _sys.path.pop(0)


_drop_working_directory_from_path()
