"""Cross-module facts (torchlint/project.py, torchlint/facts/summaries.py and crossmodule.py): resolution
of every import style, stdin display names, the cache, the bounds, and the hard
limits (no user module imported, no third-party or stdlib file read)."""
from __future__ import annotations

import ast
import builtins
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchlint import engine as plugin, project
from torchlint.checks import BY_CODE
from torchlint.facts import crossmodule, loops, summaries

LOOP = """
import torch
{imports}
model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in [(torch.randn(2, 3), torch.randn(2, 1))] * 3:
    {call}
    model(x).sum().backward()
    optimizer.step()
"""
CLEARS = "def clear(model):\n    model.zero_grad()\n"
NO_CLEAR = "def clear(model):\n    return model\n"


@pytest.fixture(autouse=True)
def fresh_cache():
    project.clear_cache()
    yield
    project.clear_cache()


def write(root: Path, files: dict) -> Path:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return root


def lint(path: Path, source: str = None, code: str = "TL101"):
    source = path.read_text() if source is None else source
    return [(v.line, v.code) for v in plugin.check_source(source, str(path), rules=[BY_CODE[code]])]


def step_line(path: Path) -> list:
    """The report TL101 gives a LOOP whose helper does not clear: at ``optimizer.step()``."""
    lines = path.read_text().splitlines()
    return [(next(i for i, line in enumerate(lines, 1) if "optimizer.step()" in line), "TL101")]


def loop(imports: str, call: str) -> str:
    return LOOP.format(imports=imports, call=call)


def facts_at(path: Path, call_text: str, source: str = None):
    """Project facts of the first call whose source is ``call_text``."""
    source = path.read_text() if source is None else source
    m = plugin.open_model(ast.parse(source), str(path), source.splitlines(True))
    site = next(s for s in m.sites if s.is_call and ast.unparse(s.node) == call_text)
    return m, site, m.project.facts(m, site.node, site.scope)


# --------------------------------------------------------------- resolution
STYLES = {
    "from-import": ({"utils.py": CLEARS}, "from utils import clear", "clear(model)"),
    "import-module": ({"utils.py": CLEARS}, "import utils", "utils.clear(model)"),
    "import-as": ({"mypkg/__init__.py": "", "mypkg/utils.py": CLEARS}, "import mypkg.utils as U",
                  "U.clear(model)"),
    "import-dotted": ({"mypkg/__init__.py": "", "mypkg/utils.py": CLEARS}, "import mypkg.utils",
                      "mypkg.utils.clear(model)"),
    "from-package-import-module": ({"mypkg/__init__.py": "", "mypkg/utils.py": CLEARS},
                                   "from mypkg import utils", "utils.clear(model)"),
    "package-reexport": ({"mypkg/__init__.py": "from .utils import clear\n", "mypkg/utils.py": CLEARS},
                         "from mypkg import clear", "clear(model)"),
    "namespace-package": ({"nspkg/sub/utils.py": CLEARS}, "from nspkg.sub.utils import clear",
                          "clear(model)"),
    "parent-folder": ({"utils.py": CLEARS}, "from utils import clear", "clear(model)"),
    "src-layout": ({"src/mylib/__init__.py": "", "src/mylib/utils.py": CLEARS},
                   "from mylib.utils import clear", "clear(model)"),
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_import_style_resolves(tmp_path, style):
    files, imports, call = STYLES[style]
    write(tmp_path, {"setup.cfg": "", **files})
    script = tmp_path / ("scripts/train.py" if style == "parent-folder" else "train.py")
    write(tmp_path, {str(script.relative_to(tmp_path)): loop(imports, call)})
    assert lint(script) == []  # the helper clears
    for name, text in files.items():  # the same loop with a helper that does not clear
        if text == CLEARS:
            (tmp_path / name).write_text(NO_CLEAR)
    assert lint(script) == step_line(script)


@pytest.mark.parametrize("imports, call", [
    ("from .utils import clear", "clear(model)"),
    ("from . import utils", "utils.clear(model)"),
    ("from .. import helpers", "helpers.clear(model)"),
    ("from ..helpers import clear", "clear(model)"),
])
def test_relative_imports_inside_a_package(tmp_path, imports, call):
    write(tmp_path, {
        "pyproject.toml": "",
        "app/__init__.py": "",
        "app/helpers.py": CLEARS,
        "app/train/__init__.py": "",
        "app/train/utils.py": CLEARS,
        "app/train/run.py": loop(imports, call),
    })
    script = tmp_path / "app/train/run.py"
    assert lint(script) == []
    (tmp_path / "app/helpers.py").write_text(NO_CLEAR)
    (tmp_path / "app/train/utils.py").write_text(NO_CLEAR)
    assert lint(script) == step_line(script)


def test_stdin_display_name_resolves_relative_to_the_display_name(tmp_path):
    """The buffer is unsaved: train.py does not exist on disk; flake8 hands the
    plugin the display name (relative to the cwd here) and engine.py is found beside it."""
    write(tmp_path, {"setup.cfg": "", "proj/engine.py": CLEARS})
    buffer = loop("from engine import clear", "clear(model)")
    cmd = [sys.executable, "-m", "flake8", "--isolated", "--select=TL101",
           "--stdin-display-name=proj/train.py", "-"]
    clean = subprocess.run(cmd, input=buffer, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert clean.returncode == 0 and clean.stdout == "", clean.stdout + clean.stderr
    (tmp_path / "proj/engine.py").write_text(NO_CLEAR)
    flagged = subprocess.run(cmd, input=buffer, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert flagged.stdout.startswith("proj/train.py:9:5: TL101"), flagged.stdout + flagged.stderr


def test_no_display_name_means_no_cross_module_facts():
    assert crossmodule.for_file("stdin") is None
    assert crossmodule.for_file("-") is None
    assert crossmodule.for_file(None) is None


def test_linted_file_is_never_read_from_disk(tmp_path):
    """``from train import clear`` inside train.py: the disk copy may be stale."""
    write(tmp_path, {"setup.cfg": "", "train.py": CLEARS})
    src = loop("from train import clear", "clear(model)")
    assert crossmodule.for_file(str(tmp_path / "train.py")) is not None
    # read from disk, clear() would clear; unknown, the loop is judged per file
    step = src.splitlines().index("    optimizer.step()") + 1
    assert lint(tmp_path / "train.py", src) == [(step, "TL101")]
    m, site, facts = facts_at(tmp_path / "train.py", "clear(model)", src)
    assert facts is None


# ------------------------------------------------------------------- facts
def test_facts_seeding_training_loaders_and_kinds(tmp_path):
    write(tmp_path, {
        "setup.cfg": "",
        "utils.py": """
            import random
            import torch
            from torch import manual_seed as seed_torch_only

            def set_seed(seed):
                random.seed(seed)
                _torch(seed)

            def _torch(seed):
                torch.manual_seed(seed)

            def no_seed(seed):
                return seed
            """,
        "data.py": """
            from torch.utils.data import DataLoader, DistributedSampler

            def build_loader(ds):
                sampler = DistributedSampler(ds)
                return DataLoader(ds, batch_size=4, sampler=sampler)

            def plain_loader(ds):
                loader = DataLoader(ds, batch_size=4, shuffle=True)
                return loader
            """,
        "engine.py": """
            import torch
            from torch import nn

            class Net(nn.Module):
                pass

            def build_optimizer(model):
                return torch.optim.SGD(model.parameters(), lr=0.1)

            def fit(model, optimizer, loader):
                for x, y in loader:
                    optimizer.zero_grad()
                    model(x).sum().backward()
                    optimizer.step()
            """,
        "train.py": """
            import torch
            from utils import set_seed, no_seed, seed_torch_only
            from data import build_loader, plain_loader
            from engine import Net, build_optimizer, fit
            set_seed(0)
            no_seed(0)
            seed_torch_only(0)
            model = Net()
            optimizer = build_optimizer(model)
            fit(model, optimizer, build_loader(None))
            plain_loader(train_set)
            """,
    })
    train = tmp_path / "train.py"
    m, site, facts = facts_at(train, "set_seed(0)")
    assert facts.seeds() and "random.seed" in facts.calls
    assert m.project.seeds(m, site.node, site.scope) is True
    m, site, facts = facts_at(train, "no_seed(0)")
    assert not facts.seeds() and m.project.seeds(m, site.node, site.scope) is False
    m, site, _ = facts_at(train, "seed_torch_only(0)")
    assert m.project.seeds(m, site.node, site.scope) is True  # a re-exported torch.manual_seed
    m, site, facts = facts_at(train, "fit(model, optimizer, build_loader(None))")
    assert facts.trains and facts.clears_gradients
    assert [e.kind for e in facts.events] == [loops.ZERO_GRAD, loops.BACKWARD, loops.STEP]
    assert all(e.in_loop for e in facts.events)
    m, site, _ = facts_at(train, "plain_loader(train_set)")
    assert m.project.whole_dataset_loader(m, site.node, site.scope) == "train_set"
    m, site, _ = facts_at(train, "build_loader(None)")
    assert m.project.whole_dataset_loader(m, site.node, site.scope) is None  # shards
    assert m.kinds(m.tree.body[-2].value.args[2], m.module_scope) == {"dataloader"}
    model_value = next(b for b in m.module_scope.bindings["model"]).value
    assert m.kinds(model_value, m.module_scope) == {"module"}
    opt_value = next(b for b in m.module_scope.bindings["optimizer"]).value
    assert m.kinds(opt_value, m.module_scope) == {"optimizer"}


def test_helper_events_map_receivers_and_opaque_parameters(tmp_path):
    """``o`` is no optimizer name, but the caller passes one: its step counts and
    handing it to unknown code makes the call opaque (it may clear there)."""
    write(tmp_path, {
        "setup.cfg": "",
        "engine.py": """
            import somelib

            def step(model, o, x):
                model(x).sum().backward()
                o.step()

            def step_and_hand_over(model, o, x):
                model(x).sum().backward()
                somelib.maybe_clear(o)
                o.step()
            """,
        "train.py": loop("from engine import step, step_and_hand_over",
                         "step(model, optimizer, x)\n    step_and_hand_over(model, optimizer, x)"),
    })
    _, _, facts = facts_at(tmp_path / "train.py", "step(model, optimizer, x)")
    assert [(e.kind, e.receiver) for e in facts.events] == [("backward", "model(x).sum()"),
                                                            ("step", "optimizer")]
    _, _, facts = facts_at(tmp_path / "train.py", "step_and_hand_over(model, optimizer, x)")
    assert loops.OPAQUE in facts.kinds
    assert lint(tmp_path / "train.py") == []  # opaque: might clear, precision first


# ------------------------------------------------------------------- cache
def test_modules_are_summarised_once_per_content(tmp_path):
    write(tmp_path, {"setup.cfg": "", "engine.py": CLEARS,
                     "train.py": loop("from engine import clear", "clear(model)")})
    script = tmp_path / "train.py"
    before = project.STATS["parsed"]
    assert lint(script) == []
    assert project.STATS["parsed"] == before + 1
    assert lint(script) == [] and lint(script) == []
    assert project.STATS["parsed"] == before + 1  # cached: not parsed again
    (tmp_path / "engine.py").write_text(NO_CLEAR + "\n# edited: no zero_grad here\n")
    assert lint(script) == step_line(script)
    assert project.STATS["parsed"] == before + 2


def test_a_module_linted_just_before_is_not_parsed_again(tmp_path):
    """One parse per file: flake8 lints engine.py, then train.py, which imports it; the
    summary reuses the tree of engine.py's lint - only while the file's text is the one
    that tree was parsed from, and only for the last few files linted."""
    write(tmp_path, {"setup.cfg": "", "engine.py": CLEARS,
                     "train.py": loop("from engine import clear", "clear(model)")})
    script, helper = tmp_path / "train.py", tmp_path / "engine.py"
    assert lint(helper) == []
    reused = project.STATS["reused_trees"]
    assert lint(script) == []
    assert project.STATS["reused_trees"] == reused + 1
    project.clear_cache()
    assert lint(script) == []  # the same answer from a parse of its own
    lint(helper)
    helper.write_text(NO_CLEAR + "# zero_grad() elsewhere\n")  # edited since: the tree is stale
    parsed = project.STATS["parsed"]
    assert lint(script) == step_line(script)
    assert project.STATS["parsed"] == parsed + 1
    helper.write_text(CLEARS)
    project.clear_cache()
    lint(helper)
    for i in range(project.RECENT_TREES):  # other files linted since: the tree is gone
        write(tmp_path, {f"other{i}.py": "import torch\n"})
        lint(tmp_path / f"other{i}.py")
    parsed = project.STATS["parsed"]
    assert lint(script) == []
    assert project.STATS["reused_trees"] == reused + 1 and project.STATS["parsed"] == parsed + 1


def test_a_module_linted_just_before_is_not_modelled_again(tmp_path, monkeypatch):
    """The summary of engine.py, linted just before train.py, is made on the records its
    lint's model built (a fresh memo, no project); those stay whole for the next importer
    once train.py's project is done, and every answer is the one a cold process gives."""
    from torchlint.semantic import builder
    built = []
    real = builder.Builder.build
    monkeypatch.setattr(builder.Builder, "build", lambda self, tree: built.append(tree) or real(self, tree))
    helper_text = "import torch\n" + NO_CLEAR + CLEARS.replace("clear(", "really_clear(")
    write(tmp_path, {"setup.cfg": "", "engine.py": helper_text,
                     "train.py": loop("from engine import clear", "clear(model)"),
                     "train2.py": loop("from engine import really_clear", "really_clear(model)")})
    script, script2, helper = tmp_path / "train.py", tmp_path / "train2.py", tmp_path / "engine.py"
    lint(helper)
    assert len(built) == 1
    assert lint(script) == step_line(script)
    assert len(built) == 2  # train.py's own model only
    assert lint(script2) == []  # ``really_clear`` summarised on engine.py's records, still whole
    assert len(built) == 3
    project.clear_cache()
    assert lint(script2) == [] and lint(script) == step_line(script)  # a cold process: parsed, built
    assert len(built) == 7  # engine.py twice: ``clear`` asked after the summary was cached


def test_names_are_summarised_on_first_ask_whatever_the_order(tmp_path, monkeypatch):
    """A module's functions, classes and methods are summarised when a question first names
    them; a name first asked by a later linted file has the module's model built again (the
    summary itself is cached), and every answer is the one a cold process gives."""
    write(tmp_path, {
        "setup.cfg": "",
        "engine.py": CLEARS + NO_CLEAR.replace("clear", "keep") + (
            "\nclass Engine:\n    def clear(self, model):\n        model.zero_grad()\n\n"
            "    def keep(self, model):\n        return model\n"),
        "a.py": loop("from engine import clear", "clear(model)"),
        "b.py": loop("from engine import keep", "keep(model)"),
        "c.py": loop("from engine import Engine", "Engine().keep(model)"),
        "d.py": loop("from engine import Engine", "Engine().clear(model)"),
    })
    asked = []
    real = summaries._function
    monkeypatch.setattr(summaries, "_function", lambda m, fn: asked.append(fn.name) or real(m, fn))
    cold = {}
    for name in "abcd":
        project.clear_cache()
        cold[name] = lint(tmp_path / f"{name}.py")
    assert cold["a"] == cold["d"] == [] and cold["b"] == step_line(tmp_path / "b.py") \
        and cold["c"] == step_line(tmp_path / "c.py")
    project.clear_cache()
    asked.clear()
    parsed = project.STATS["parsed"]
    assert [lint(tmp_path / f"{name}.py") for name in "abcd"] == [cold[name] for name in "abcd"]
    assert asked == ["clear", "keep", "keep", "clear"]  # each once, when first asked
    assert project.STATS["parsed"] == parsed + 4  # the summary, then the model again per new name


def test_a_same_size_edit_with_the_old_mtime_is_noticed(tmp_path):
    """Reliability (5): an edit that keeps the size, with the modification time set back
    (as some editors and sync tools do), must not be served the old summary."""
    clears = "def clear(model):\n    model.zero_grad()\n"
    keeps = "def clear(model):\n    model.eval_grad()\n"
    assert len(clears) == len(keeps)
    write(tmp_path, {"setup.cfg": "", "engine.py": clears,
                     "train.py": loop("from engine import clear", "clear(model)")})
    script, engine = tmp_path / "train.py", tmp_path / "engine.py"
    assert lint(script) == []
    stat = engine.stat()
    engine.write_text(keeps)
    os.utime(engine, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert engine.stat().st_size == stat.st_size and engine.stat().st_mtime_ns == stat.st_mtime_ns
    assert lint(script) == step_line(script)


def test_a_module_replaced_by_a_package_is_noticed(tmp_path):
    """Reliability (5): in a long-lived process, a package ``engine/`` created beside
    ``engine.py`` takes precedence (as for the import system), and then replaces it."""
    write(tmp_path, {"setup.cfg": "", "engine.py": CLEARS,
                     "train.py": loop("from engine import clear", "clear(model)")})
    script = tmp_path / "train.py"
    assert lint(script) == []
    write(tmp_path, {"engine/__init__.py": NO_CLEAR})
    assert lint(script) == step_line(script)
    (tmp_path / "engine/__init__.py").write_text(CLEARS)
    assert lint(script) == []
    (tmp_path / "engine.py").unlink()
    write(tmp_path, {"engine/__init__.py": NO_CLEAR})
    assert lint(script) == step_line(script)
    (tmp_path / "engine/__init__.py").write_text(CLEARS)
    assert lint(script) == []


def test_cached_answers_notice_a_changed_dependency(tmp_path):
    """Facts of engine.run depend on hooks.py (second hop): editing it invalidates them."""
    write(tmp_path, {
        "setup.cfg": "",
        "hooks.py": CLEARS,
        "engine.py": "from hooks import clear\n\ndef run(model):\n    clear(model)\n",
        "train.py": loop("from engine import run", "run(model)"),
    })
    script = tmp_path / "train.py"
    assert lint(script) == []
    (tmp_path / "hooks.py").write_text(NO_CLEAR + "\n\n")
    assert lint(script) == step_line(script)


def test_findings_do_not_depend_on_what_was_linted_before(tmp_path, monkeypatch):
    """Reliability (2): the per-file budget is charged for every module a file's answers
    read, whether a helper's facts are computed or come from the cache. ``run`` reads
    engine.py and parts.py (a class it instantiates); with a budget of 3 files, x2.py is
    then past the budget for train.py - cold or warm."""
    monkeypatch.setattr(project, "MAX_FILES", 2)
    write(tmp_path, {
        "setup.cfg": "",
        "parts.py": "class Thing:\n    pass\n",
        "engine.py": ("import parts\n\ndef run(model):  # no zero_grad here\n"
                      "    parts.Thing()\n    return model\n"),
        "x2.py": CLEARS,
        "warm.py": loop("from engine import run", "run(model)"),
        "train.py": loop("from engine import run\nimport x2", "run(model)\n    x2.clear(model)"),
    })
    project.clear_cache()
    cold = lint(tmp_path / "train.py")
    project.clear_cache()
    lint(tmp_path / "warm.py")  # fills the cache with run's facts
    warm = lint(tmp_path / "train.py")
    assert cold == warm == step_line(tmp_path / "train.py")  # x2.py is past the budget: unknown


def test_the_cache_is_bounded_and_keeps_no_tree(tmp_path, monkeypatch):
    """Reliability (4): summaries are kept within CACHE_BYTES, and no module's tree or
    model outlives the question that parsed it."""
    import gc
    import weakref

    monkeypatch.setattr(project._CACHE, "limit", 20_000)
    big = "".join(f"def f{i}(model):\n    return model\n\n" for i in range(20))
    mods = {f"m{i}.py": big + CLEARS for i in range(8)}
    calls = "\n    ".join(f"m{i}.clear(model)" for i in range(8))
    write(tmp_path, {"setup.cfg": "", **mods, "train.py": loop("import " + ", ".join(
        f"m{i}" for i in range(8)), calls)})
    models = []
    real = summaries.summarize

    def spy(m):
        models.append(weakref.ref(m))
        return real(m)

    monkeypatch.setattr(summaries, "summarize", spy)
    assert lint(tmp_path / "train.py") == []
    gc.collect()
    assert len(models) == 8 and all(ref() is None for ref in models)
    assert project._CACHE.used <= 20_000 and len(project._CACHE.entries) < 8


# ------------------------------------------------------------------ bounds
def test_two_import_hops_at_most(tmp_path):
    write(tmp_path, {
        "setup.cfg": "",
        "a.py": "from b import clear\n",
        "b.py": "from c import clear\n",
        "c.py": NO_CLEAR,
        "two.py": "from c import clear\n",
        "train.py": loop("import a\nimport two", "a.clear(model)"),
        "train2.py": loop("import two", "two.clear(model)"),
    })
    assert lint(tmp_path / "train2.py") == step_line(tmp_path / "train2.py")  # two hops: known not to clear
    m, site, facts = facts_at(tmp_path / "train.py", "a.clear(model)")
    assert facts is None  # three hops: unknown


def test_files_touched_per_linted_file_are_bounded(tmp_path, monkeypatch):
    helpers = {f"h{i}.py": NO_CLEAR + "# no zero_grad here\n" for i in range(6)}  # not inert
    imports = "\n".join(f"import h{i}" for i in range(6))
    calls = "\n    ".join(f"h{i}.clear(model)" for i in range(6))
    write(tmp_path, {"setup.cfg": "", **helpers, "train.py": loop(imports, calls)})
    monkeypatch.setattr(project, "MAX_FILES", 3)
    source = (tmp_path / "train.py").read_text()
    m = plugin.open_model(ast.parse(source), str(tmp_path / "train.py"), source.splitlines(True))
    answers = [m.project.facts(m, s.node, s.scope) for s in m.sites
               if s.is_call and ast.unparse(s.node).startswith("h")]
    assert [a is not None for a in answers] == [True, True, True, False, False, False]
    assert len(m.project.touched) == 3


@pytest.mark.parametrize("engine", [
    "def clear(model:\n    pass\n",  # does not parse
    "def clear(model):\n    return model\n" + "#" * (project.MAX_BYTES + 10),  # too large
])
def test_unreadable_helper_means_silence(tmp_path, engine):
    """Unknown helper handed the optimizer: opaque, as without cross-module facts."""
    write(tmp_path, {"setup.cfg": "", "engine.py": engine,
                     "train.py": loop("from engine import clear", "clear(optimizer)")})
    assert lint(tmp_path / "train.py") == []


def test_missing_module_means_silence(tmp_path):
    write(tmp_path, {"setup.cfg": "", "train.py": loop("from nowhere import clear", "clear(optimizer)")})
    assert lint(tmp_path / "train.py") == []


# ------------------------------------------------------------- hard limits
SIDE_EFFECT = """
import pathlib
pathlib.Path({marker!r}).write_text("imported")
raise RuntimeError("user code was executed")
"""


def test_user_modules_are_analysed_never_imported(tmp_path):
    marker = tmp_path / "IMPORTED"
    effect = SIDE_EFFECT.format(marker=str(marker))
    write(tmp_path, {
        "setup.cfg": "",
        "mypkg/__init__.py": effect,
        "mypkg/engine.py": effect + "\ndef clear(model):\n    model.zero_grad()\n",
        "helpers.py": effect + "\ndef clear(model):\n    return model\n",
        "train.py": loop("from mypkg.engine import clear\nimport helpers",
                         "clear(model)\n    helpers.clear(model)"),
    })
    modules_before = set(sys.modules)
    assert lint(tmp_path / "train.py") == []  # mypkg.engine.clear clears: analysed
    assert not marker.exists()
    assert not {"mypkg", "mypkg.engine", "helpers"} & set(sys.modules)
    new = set(sys.modules) - modules_before
    assert not {m for m in new if not m.startswith(("astroid", "torchlint", "_"))}


def test_local_package_shadowing_a_stdlib_name_is_never_imported(tmp_path):
    """astroid's frozen-module fallback would call importlib.util.find_spec on
    ``wsgiref.missing``, importing the parent ``wsgiref`` - with the cwd on sys.path
    (``python -m flake8``) that is the user's package. Such names are unknown."""
    marker = tmp_path / "IMPORTED"
    write(tmp_path, {
        "setup.cfg": "",
        "wsgiref/__init__.py": SIDE_EFFECT.format(marker=str(marker)),
        "train.py": loop("from wsgiref.missing import clear", "clear(model)"),
    })
    proc = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=TL", "train.py"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert not marker.exists()


def test_third_party_and_stdlib_files_are_never_read(tmp_path, monkeypatch):
    """A project whose names point into site-packages / the stdlib (a symlinked
    helper, a vendored venv inside the root) gets no answer, and no such file is opened."""
    import json

    stdlib_file = Path(json.__file__)
    site_file = Path(pytest.__file__)
    write(tmp_path, {
        "setup.cfg": "",
        ".venv/lib/python3.11/site-packages/vendored.py": NO_CLEAR,
        "train.py": loop("import json, pytest, numpy\nfrom linked_std import clear\n"
                         "from linked_site import clear as c2\nfrom vendored import clear as c3",
                         "clear(optimizer)\n    c2(optimizer)\n    c3(optimizer)\n    json.dumps(1)"),
    })
    (tmp_path / "linked_std.py").symlink_to(stdlib_file)
    (tmp_path / "linked_site.py").symlink_to(site_file)
    opened = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        opened.append(os.path.realpath(str(file)) if isinstance(file, (str, bytes, os.PathLike)) else file)
        return real_open(file, *args, **kwargs)

    source = (tmp_path / "train.py").read_text()
    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)
    assert lint(tmp_path / "train.py", source) == []  # all unknown + opaque: silent
    read = [p for p in opened if isinstance(p, str)]
    assert not [p for p in read if "site-packages" in p or p.startswith(os.path.dirname(json.__file__))]
    assert not [p for p in read if p.endswith(".py")], read


def test_linted_file_in_site_packages_gets_no_project():
    assert crossmodule.for_file(pytest.__file__) is None
    assert crossmodule.for_file(os.__file__) is None


def test_astroid_is_never_imported(tmp_path):
    """Modules are located by torchlint's own finder: no astroid (55 ms and its own stale
    caches per process), on any path."""
    write(tmp_path, {"setup.cfg": "", "engine.py": CLEARS,
                     "train.py": loop("from engine import clear", "clear(model)")})
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from torchlint import engine
        from torchlint.checks import BY_CODE
        p = Path({str(tmp_path / 'train.py')!r})
        assert engine.check_source(p.read_text(), str(p), rules=[BY_CODE["TL101"]]) == []
        assert "astroid" not in sys.modules
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_switched_off_behaves_per_file(tmp_path, monkeypatch):
    write(tmp_path, {"setup.cfg": "", "engine.py": CLEARS,
                     "train.py": loop("from engine import clear", "clear(model)")})
    monkeypatch.setattr(project, "ENABLED", False)
    # the per-file false alarm that cross-module facts remove
    assert lint(tmp_path / "train.py") == step_line(tmp_path / "train.py")


def test_loop_events_carry_their_origin(tmp_path):
    """loops.events: an imported helper's events sit at the call, with the helper's place."""
    write(tmp_path, {
        "setup.cfg": "",
        "engine.py": "def train_step(model, optimizer, x):\n"
                     "    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n",
        "train.py": loop("from engine import train_step", "train_step(model, optimizer, x)"),
    })
    path = tmp_path / "train.py"
    m = plugin.open_model(ast.parse(path.read_text()), str(path), path.read_text().splitlines(True))
    (lp, evs), = loops.training_loops(m)
    imported = [e for e in evs if e.origin is not None]
    assert [(e.kind, e.origin.line, e.origin.in_loop) for e in imported] == [
        (loops.ZERO_GRAD, 2, False), (loops.BACKWARD, 3, False), (loops.STEP, 4, False)]
    assert all(e.origin.path == str(tmp_path / "engine.py") and ast.unparse(e.node).startswith("train_step")
               for e in imported)
    assert imported[0].receiver == "optimizer"


def test_an_internal_error_is_unknown_not_a_crash(tmp_path, monkeypatch):
    write(tmp_path, {"setup.cfg": "", "engine.py": NO_CLEAR,
                     "train.py": loop("from engine import clear", "clear(optimizer)")})

    def boom(*args):
        raise KeyError("bug")

    monkeypatch.setattr(summaries, "summarize", boom)
    out = plugin.check_source((tmp_path / "train.py").read_text(), str(tmp_path / "train.py"))
    assert "TL000" not in {v.code for v in out}
    assert lint(tmp_path / "train.py") == []  # unknown helper handed the optimizer: opaque


def test_inert_helper_modules_are_not_parsed(tmp_path):
    """A helper module whose text holds no word a training fact needs (and that imports no
    project module) is answered without being parsed; one word makes it parsed."""
    write(tmp_path, {"setup.cfg": "", "shapes.py": "def flat(x):\n    return x.view(-1)\n",
                     "train.py": loop("from shapes import flat", "flat(x)")})
    before = project.STATS["parsed"]
    assert lint(tmp_path / "train.py") == step_line(tmp_path / "train.py")  # flat() does not clear
    assert project.STATS["parsed"] == before
    (tmp_path / "shapes.py").write_text("def flat(x):\n    x.grad = None\n    return x.view(-1)\n")
    m, site, facts = facts_at(tmp_path / "train.py", "flat(x)")
    assert facts.clears_gradients and project.STATS["parsed"] == before + 1


def test_a_package_named_like_a_library_is_the_projects_own(tmp_path):
    """A checkout of a library (a ``timm`` folder in the project) is the project's own
    code: its seeding helper is read, whether it seeds or not; linted from outside
    such a checkout, ``timm`` is third-party and never read."""
    write(tmp_path, {
        "repo/setup.cfg": "",
        "repo/timm/__init__.py": "",
        "repo/timm/utils/__init__.py": "from .random import random_seed, log_seed\n",
        "repo/timm/utils/random.py": """
            import torch

            def random_seed(seed=42, rank=0):
                torch.manual_seed(seed + rank)

            def log_seed(seed=42):
                print(seed)
            """,
        "repo/train.py": loop("from timm import utils", "utils.random_seed(0)\n    optimizer.zero_grad()"),
        "repo/train_log.py": loop("from timm import utils", "utils.log_seed(0)\n    optimizer.zero_grad()"),
        "other/setup.cfg": "",
        "other/train.py": loop("from timm import utils", "utils.log_seed(0)\n    optimizer.zero_grad()"),
    })
    assert lint(tmp_path / "repo/train.py", code="TL401") == []
    assert [c for _, c in lint(tmp_path / "repo/train_log.py", code="TL401")] == ["TL401"]
    source = (tmp_path / "repo/train.py").read_text()
    m = plugin.open_model(ast.parse(source), str(tmp_path / "repo/train.py"), source.splitlines(True))
    binding = m.module_scope.bindings["utils"][-1]
    assert not m.is_project_import(binding) and m.project.owns(m, binding)
    # outside the checkout: a library helper named like a seeder whose module is not read
    project.STATS.update(parsed=0)
    assert lint(tmp_path / "other/train.py", code="TL401") != []  # log_seed: no seeder's name
    assert project.STATS["parsed"] == 0


@pytest.mark.parametrize("name", sorted(__import__("torchlint.known").known.SEEDER_NAMES))
def test_a_library_seeding_helper_seeds_by_its_name(tmp_path, name):
    """``from somelib.utils import set_random_seed``: the library is not read (not in the
    project), its helper's name says it seeds; a project function of that name that
    seeds nothing is judged by its body instead."""
    write(tmp_path, {
        "setup.cfg": "",
        "train.py": loop(f"from somelib.utils import {name}", f"{name}(0)\n    optimizer.zero_grad()"),
        "mine.py": loop(f"from helpers import {name}", f"{name}(0)\n    optimizer.zero_grad()"),
        "helpers.py": f"def {name}(seed):\n    return seed\n",
    })
    assert lint(tmp_path / "train.py", code="TL401") == []
    assert [c for _, c in lint(tmp_path / "mine.py", code="TL401")] == ["TL401"]


def test_class_summary_tells_a_model_whose_forward_returns_probabilities(tmp_path):
    write(tmp_path, {
        "setup.cfg": "",
        "nets.py": """
            import torch.nn as nn
            import torch.nn.functional as F

            class Probs(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 3)
                def forward(self, x):
                    return F.softmax(self.fc(x), dim=1)

            class Head(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.out = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
                def forward(self, x):
                    return self.out(x)

            class Logits(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 3)
                def forward(self, x):
                    return self.fc(x)
                def predict(self, x):
                    return F.softmax(self(x), dim=1)

            class LogProbs(nn.Module):
                def forward(self, x):
                    return F.log_softmax(x, dim=1)
            """,
    })
    names = ("Probs", "Head", "Logits", "LogProbs")
    source = "import nets\n" + "".join(f"{n.lower()} = nets.{n}()\n" for n in names)
    path = tmp_path / "train.py"
    m = plugin.open_model(ast.parse(source), str(path), source.splitlines(True))
    found = {ast.unparse(s.node.func): m.project.class_summary(m, s.node, s.scope).probabilities
             for s in m.sites if s.is_call}
    assert found == {"nets.Probs": True, "nets.Head": True, "nets.Logits": False, "nets.LogProbs": False}
    # and TL701 reads it where the loss is, through an untyped helper parameter
    train = source + textwrap.dedent("""
        import torch.nn as nn

        def fit(model, x, y):
            return nn.CrossEntropyLoss()(model(x), y)

        fit(probs, 1, 2)
        fit(head, 1, 2)
        """)
    assert lint(path, train, "TL701") == [(10, "TL701")]
    logits = train.replace("fit(probs", "fit(logits").replace("fit(head", "fit(logprobs")
    assert lint(path, logits, "TL701") == []


def test_summaries_tell_which_global_generators_a_project_class_or_function_draws_from(tmp_path):
    """TL402 across modules: a dataset or helper of the project that draws from NumPy's or
    Python's global generator is a draw of the run that builds or calls it, unless its
    own code seeds that generator or (a Dataset) DataLoader workers reseed it."""
    write(tmp_path, {
        "setup.cfg": "",
        "data.py": """
            import random
            import numpy as np
            from torch.utils.data import Dataset

            def _noise():
                return np.random.normal()

            class Noisy(Dataset):
                def __len__(self):
                    return 4
                def __getitem__(self, i):
                    return i + _noise()

            class SelfSeeded(Dataset):
                def __init__(self):
                    np.random.seed(0)
                def __getitem__(self, i):
                    return i + np.random.normal()

            class Plain(Dataset):
                def __getitem__(self, i):
                    return i

            def shuffled(xs):
                random.shuffle(xs)
                return xs

            def pick():
                return np.random.randint(10)
            """,
    })
    calls = ("Noisy", "SelfSeeded", "Plain", "shuffled", "pick")
    source = "import data\n" + "".join(f"data.{n}()\n" for n in calls)
    path = tmp_path / "train.py"
    m = plugin.open_model(ast.parse(source), str(path), source.splitlines(True))
    found = {ast.unparse(s.node.func): (m.project.draws(m, s.node, s.scope, False),
                                        m.project.draws(m, s.node, s.scope, True))
             for s in m.sites if s.is_call}
    assert found == {"data.Noisy": ({"numpy"}, set()), "data.SelfSeeded": (set(), set()),
                     "data.Plain": (set(), set()), "data.shuffled": ({"random"}, {"random"}),
                     "data.pick": ({"numpy"}, {"numpy"})}
    train = """
        import torch
        from data import Noisy
        from torch.utils.data import DataLoader

        torch.manual_seed(0)
        model = torch.nn.Linear(1, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x in DataLoader(Noisy(){workers}):
            model(x.float().view(-1, 1)).sum().backward()
            opt.step()
            opt.zero_grad()
        """
    assert lint(path, textwrap.dedent(train.format(workers="")), "TL402") == [(6, "TL402")]
    assert lint(path, textwrap.dedent(train.format(workers=", num_workers=2")), "TL402") == []
    # a module whose text never says "random" is answered without a parse
    write(tmp_path, {"plain.py": "class Plain:\n    pass\n"})
    project.STATS.update(parsed=0)
    source = "import plain\nplain.Plain()\n"
    m = plugin.open_model(ast.parse(source), str(path), source.splitlines(True))
    site = next(s for s in m.sites if s.is_call)
    assert m.project.draws(m, site.node, site.scope, False) == frozenset()
    assert project.STATS["parsed"] == 0


def test_mode_helpers_of_other_modules_are_read_at_the_call(tmp_path):
    """A function of the project that sets modes on its parameters is summarised in their
    terms (ModeEffect) and read with the caller's arguments: the flag, the elements of
    a literal list, the branch a phase name selects; unknown arguments give "unknown"."""
    from torchlint.facts import inline
    write(tmp_path, {
        "setup.cfg": "",
        "utils.py": """
            def set_mode(models, train):
                for m in models:
                    m.train(train)

            def set_phase(model, phase, other=None):
                if phase == "train":
                    model.train()
                elif phase in ("val", "test"):
                    model.eval()
                if other.ready():
                    model.eval()

            def freeze(net):
                net.eval()
                GLOBAL.train()
            """,
    })
    source = textwrap.dedent("""
        import torch
        from utils import set_mode, set_phase, freeze
        enc, dec = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
        set_mode([enc, dec], False)
        set_mode((enc,), True)
        set_mode(nets, True)
        set_phase(enc, "val")
        freeze(dec)
        """)
    path = tmp_path / "train.py"
    m = plugin.open_model(ast.parse(source), str(path), source.splitlines(True))
    found, _this = m.project.callee(m, next(s.node for s in m.sites if s.is_call
                                            and ast.unparse(s.node).startswith("set_phase")), m.module_scope)
    assert found.summary.modes == (
        summaries.ModeEffect("train", None, "model", (("phase", "==", "train", True),)),
        summaries.ModeEffect("eval", None, "model", (("phase", "==", "train", False),
                                                     ("phase", "in", ("val", "test"), True))),
        summaries.ModeEffect("unknown", None, "model", ()))  # a test of something else
    got = {}
    for s in m.sites:
        if s.is_call and not ast.unparse(s.node).startswith("torch"):
            hit = inline.imported_modes(m, s, ())
            got[ast.unparse(s.node)] = hit and (hit[0], [ast.unparse(r) for r, _ in hit[1]])
    assert got == {"set_mode([enc, dec], False)": ("eval", ["enc", "dec"]),
                   "set_mode((enc,), True)": ("train", ["enc"]),
                   "set_mode(nets, True)": None,  # no literal list: modules unknown
                   "set_phase(enc, 'val')": ("unknown", ["enc", "enc"]),  # eval, then maybe eval
                   "freeze(dec)": ("eval", ["dec"])}  # GLOBAL is no parameter: not the caller's


FF_MODELS = (
    "import torch\nfrom torch import nn\n\f\n\f\n\f\n"
    "class Net(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.fc = nn.Linear(4, 2)\n"
    "\n"
    "    def forward(self, x):\n"
    "        return self.fc(x) if self.training else self.fc(x).detach()\n"
)
FF_TRAIN = """
import torch
from models import Net


def evaluate(model, batches):
    total = 0.0
    with torch.no_grad():
        for x in batches:
            total += model(x).sum().item()
    return total


def main():
    torch.manual_seed(0)
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x in [torch.randn(2, 4)] * 2:
        optimizer.zero_grad()
        model(x).sum().backward()
        optimizer.step()
    evaluate(model, [torch.randn(2, 4)])


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("breaks", ["\f", ""])
def test_a_summarised_module_keeps_the_ast_line_numbers_past_form_feeds(tmp_path, breaks):
    """Form feeds (page breaks, PEP 8) are no line breaks for the tokenizer: a summarised
    module's lines must be split as the AST counts them, or a class's text (where
    ``self.training`` is looked for) is read from the wrong lines."""
    models = FF_MODELS.replace("\f", breaks)
    root = write(tmp_path, {"setup.cfg": "", "models.py": models, "train.py": FF_TRAIN})
    loop_line = next(i for i, line in enumerate(FF_TRAIN.splitlines(), 1) if "for x in batches" in line)
    assert lint(root / "train.py", code="TL601") == [(loop_line, "TL601")]


def test_a_project_method_named_step_that_runs_backward_trains_the_loop(tmp_path):
    """``trainer.step(x)``: a call named ``step`` into the project may hold the backward
    too (the cheap may-train test asked it only of calls with other names)."""
    engine_py = """\
        class Trainer:
            def __init__(self, model, opt):
                self.model, self.opt = model, opt

            def step(self, x):
                loss = self.model(x).sum()
                loss.backward()
                self.opt.step()
        """
    train = """\
        import torch
        from engine import Trainer

        model = torch.nn.Linear(4, 1)
        trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1))
        for x in torch.randn(8, 2, 4):
            trainer.step(x)
        """
    clears = "        self.opt.zero_grad()\n"
    root = write(tmp_path, {"setup.py": "", "engine.py": engine_py, "train.py": train})
    assert lint(root / "train.py") == [(7, "TL101")]
    cleared = textwrap.dedent(engine_py).replace("        loss = ", clears + "        loss = ")
    (root / "engine.py").write_text(cleared)
    assert lint(root / "train.py") == []
