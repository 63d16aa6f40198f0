"""The warm interpreter that witness runs fork from gives every run what a fresh
interpreter would: fresh random state, no patch, import or global left by an earlier
run, the run's own working directory, arguments, environment and ``sys.path``; a run
that does not finish is killed with its stacks reported."""
from __future__ import annotations

import json
import subprocess

import pytest

from torchlint.witness import forkserver, run_script

pytestmark = pytest.mark.runtime

PROBE = '''
import json, os, random, sys
import numpy, torch
out = {"rand": [torch.rand(1).item(), random.random(), float(numpy.random.rand())],
       "cwd": os.getcwd(), "argv": sys.argv, "path0": sys.path[:2],
       "env": os.environ.get("TL_PROBE"), "threads": torch.get_num_threads(),
       "patched": hasattr(torch, "tl_probe_mark"), "linear": torch.nn.Linear.forward.__name__,
       "imported": "tl_probe_module" in sys.modules}
try:
    import tl_probe_pythonpath
    out["pythonpath"] = tl_probe_pythonpath.VALUE
except ImportError:
    out["pythonpath"] = None
# leave traces a later run must not see
torch.tl_probe_mark = 1
torch.nn.Linear.forward = lambda self, x: x
sys.path.insert(0, os.path.dirname(__file__))
import tl_probe_module
with open(sys.argv[1], "w") as fh:
    json.dump(out, fh)
'''


@pytest.fixture
def probe(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    (tmp_path / "tl_probe_module.py").write_text("X = 1\n")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "tl_probe_pythonpath.py").write_text("VALUE = 7\n")
    work = tmp_path / "work"
    work.mkdir()

    def run(n, **env):
        out = tmp_path / f"out{n}.json"
        result = run_script(script, None, args=[str(out), "--flag"], cwd=work,
                            env={"TL_PROBE": str(n), "PYTHONPATH": str(extra), **env})
        assert result.returncode == 0 and not result.exception, result.stderr
        return json.loads(out.read_text())

    run.script, run.work = script, work
    return run


def test_each_run_starts_fresh(probe):
    assert forkserver.enabled()
    first, second = probe(1), probe(2)
    assert first["rand"] != second["rand"]  # torch, random and NumPy reseeded per run
    for seen in (first, second):
        assert not seen["patched"] and seen["linear"] == "forward" and not seen["imported"]
    assert (first["env"], second["env"]) == ("1", "2")


def test_run_gets_its_cwd_argv_path_and_threads(probe):
    seen = probe(3, OMP_NUM_THREADS="1")
    assert seen["cwd"] == str(probe.work)
    assert seen["argv"][0] == str(probe.script) and seen["argv"][2] == "--flag"
    assert seen["path0"] == [str(probe.script.parent), str(probe.work)]
    assert seen["pythonpath"] == 7 and seen["threads"] == 1


def test_forked_run_matches_a_fresh_interpreter(probe, monkeypatch):
    forked = probe(4)
    monkeypatch.setenv(forkserver.DISABLE_ENV, "0")
    fresh = probe(4)
    for key in ("cwd", "argv", "path0", "env", "pythonpath", "patched", "linear", "imported"):
        assert forked[key] == fresh[key], key


def test_a_hung_run_is_killed_and_shows_where(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text("import time\n\ndef wait():\n    time.sleep(60)\n\nwait()\n")
    with pytest.raises(subprocess.TimeoutExpired) as caught:
        run_script(script, None, timeout=2)
    assert "in wait" in str(caught.value)


def test_a_run_ends_as_an_interpreter_does(tmp_path):
    script = tmp_path / "ending.py"
    out = tmp_path / "trace.txt"
    script.write_text(
        "import atexit, sys, threading, time\n"
        "trace = open(sys.argv[1], 'w')\n"
        "def late():\n    time.sleep(0.3)\n    trace.write('thread ')\n    trace.flush()\n"
        "threading.Thread(target=late).start()\n"
        "atexit.register(lambda: (trace.write('atexit'), trace.close()))\n")
    run = run_script(script, None, args=[str(out)])
    assert run.returncode == 0, run.stderr
    assert out.read_text() == "thread atexit"  # non-daemon threads joined, then exit functions
