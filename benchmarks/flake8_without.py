"""Run flake8 with some plugins left out: ``python flake8_without.py TL,TOR -- ARGS``.

flake8 has no switch that stops a plugin from *running*: ``--select`` and
``--ignore`` only filter what is reported, every installed checker still runs
on every file. To time "flake8 without torchlint" in the same environment, this
wrapper drops the distributions that provide the named checkers (``TL`` is
torchlint's, ``TOR`` TorchFix's) from flake8's plugin discovery (``flake8.plugins.finder``) before
flake8 starts, then runs flake8's own ``main``. Everything else (option
parsing, file discovery, multiprocessing, reporting) is flake8's. ``--version``
shows which plugins are loaded.
"""
from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def without(drop):
    """Within: flake8's plugin discovery leaves out the distributions providing the
    checkers named in ``drop`` (entry point names such as ``TL``, ``TOR``)."""
    from flake8.plugins import finder

    original = finder._find_importlib_plugins

    def filtered():
        plugins = list(original())
        # the whole distribution goes (torchlint's report formatters too), so that
        # `--version` and `--bug-report` show exactly what runs
        gone = {p.package for p in plugins if p.entry_point.group == "flake8.extension"
                and p.entry_point.name in drop}
        return (p for p in plugins if p.package not in gone)

    finder._find_importlib_plugins = filtered
    try:
        yield
    finally:
        finder._find_importlib_plugins = original


def main(argv) -> int:
    drop = {name for name in argv[0].split(",") if name}
    args = argv[argv.index("--") + 1:]
    from flake8.main import cli

    with without(drop):
        return cli.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
