"""Locate, read and summarise the user's own modules (DESIGN.md, "Cross-module facts").

Real training code is split across files: ``train.py`` calls ``set_seed`` from
``utils``, ``train_one_epoch`` from ``engine``, ``build_loader`` from ``data``.
This module finds the file a name of the linted file's project comes from and
hands back that module's *summary*; what a summary holds is decided by the
facts layer (:mod:`torchlint.facts.summaries`, asked by :mod:`torchlint.facts.crossmodule`),
which gives the summariser to
:class:`Project` - this module knows no rule and no fact.

* Location: a module path (``utils``, ``pkg.engine``, ``.data``) is looked up
  in the linted file's project only - its folder, the parents up to the
  project root (the first folder holding ``setup.cfg``, ``pyproject.toml``,
  ``setup.py`` or ``.git``) and ``<root>/src`` - as the import system would
  (a package's ``__init__.py`` before a module file, namespace folders),
  without importing anything. Only ``.py`` sources count.
* Safety: never imports or executes user code; never reads third-party or
  stdlib files (outside the root, under ``site-packages``/``dist-packages`` or
  the interpreter's library, or a top-level name that shadows a stdlib module).
* Bounds, each ending in "unknown" (rules do not flag): at most ``MAX_HOPS``
  import hops, ``MAX_FILES`` module files consulted per linted file (charged
  the same whether a summary is computed or cached: findings never depend on
  what the process linted before), files over ``MAX_BYTES`` or that do not
  parse. Summaries are cached per process in an LRU bounded in (estimated)
  bytes, keyed by path, size, mtime and ctime (every write changes the ctime,
  which tools cannot set back: a same-size edit with the old mtime restored is
  a new key; a package created beside a module is found again per linted
  file). A module's model is kept only while one linted file's questions last
  (within ``KEEP_BYTES`` of source, :meth:`Project.model`): a summary answers
  each name on first ask, and a name first asked by a later file has the model
  built again.
* One parse per file: the tree flake8 made of a file it just linted is kept for
  the next few files (:func:`remember`: at most ``RECENT_TREES``, within
  ``RECENT_BYTES`` of source text), with the records of the model its lint built. A
  summary of that module asked for then - flake8 lints a module and the script
  importing it one after the other in most folders - reuses both (a model of its own
  on those records: a fresh memo, no project) when the text the tree was parsed from
  is the file's text byte for byte, else parses.

Editors lint unsaved buffers through stdin (``flake8 --stdin-display-name
path/to/train.py -``): resolution is relative to the display name, and the
linted file itself is never read from disk.
"""
from __future__ import annotations

import ast
import os
import sys
from collections import OrderedDict
from typing import Callable, Dict, Iterable, Optional, Tuple

from torchlint import known
from torchlint.semantic import SemanticModel
from torchlint.syntax import source_lines

ENABLED = True  # tests and the benchmark switch cross-module facts off here
MAX_HOPS = 2
MAX_FILES = 16
MAX_BYTES = 1_000_000
CACHE_BYTES = 8_000_000  # estimated size of the summaries kept per process
KEEP_BYTES = 256_000  # of source text, the modules whose models a linted file keeps
ROOT_MARKERS = ("setup.cfg", "pyproject.toml", "setup.py", ".git")
NOT_A_PATH = frozenset({"", "-", "stdin", "<stdin>", "(none)", "<string>", "<unknown>"})
_THIRD_PARTY_PARTS = frozenset({"site-packages", "dist-packages"})
RECENT_TREES = 3  # trees of the files linted last, kept for a summary asked next
RECENT_BYTES = 64_000  # of source text in all, at most (a tree takes ~30-45x its source)
STATS = {"parsed": 0, "read_bytes": 0, "cache_hits": 0, "reused_trees": 0}  # tests, benchmark

Summarize = Callable[[SemanticModel], object]  # a module's model -> its summary (facts layer)


class Unknown:
    """A name of the user's project that cannot be analysed (does not parse, too
    large, bounds reached). Rules treat it as "do not flag"."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


class Located:
    """A module of the project: its path, the summary, and the import hop it is at."""

    __slots__ = ("path", "summary", "hop")

    def __init__(self, path: str, summary, hop: int):
        self.path, self.summary, self.hop = path, summary, hop


class _Cache:
    """Summaries by (real path, digest of the bytes), least recently used first out."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0
        self.entries: "OrderedDict[tuple, Tuple[object, int]]" = OrderedDict()

    def get(self, key: tuple):
        hit = self.entries.get(key)
        if hit is None:
            return None
        self.entries.move_to_end(key)
        return hit[0]

    def put(self, key: tuple, summary, size: int) -> None:
        if key in self.entries:
            self.used -= self.entries.pop(key)[1]
        self.entries[key] = (summary, size)
        self.used += size
        while self.used > self.limit and len(self.entries) > 1:
            _key, (_summary, old) = self.entries.popitem(last=False)
            self.used -= old

    def resize(self, key: tuple, summary) -> None:
        """Count the size ``summary`` (still kept under ``key``) has grown to."""
        hit = self.entries.get(key)
        if hit is not None and hit[0] is summary:
            self.put(key, summary, getattr(summary, "size", 1_000))

    def clear(self) -> None:
        self.entries.clear()
        self.used = 0


_CACHE = _Cache(CACHE_BYTES)
_SCANS: Dict[tuple, object] = {}  # (file identity, scanner) -> scanner's answer
MAX_SCANS = 4096
_MISSING = object()


# path -> (tree, lines, size, the file's model or None)
_RECENT: "OrderedDict[str, Tuple[ast.AST, list, int, Optional[SemanticModel]]]" = OrderedDict()
_recent_bytes = 0  # the sizes of the texts in _RECENT, summed


def clear_cache() -> None:
    _CACHE.clear()
    _SCANS.clear()
    _REALPATHS.clear()
    while _RECENT:
        _forget()


def remember(filename: Optional[str], tree: ast.AST, lines, model: Optional[SemanticModel] = None) -> None:
    """Keep flake8's tree of a file just linted (a real path), and the model the lint made
    of it (its memo cleared), among the last ``RECENT_TREES``, within ``RECENT_BYTES`` of
    text in all, for :meth:`Project.module`. A model not kept, or dropped, is released."""
    usable = lines is not None and ENABLED and filename is not None and filename not in NOT_A_PATH
    size = sum(map(len, lines)) if usable else 0
    if not usable or size > RECENT_BYTES:
        if model is not None:
            model.release()
        return
    path = os.path.abspath(filename)
    if path in _RECENT:
        _RECENT.move_to_end(path)
        _forget()  # the file's older entry (it is last now)
    if model is not None:
        model.memo.clear()  # its facts were the lint's (with its project): a summary's start afresh
    global _recent_bytes
    _RECENT[path] = (tree, lines, size, model)
    _recent_bytes += size
    while len(_RECENT) > RECENT_TREES or _recent_bytes > RECENT_BYTES:
        _forget(last=False)


def _forget(last: bool = True) -> None:
    """Drop the newest (or oldest) kept file; its model is released."""
    global _recent_bytes
    _path, (_tree, _lines, size, model) = _RECENT.popitem(last=last)
    _recent_bytes -= size
    if model is not None:
        model.release()


def _recent_tree(path: str, data: bytes) -> Optional[Tuple[ast.AST, Optional[SemanticModel]]]:
    """The kept tree of ``path`` and its lint's model when it was parsed from exactly
    ``data`` (flake8 reads text with universal newlines and the declared encoding: any
    difference, a parse)."""
    found = _RECENT.get(path)
    if found is None or "".join(found[1]).encode("utf-8") != data:
        return None
    STATS["reused_trees"] += 1
    return found[0], found[3]


def for_file(filename: Optional[str], summarize: Summarize) -> Optional["Project"]:
    """The project of a linted file (flake8's filename: the display name for stdin),
    or None when it has no usable location."""
    if not ENABLED or filename is None or filename in NOT_A_PATH:
        return None
    origin = os.path.abspath(filename)
    if _third_party(origin):
        return None
    return Project(origin, summarize)


class Project:
    """The project of one linted file. Everything is lazy: creating one touches nothing.
    One instance serves one linted file (its budget and its file-system view)."""

    def __init__(self, origin: str, summarize: Summarize):
        self.origin = origin
        self.summarize = summarize
        self.touched: set = set()  # module files consulted for this linted file
        self._root: Optional[Tuple[str, Tuple[str, ...]]] = None
        self._files: Dict[tuple, Optional[str]] = {}
        self._isfile: Dict[str, bool] = {}
        self._isdir: Dict[str, bool] = {}
        self._bytes: Dict[str, Optional[bytes]] = {}
        self._keys: Dict[str, Optional[tuple]] = {}
        self._real: Optional[Tuple[str, str]] = None
        self._models: "OrderedDict[str, SemanticModel]" = OrderedDict()  # path -> model (:meth:`model`)
        self._model_bytes: Dict[str, int] = {}
        self._views: set = set()  # models sharing a linted file's records (:meth:`_release`)
        self._asked: Dict[tuple, object] = {}  # cache key -> summary answered from

    # ------------------------------------------------------------------ where
    @property
    def root(self) -> str:
        return self._roots()[0]

    @property
    def roots(self) -> Tuple[str, ...]:
        """Search roots for absolute imports: the linted file's folder, its parents up
        to the project root, then ``<root>/src``."""
        return self._roots()[1]

    def _roots(self) -> Tuple[str, Tuple[str, ...]]:
        if self._root is None:
            self._root = _project_roots(os.path.dirname(self.origin))
        return self._root

    def module_file(self, modparts: Tuple[str, ...], level: int, from_path: str) -> Optional[str]:
        """The source file of module ``modparts`` imported with ``level`` leading dots from
        ``from_path``; None when it is not a module of this project."""
        key = (modparts, level, from_path if level else "")
        if key not in self._files:
            self._files[key] = self._find_file(modparts, level, from_path)
        return self._files[key]

    def _find_file(self, modparts: Tuple[str, ...], level: int, from_path: str) -> Optional[str]:
        if not all(p.isidentifier() for p in modparts):
            return None
        if level:
            base = os.path.dirname(from_path)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            if not _inside(base, self.root):
                return None
            if not modparts:
                init = os.path.join(base, "__init__.py")
                return init if self._isfile_cached(init) and self._allowed(init) else None
            search: Iterable[str] = (base,)
        else:
            if not modparts or modparts[0] in _STDLIB_NAMES or modparts[0] in known.TORCH_PACKAGES:
                return None
            search = self.roots
        for folder in search:
            found = self._in_folder(folder, modparts)
            if found is not None:
                return found if self._allowed(found) else None
        return None

    def _in_folder(self, folder: str, modparts: Tuple[str, ...]) -> Optional[str]:
        """``folder/a/b/c/__init__.py`` or ``folder/a/b/c.py`` (``a``, ``b``: packages or
        namespace folders), as the import system's path finder looks there."""
        current = folder
        for part in modparts[:-1]:
            current = os.path.join(current, part)
            if not self._isdir_cached(current):
                return None
        last = os.path.join(current, modparts[-1])
        init = os.path.join(last, "__init__.py")
        if self._isfile_cached(init):
            return os.path.abspath(init)
        if self._isfile_cached(last + ".py"):
            return os.path.abspath(last + ".py")
        return None

    # Most probes miss (a module looked for in each search root): os.access answers a
    # miss without the exception os.path.isfile/isdir raise and catch for it.
    def _isfile_cached(self, path: str) -> bool:
        if path not in self._isfile:
            self._isfile[path] = os.access(path, os.F_OK) and os.path.isfile(path)
        return self._isfile[path]

    def _isdir_cached(self, path: str) -> bool:
        if path not in self._isdir:
            self._isdir[path] = os.access(path, os.F_OK) and os.path.isdir(path)
        return self._isdir[path]

    def _allowed(self, path: str) -> bool:
        """Only the project's own source files, never the linted file itself."""
        if self._real is None:
            self._real = (_realpath(self.root), _realpath(self.origin))
        real = _realpath(path)
        return _inside(real, self._real[0]) and not _third_party(real) and real != self._real[1]

    # ------------------------------------------------------------------ read
    def read(self, path: str) -> Optional[bytes]:
        """The bytes of a project file (None: unreadable or over ``MAX_BYTES``), read once
        per linted file. Reading is not charged to the budget: only summaries are."""
        if path not in self._bytes:
            try:
                with open(path, "rb") as fh:
                    data = fh.read(MAX_BYTES + 1)
            except OSError:
                data = None
            self._bytes[path] = data if data is not None and len(data) <= MAX_BYTES else None
        return self._bytes[path]

    def scan(self, path: str, scanner: Callable[[bytes], object]) -> object:
        """``scanner(bytes)`` of a project file, cached per process by the file's identity
        (path, size, mtime, ctime: any write changes it) and the scanner; None when the
        file cannot be read. For cheap questions answered from the text, not the tree."""
        key = self._stat_key(path)
        if key is None:
            return None
        found = _SCANS.get((key, scanner), _MISSING)
        if found is _MISSING:
            data = self.read(path)
            found = None if data is None else scanner(data)
            if len(_SCANS) >= MAX_SCANS:
                _SCANS.clear()
            _SCANS[(key, scanner)] = found
        return found

    def _stat_key(self, path: str) -> Optional[tuple]:
        """The file's identity: any write changes its ctime, which tools cannot set back
        (unlike mtime), so a same-size edit with the old mtime restored is a new key."""
        if path not in self._keys:
            try:
                st = os.stat(path)
                self._keys[path] = (_realpath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns,
                                    st.st_ino, st.st_dev)
            except OSError:
                self._keys[path] = None
        return self._keys[path]

    def module(self, path: str, hop: int) -> object:
        """The summary of the project module at ``path`` (a :class:`Located`), or
        :data:`UNKNOWN` when it cannot be read or parsed, is too large, or this linted
        file's budget of ``MAX_FILES`` module files is spent."""
        if path not in self.touched:
            if len(self.touched) >= MAX_FILES:
                return UNKNOWN
            self.touched.add(path)
        key = self._stat_key(path)
        if key is None:
            return UNKNOWN
        summary = _CACHE.get(key)
        if summary is None:
            data = self.read(path)
            if data is None:
                return UNKNOWN
            summary = self._summarize(path, data)
            _CACHE.put(key, summary, getattr(summary, "size", 1_000) if summary is not None else 100)
        else:
            STATS["cache_hits"] += 1
        if summary is False:
            return UNKNOWN
        self._asked[key] = summary
        return Located(path, summary, hop)

    def _summarize(self, path: str, data: bytes):
        try:
            model = self._build(path, data)
        except Exception:  # does not parse, or an odd tree the facts trip on: unknown, never a crash
            return False
        try:
            summary = self.summarize(model)
        except Exception:
            self._release(model)
            return False
        self._keep(path, model, len(data))
        return summary

    def model(self, path: str) -> SemanticModel:
        """The model of the project module at ``path``, for a summary that answers a name on
        first ask: the one its summary was made from in this linted file, else built again
        (the summary was cached: same file identity, same text). Raises when it cannot be."""
        found = self._models.get(path)
        if found is None:
            data = self.read(path)
            if data is None:
                raise OSError(f"cannot read {path}")
            found = self._build(path, data)
            self._keep(path, found, len(data))
        else:
            self._models.move_to_end(path)
        return found

    def _build(self, path: str, data: bytes) -> SemanticModel:
        STATS["parsed"] += 1
        STATS["read_bytes"] += len(data)
        lines = source_lines(data.decode("utf-8", "replace"))
        recent = _recent_tree(path, data)
        if recent is None:
            return SemanticModel(ast.parse(data, filename=path), path, lines)
        model = SemanticModel(recent[0], path, lines, records=recent[1])
        if recent[1] is not None:  # the lint's model of that tree: its records, not built again
            self._views.add(model)
        return model

    def _keep(self, path: str, model: SemanticModel, size: int) -> None:
        """Keep a module's model for this linted file's further questions: the last ones
        built, within ``KEEP_BYTES`` of source text (the latest one always)."""
        self._models[path] = model
        self._model_bytes[path] = size
        while len(self._models) > 1 and sum(self._model_bytes.values()) > KEEP_BYTES:
            old, dropped = self._models.popitem(last=False)
            del self._model_bytes[old]
            self._release(dropped)

    def _release(self, model: SemanticModel) -> None:
        """Done with a module's model: its records released, unless they are a linted
        file's (kept by :func:`remember`, which releases them)."""
        if model in self._views:
            self._views.discard(model)
            model.memo.clear()
        else:
            model.release()

    def close(self) -> None:
        """The linted file is done: its modules' models go (their cycles broken: refcounting
        frees them now, not at the next collection), and the cache learns the size the
        summaries it asked grew to."""
        if not (self._models or self._views or self._asked):
            return  # nothing was built or asked (most linted files import no module of theirs)
        for model in self._models.values():
            self._release(model)
        self._views.clear()
        self._models.clear()
        self._model_bytes.clear()
        for key, summary in self._asked.items():
            _CACHE.resize(key, summary)
        self._asked.clear()

    def __del__(self):  # a backstop: the engine closes it (the CLI, tests may not)
        try:
            self.close()
        except Exception:  # at interpreter exit, module globals may be gone already
            pass


# ------------------------------------------------------------------ helpers
def candidate(q: Optional[str]) -> bool:
    """Could the qualified name ``q`` name something of the user's project? Not a known
    library's, the standard library's or a builtin (cheap, no I/O)."""
    if not q:
        return False
    if q.startswith("."):
        return True
    return q.split(".", 1)[0] not in LIBRARY_TOPS


def _project_roots(folder: str) -> Tuple[str, Tuple[str, ...]]:
    """(project root, search roots) for a linted file in ``folder`` (absolute, normalized)."""
    chain = [folder]
    root = None
    current = folder
    access, present = os.access, os.F_OK  # os.path.exists less the exception a miss raises
    while True:
        prefix = current if current.endswith(os.sep) else current + os.sep  # as os.path.join
        root = next((current for marker in ROOT_MARKERS if access(prefix + marker, present)), None)
        if root is not None:
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
        chain.append(current)
    if root is None:  # no marker: the folder and the package folders above it
        chain = [folder]
        while os.path.isfile(os.path.join(chain[-1], "__init__.py")):
            parent = os.path.dirname(chain[-1])
            if parent == chain[-1]:
                break
            chain.append(parent)
        root = chain[-1]
    src = os.path.join(root, "src")
    if os.path.isdir(src):
        chain.append(src)
    return root, tuple(chain)


def _inside(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or below it (both absolute and normalized)."""
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


_REALPATHS: Dict[str, str] = {}  # resolved paths, process-wide (symlinks rarely move mid-run)
MAX_REALPATHS = 8192


def _realpath(path: str) -> str:
    """``os.path.realpath`` of an absolute, normalized path; a path that is not itself a
    link is its folder's real path joined with its name (one ``lstat``: the folders
    of a project's files are resolved once)."""
    found = _REALPATHS.get(path)
    if found is None:
        if len(_REALPATHS) >= MAX_REALPATHS:
            _REALPATHS.clear()
        folder, name = os.path.split(path)
        if name and folder != path and not os.path.islink(path):
            found = os.path.join(_realpath(folder), name)
        else:
            found = os.path.realpath(path)
        _REALPATHS[path] = found
    return found


# The interpreter's own library folders, read once at import (no lazy import later:
# under ``python -m flake8`` the project folder is on sys.path, DESIGN.md).
_LIBRARY_DIRS = tuple(sorted({os.path.realpath(os.path.dirname(os.__file__))} | {
    os.path.realpath(p) for p in sys.path if p and _THIRD_PARTY_PARTS & set(p.split(os.sep))}))
_STDLIB_NAMES = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)
# the top-level names :func:`candidate` rules out
LIBRARY_TOPS = known.TORCH_PACKAGES | _STDLIB_NAMES | {"builtins"}


_LIBRARY_PREFIXES = tuple(d if d.endswith(os.sep) else d + os.sep for d in _LIBRARY_DIRS)  # as _inside


def _third_party(path: str) -> bool:
    """In site-packages/dist-packages or the interpreter's library?"""
    real = _realpath(path)
    return ("-packages" in real and bool(_THIRD_PARTY_PARTS.intersection(real.split(os.sep)))) or \
        real in _LIBRARY_DIRS or real.startswith(_LIBRARY_PREFIXES)
