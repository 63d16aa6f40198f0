"""``torchlint check PATH...``: flake8 with only torchlint's rules, its defaults.

This is flake8 itself, driven through its ``Application``: file discovery,
``--exclude``, ``# noqa``, ``per-file-ignores`` and every ``[flake8]`` setting
of setup.cfg / tox.ini / .flake8 behave exactly as under ``flake8``. What it
changes:

- only torchlint's checker runs (pycodestyle, pyflakes and other plugins are
  not loaded into the file checkers), so it costs what torchlint costs;
- the selection is torchlint's defaults: every rule enabled by default plus
  TL000, E902 (a path that cannot be read) and E999 (a file that does not
  parse: torchlint could not look at it). ``--extend-select`` (here or in the
  config) turns on the rules that are off by default (TL9 suggestions);
  ``extend-ignore`` and ``per-file-ignores`` still apply. A ``select`` in the
  config is overridden, as it would be by ``flake8 --select``;
- ``--format text|json|sarif``: text is flake8's ``path:row:col: CODE message``;
- progress on stderr when stderr is a terminal, nothing otherwise.

Exit status: 0 clean, 1 findings (or flake8 failed), 2 usage error.
"""
from __future__ import annotations

import sys
import time
from typing import List, Optional, Sequence

FORMATS = {"text": "default", "json": "torchlint-json", "sarif": "torchlint-sarif"}
ALWAYS = ("TL000", "E902", "E999")


def default_select() -> List[str]:
    """The codes ``torchlint check`` reports unless told otherwise."""
    from torchlint.checks import RULES

    return list(ALWAYS) + [r.code for r in RULES if r.default_enabled and not r.code.startswith("TL9")]


def flake8_argv(paths: Sequence[str], fmt: str = "text", output_file: Optional[str] = None,
                extend_select: Sequence[str] = (), jobs: Optional[str] = None,
                extra: Sequence[str] = ()) -> List[str]:
    argv = [f"--select={','.join(default_select())}", f"--format={FORMATS[fmt]}"]
    if extend_select:
        argv.append(f"--extend-select={','.join(extend_select)}")
    if output_file:
        argv.append(f"--output-file={output_file}")
    if jobs:
        argv.append(f"--jobs={jobs}")
    return argv + list(extra) + list(paths or ["."])


class _Progress:
    """``\\r``-updated file counter on a terminal's stderr."""

    def __init__(self, stream):
        self.stream = stream
        self.total = 0
        self.done = 0
        self.start = time.monotonic()

    def begin(self, total: int) -> None:
        self.total = total
        self._show()

    def tick(self) -> None:
        self.done += 1
        if self.done == self.total or self.done % 5 == 0:
            self._show()

    def _show(self) -> None:
        self.stream.write(f"\rtorchlint: {self.done}/{self.total} files")
        self.stream.flush()

    def end(self) -> None:
        took = time.monotonic() - self.start
        self.stream.write(f"\rtorchlint: {self.done}/{self.total} files checked in {took:.1f}s\n")
        self.stream.flush()


def _manager_class(progress: Optional[_Progress]):
    from flake8 import checker

    class Manager(checker.Manager):
        """flake8's file-checker manager, ticking ``progress`` per finished file."""

        def start(self) -> None:
            super().start()
            if progress is not None:
                progress.begin(len(self.filenames))

        def run_serial(self) -> None:
            if progress is None:
                return super().run_serial()
            self.results = []
            for filename in self.filenames:
                self.results.append(checker.FileChecker(
                    filename=filename, plugins=self.plugins, options=self.options).run_checks())
                progress.tick()

        def run_parallel(self) -> None:
            needed = ("_mp_prefork", "_try_initialize_processpool", "_mp_run")
            if progress is None or not all(hasattr(checker, n) for n in needed):
                return super().run_parallel()  # no per-file progress on other flake8 versions
            with checker._mp_prefork(self.plugins, self.options):
                pool = checker._try_initialize_processpool(self.jobs, self.argv)
            if pool is None:
                return self.run_serial()
            closed = False
            try:
                self.results = []
                for result in pool.imap_unordered(checker._mp_run, self.filenames):
                    self.results.append(result)
                    progress.tick()
                pool.close()
                pool.join()
                closed = True
            finally:
                if not closed:
                    pool.terminate()
                    pool.join()

    return Manager


def _application(progress: Optional[_Progress]):
    from flake8.main.application import Application
    from flake8.plugins import finder

    class TorchlintApplication(Application):
        def make_file_checker_manager(self, argv: Sequence[str]) -> None:
            checkers = self.plugins.checkers
            only_torchlint = finder.Checkers(
                tree=[p for p in checkers.tree if p.entry_name == "TL"],
                logical_line=[], physical_line=[])
            self.file_checker_manager = _manager_class(progress)(
                style_guide=self.guide, plugins=only_torchlint, argv=argv)

    return TorchlintApplication()


def run(paths: Sequence[str], fmt: str = "text", output_file: Optional[str] = None,
        extend_select: Sequence[str] = (), jobs: Optional[str] = None,
        progress: Optional[bool] = None, extra: Sequence[str] = (),
        fix: bool = False, unsafe_fixes: bool = False, diff: bool = False) -> int:
    """Lint ``paths``; returns the exit status. ``fix``/``diff``: torchlint.fix.cli first."""
    if fix or diff:
        from torchlint.fix import cli as fix_cli

        selection = [f"--select={','.join(default_select())}", *extra] + (
            [f"--extend-select={','.join(extend_select)}"] if extend_select else [])
        status = fix_cli.apply(paths, unsafe=unsafe_fixes, diff=diff, flake8_args=selection)
        if diff:
            return status
    if progress is None:
        progress = sys.stderr.isatty()
    bar = _Progress(sys.stderr) if progress else None
    app = _application(bar)
    app.run(flake8_argv(paths, fmt, output_file, extend_select, jobs, extra))
    if bar is not None and bar.total:
        bar.end()
    return app.exit_code()
