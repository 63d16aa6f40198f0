"""``torchlint check [flake8 options] PATH...``: flake8 with only torchlint's rules.

This is flake8 itself, driven through its ``Application`` and its own option
parser: every flake8 option (``--exit-zero``, ``--statistics``, ``--count``,
``--show-source``, ``--select``/``--extend-select``/``--ignore``/
``--extend-ignore``, ``--per-file-ignores``, ``--exclude``/``--extend-exclude``,
``--config``, ``--isolated``, ``-j``, ...) and every ``--torchlint-*`` option,
on the command line or in the ``[flake8]`` section of setup.cfg / tox.ini /
.flake8; ``# noqa`` and file discovery are flake8's. What it changes:

- only torchlint's checker runs (pycodestyle, pyflakes and other plugins are
  not loaded into the file checkers), so it costs what torchlint costs;
- the selection is ``flake8 --select TL`` (prefixes, ignores and
  per-file-ignores decided by flake8's own ``DecisionEngine``), with two
  differences: the rules that are off by default (the TL9 suggestions) stay
  off unless the user selects them (``--extend-select TL9``, or a ``select``
  naming them); and ``TL000``, ``E902`` (a path that cannot be read) and
  ``E999`` (a file that does not parse) are always reported unless ignored
  by name: a file torchlint could not look at never passes silently. A
  ``select`` in the config is honoured for the entries that concern TL codes
  (``select = E,W,F,TL1`` reports TL1 only); one that names none (``select =
  E,W,F``) says nothing about torchlint and leaves its default;
- ``--format text|json|sarif|github`` (``text`` is flake8's ``default``;
  flake8's own formats and format strings work too);
- ``--add-noqa``: write ``# noqa: CODE`` on every reported line (``noqa.py``);
- progress on stderr when stderr is a terminal (cleared before the report);
  a warning when no Python file was found.

Exit status: 0 clean (or ``--exit-zero``), 1 findings, 2 usage or
configuration error (one line on stderr) or an aborted run.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from typing import List, Optional, Sequence

PROG = "torchlint check"
FORMATS = {"text": "default", "json": "torchlint-json", "sarif": "torchlint-sarif",
           "github": "torchlint-github"}
ALWAYS = ("TL000", "E902", "E999")


class UsageError(Exception):
    """A bad command line or configuration: one line on stderr, exit status 2."""


def off_by_default() -> List[str]:
    """Codes of the rules that are off unless selected (the TL9 suggestions)."""
    from torchlint.checks import RULES

    return [r.code for r in RULES if not r.default_enabled or r.code.startswith("TL9")]


def _concerns_torchlint(entry: str) -> bool:
    """Whether a ``select`` entry can match TL codes: ``T``, ``TL``, ``TL1``, ``TL101``."""
    return entry.startswith("TL") or "TL".startswith(entry)


def apply_selection(options, cli_select: Optional[Sequence[str]]) -> None:
    """Turn flake8's parsed ``options`` into ``flake8 --select TL``'s, as described
    above; flake8's DecisionEngine does the rest (prefixes, longest match wins,
    per-file-ignores)."""
    if cli_select is not None:  # the command line's --select, as flake8 takes it
        select = explicit = list(cli_select)
    else:
        select = explicit = [s for s in options.select or () if _concerns_torchlint(s)]
        if not select:
            select, explicit = ["TL"], []
    explicit = explicit + list(options.extend_select or ())
    options.select = select
    options.extend_select = list(options.extend_select or ()) + list(ALWAYS)
    not_asked = [c for c in off_by_default() if not c.startswith(tuple(explicit))]
    # an explicit ignore of the full code beats the select "TL" (longest match)
    options.extend_ignore = list(options.extend_ignore or ()) + not_asked


# --- options: flake8's parser, named `torchlint check` -------------------------------

def _usage_error(message: str):
    raise UsageError(message)


def _config_file(args0) -> Optional[str]:
    if args0.isolated or args0.config:
        return args0.config
    from flake8.options import config

    find = getattr(config, "_find_config_file", None)
    return find(os.path.abspath(".")) if find else None


def _validate_config(manager, cfg, where: str) -> None:
    """Typed values of ``[flake8]`` that flake8 would turn into a traceback."""
    if "flake8" not in cfg:
        return
    known = manager.config_options_dict
    for name in cfg["flake8"]:
        option = known.get(name)
        if option is None:
            if name.replace("_", "-").startswith("torchlint-"):
                print(f"{PROG}: warning: unknown option {name!r} in [flake8] of {where}; "
                      f"`{PROG} --help` lists them", file=sys.stderr)
            continue
        raw = cfg.get("flake8", name)
        try:
            if option.type is int or option.action == "count":
                cfg.getint("flake8", name)
            elif option.action in ("store_true", "store_false"):
                cfg.getboolean("flake8", name)
        except ValueError:
            boolean = option.action in ("store_true", "store_false")
            kind = "a boolean (true/false)" if boolean else "an integer"
            raise UsageError(f"{where}: [flake8] {name} = {raw!r} is not {kind}") from None


def _plugins(args0):
    """(config, its folder, its path, flake8's plugins), as flake8 finds them."""
    import configparser

    from flake8 import exceptions
    from flake8.options import config
    from flake8.plugins import finder

    where = _config_file(args0)
    try:
        cfg, cfg_dir = config.load_config(config=where, extra=args0.append_config,
                                          isolated=args0.isolated)
        plugin_opts = finder.parse_plugin_options(cfg, cfg_dir, enable_extensions=args0.enable_extensions,
                                                  require_plugins=args0.require_plugins)
        plugins = finder.load_plugins(finder.find_plugins(cfg, plugin_opts), plugin_opts)
    except (exceptions.ExecutionError, exceptions.FailedToLoadPlugin) as exc:
        raise UsageError(str(exc)) from None
    except (configparser.Error, UnicodeError) as exc:  # an explicit --config that does not parse
        raise UsageError(f"cannot read {where}: {exc}".replace("\n", " ")) from None
    return cfg, cfg_dir, where or "the configuration", plugins


def _option_manager(prelim, plugins):
    """flake8's options and the plugins' (``--torchlint-*``), named ``torchlint check``,
    plus its own two."""
    import flake8
    from flake8.main import options as flake8_options
    from flake8.options import manager

    om = manager.OptionManager(version=flake8.__version__, plugin_versions=plugins.versions_str(),
                               parents=[prelim], formatter_names=list(plugins.reporters))
    om.parser.prog = PROG
    om.parser.description = "flake8 with only torchlint's rules; exit 0 clean, 1 findings, 2 error."
    om.parser.error = _usage_error
    flake8_options.register_default_options(om)
    om.register_plugins(plugins)
    om.add_option("--add-noqa", action="store_true",
                  help="append `# noqa: CODE` to every reported line (existing noqa codes are kept), "
                       "so that the check starts clean; files are edited in place")
    om.add_option("--no-progress", action="store_true",
                  help="no progress counter or summary on stderr, even on a terminal")
    om.add_option("--fix", action="store_true",
                  help="apply the safe fixes (torchlint/fix), then report what is left")
    om.add_option("--unsafe-fixes", action="store_true",
                  help="with --fix or --diff: apply the unsafe fixes too")
    om.add_option("--diff", action="store_true",
                  help="print the fixes as a unified diff and change nothing (exit 1 if any)")
    return om


def _check_format_and_modes(opts, plugins) -> None:
    opts.format = FORMATS.get(opts.format, opts.format)
    known = opts.format in plugins.reporters or opts.format in FORMATS.values()
    if not known and "%(" not in opts.format:
        names = ", ".join(list(FORMATS) + sorted(n for n in plugins.reporters if n not in FORMATS.values()))
        raise UsageError(f"unknown format {opts.format!r}: {names}, or a %-format string such as "
                         "'%(path)s:%(row)d: %(code)s'")
    if opts.add_noqa and "-" in opts.filenames:
        raise UsageError("--add-noqa edits files: it cannot take stdin (-)")
    if opts.add_noqa and opts.disable_noqa:
        raise UsageError("--add-noqa and --disable-noqa contradict each other")


def parse(argv: Sequence[str]):
    """flake8's ``parse_args`` (plugins, config, options; flake8.options.parse_args),
    with ``torchlint check``'s name, options and selection. Raises UsageError."""
    import flake8
    from flake8.main import options as flake8_options
    from flake8.options import aggregator

    prelim = flake8_options.stage1_arg_parser()
    prelim.prog = PROG
    prelim.error = _usage_error
    args0, rest = prelim.parse_known_args(list(argv))
    if args0.output_file:
        rest.extend(("--output-file", args0.output_file))
    flake8.configure_logging(args0.verbose, args0.output_file)
    cfg, cfg_dir, where, plugins = _plugins(args0)
    om = _option_manager(prelim, plugins)
    _validate_config(om, cfg, where)
    cli_select = om.parse_args(rest).select  # before aggregate_options sets the config as defaults
    try:
        opts = aggregator.aggregate_options(om, cfg, cfg_dir, rest)
    except ValueError as exc:  # flake8's own checks of codes in the config
        raise UsageError(f"{where}: {exc}") from None
    apply_selection(opts, cli_select)
    _check_format_and_modes(opts, plugins)
    for loaded in plugins.all_plugins():  # as flake8's parse_args
        parse_options = getattr(loaded.obj, "parse_options", None)
        if parse_options is None:
            continue
        try:
            try:
                parse_options(om, opts, opts.filenames)
            except TypeError:
                parse_options(opts)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"option of {loaded.plugin.package}: {exc}") from None
    return plugins, opts


# --- running: progress, only torchlint's checker --------------------------------------

class _Progress:
    """A ``\\r``-updated file counter on a terminal's stderr, erased before the report."""

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
        self.stream.write(f"\r\x1b[Ktorchlint: {self.done}/{self.total} files")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the counter: what follows starts at the beginning of a clean line."""
        self.stream.write("\r\x1b[K")
        self.stream.flush()

    def summary(self, reported: int) -> None:
        took = time.monotonic() - self.start
        found = f"{reported} finding{'s' * (reported != 1)}" if reported else "no findings"
        self.stream.write(f"torchlint: {self.total} files checked in {took:.1f}s, {found}\n")
        self.stream.flush()


def _manager_class(run: "_Run"):
    from flake8 import checker

    class Manager(checker.Manager):
        """flake8's file-checker manager: ticks progress per finished file; a
        process pool only where workers fork (elsewhere flake8's workers would
        re-parse ``torchlint check``'s argv as flake8's)."""

        def start(self) -> None:
            super().start()
            run.files = len(self.filenames)
            quiet = self.options.quiet or self.options.no_progress
            if run.show_progress and not quiet and self.filenames:
                run.progress = _Progress(sys.stderr)
                run.progress.begin(len(self.filenames))

        def _done(self) -> None:
            if run.progress is not None:
                run.progress.tick()

        def run_serial(self) -> None:
            self.results = []
            for filename in self.filenames:
                self.results.append(checker.FileChecker(
                    filename=filename, plugins=self.plugins, options=self.options).run_checks())
                self._done()

        def run_parallel(self) -> None:
            if multiprocessing.get_start_method() != "fork":
                return self.run_serial()
            with checker._mp_prefork(self.plugins, self.options):
                pool = checker._try_initialize_processpool(self.jobs, self.argv)
            if pool is None:
                return self.run_serial()
            closed = False
            try:
                self.results = []
                for result in pool.imap_unordered(checker._mp_run, self.filenames):
                    self.results.append(result)
                    self._done()
                pool.close()
                pool.join()
                closed = True
            finally:
                if not closed:
                    pool.terminate()
                    pool.join()

        def stop(self) -> None:
            super().stop()
            if run.progress is not None:
                run.progress.clear()

    return Manager


class _Run:
    """What one ``torchlint check`` run learns besides flake8's results."""

    def __init__(self, show_progress: bool):
        self.show_progress = show_progress
        self.progress: Optional[_Progress] = None
        self.files = 0


def _application(run: _Run):
    from flake8.main.application import Application
    from flake8.plugins import finder

    from torchlint import formatters

    class TorchlintApplication(Application):
        def initialize(self, argv: Sequence[str]) -> None:
            self.plugins, self.options = parse(argv)
            if self.options.bug_report:
                import json

                import flake8
                from flake8.main import debug

                print(json.dumps(debug.information(flake8.__version__, self.plugins), indent=2,
                                 sort_keys=True))
                raise SystemExit(0)
            self.make_formatter()
            self.make_guide()
            self.make_file_checker_manager(argv)

        def make_formatter(self) -> None:
            if self.options.add_noqa:  # collect, print nothing: noqa.py reports
                self.formatter = formatters.CollectingFormatter(self.options)
            elif self.options.format in formatters.BY_NAME and not self.options.quiet:
                self.formatter = formatters.BY_NAME[self.options.format](self.options)
            else:
                super().make_formatter()

        def make_file_checker_manager(self, argv: Sequence[str]) -> None:
            checkers = self.plugins.checkers
            only_torchlint = finder.Checkers(
                tree=[p for p in checkers.tree if p.entry_name == "TL"],
                logical_line=[], physical_line=[])
            self.file_checker_manager = _manager_class(run)(
                style_guide=self.guide, plugins=only_torchlint, argv=argv)

    return TorchlintApplication()


def _fixes(argv: Sequence[str]) -> Optional[int]:
    """``--fix`` / ``--diff`` (torchlint/fix/cli.py) on the files and selection the check
    itself uses; the exit status for ``--diff`` (which only prints), else None."""
    from torchlint.fix import cli as fix_cli

    try:
        _plugins, opts = parse(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if not (opts.fix or opts.diff):
        return None
    if opts.add_noqa:
        print(f"{PROG}: error: --add-noqa does not combine with --fix or --diff", file=sys.stderr)
        return 2
    status = fix_cli.apply(opts.filenames, unsafe=opts.unsafe_fixes, diff=opts.diff, options=opts)
    return status if opts.diff else None


def main(argv: Sequence[str], progress: Optional[bool] = None) -> int:
    """``torchlint check ARGV``; returns the exit status (``--help`` raises SystemExit)."""
    if any(a.split("=")[0] in ("--fix", "--diff") for a in argv):
        status = _fixes(argv)
        if status is not None:
            return status
    run = _Run(sys.stderr.isatty() if progress is None else progress)
    app = _application(run)
    try:
        app.run(list(argv))
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `torchlint check | head`: the caller handles it
        raise
    except OSError as exc:  # --output-file in a folder that cannot be written, ...
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if app.catastrophic_failure:
        return 2
    if run.files == 0:
        paths = " ".join(app.options.filenames) or "."
        print(f"{PROG}: warning: no Python files found under {paths}", file=sys.stderr)
    if app.options.add_noqa:
        from torchlint import noqa

        return noqa.add_noqa(app.formatter.findings, app.options)
    if run.progress is not None:
        run.progress.summary(app.result_count)
    return app.exit_code()
