"""``torchlint lightning --verify``, at runtime: each shape of hand-written loop in
``tests/lightning_cases/`` is converted on the path torchlint chooses, and the original
and the conversion run side by side for 20 optimizer steps (fresh processes forked
from one probe, same seed, CPU, float32). The conversion must train unmodified, under
the Lightning object its path promises (a ``Fabric``, or a ``Trainer`` running the
LightningModule), and reproduce every loss and learning rate within 1e-6.

One probe serves every case (torch and Lightning are imported once), and all the runs
go in one batch, two at a time on two cores.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from torchlint.lightning import FABRIC, MODULE, convert
from torchlint.lightning.verify import Prober, Run, prepare, verify

pytestmark = pytest.mark.runtime

CASES = Path(__file__).resolve().parent / "lightning_cases"
STEPS = 20
# case -> (script converted, script run, path torchlint takes)
SHAPES = {
    "plain_classifier": ("plain_classifier.py", None, MODULE),
    "ddp": ("ddp.py", None, MODULE),
    "gan": ("gan.py", None, FABRIC),
    "tbptt_lm": ("tbptt_lm.py", None, FABRIC),
    "microstep_amp_clip": ("microstep_amp_clip.py", None, FABRIC),
    "midepoch_validation": ("midepoch_validation.py", None, FABRIC),
    "rl_rollout": ("rl_rollout.py", None, FABRIC),
    "trainer_module": ("trainer_module/trainer.py", "trainer_module/main.py", FABRIC),
}


@pytest.fixture(scope="module")
def prober():
    with Prober() as p:
        yield p


@pytest.fixture(scope="module")
def reports(prober, tmp_path_factory):
    """case -> (conversion, report), every case verified in one batch of runs."""
    root = tmp_path_factory.mktemp("lightning")
    shutil.copytree(CASES, root / "cases")  # outside tests/: not a test module
    conversions, pairs = {}, {}
    for case, (script, entry, _path) in SHAPES.items():
        path = root / "cases" / script
        conversions[case] = convert(path.read_text(encoding="utf-8"), str(path),
                                    package="pytorch_lightning")
        work = root / "runs" / case
        work.mkdir(parents=True)
        pairs[case] = prepare(path, conversions[case].text, STEPS, work,
                              entry=root / "cases" / entry if entry else None)
    prober.run([job for pair in pairs.values() for job in pair.jobs])
    return {case: (conversions[case], pairs[case].report()) for case in SHAPES}


@pytest.mark.parametrize("case", sorted(SHAPES))
def test_conversion_trains_the_same(reports, case):
    conversion, report = reports[case]
    assert conversion.path == SHAPES[case][2], conversion.loop.reasons
    assert report.equivalent, report.text()
    original, converted = report.original, report.converted
    assert converted.steps == STEPS == original.steps
    assert len(converted.losses) >= STEPS
    lightning = "Fabric" if conversion.path == FABRIC else "Trainer"
    assert converted.built.get(lightning) == 1, converted.built
    assert not any(original.built.values()), original.built


def test_a_different_run_is_not_called_equivalent(prober, tmp_path):
    """The comparison can fail: the plain classifier converted, but with another
    learning rate, is reported as different."""
    shutil.copytree(CASES, tmp_path / "cases")
    path = tmp_path / "cases" / "plain_classifier.py"
    text = convert(path.read_text(encoding="utf-8"), str(path), package="pytorch_lightning").text
    assert "lr=args.lr" in text
    report = verify(path, text.replace("lr=args.lr", "lr=args.lr * 1.01"), 5, prober=prober)
    assert not report.equivalent
    assert report.lr_difference > 1e-3 and report.loss_difference > 0
    assert "NOT equivalent" in report.text()


def test_a_crash_is_reported(prober, tmp_path):
    path = tmp_path / "train.py"
    path.write_text("import torch\nx = torch.ones(1, requires_grad=True)\n(x * 2).sum().backward()\n")
    report = verify(path, "raise RuntimeError('boom')\n", 5, prober=prober)
    assert not report.equivalent
    assert any("RuntimeError: boom" in p for p in report.problems)
    assert isinstance(report.converted, Run)


def test_the_cli_verifies(prober, tmp_path, monkeypatch, capsys):
    """``torchlint lightning FILE --verify N``: the report on stderr, the conversion on
    stdout, exit 0 when equivalent (the module's probe stands in for the CLI's own)."""
    from torchlint import cli
    from torchlint.lightning import verify as verification

    class Shared:
        def run(self, jobs):
            prober.run(jobs)

        def close(self):
            pass

    monkeypatch.setattr(verification, "Prober", Shared)
    shutil.copytree(CASES, tmp_path / "cases")
    script = tmp_path / "cases" / "tbptt_lm.py"
    assert cli.main(["lightning", "--package", "pytorch_lightning", "--verify", "6",
                     "--args", "--epochs 1", str(script)]) == 0
    captured = capsys.readouterr()
    assert "fabric.backward(loss)" in captured.out
    assert "verify: original 6 optimizer steps, 6 backward; converted 6 optimizer steps" in captured.err
    assert "equivalent (<= 1e-06 on CPU in float32)" in captured.err


def _torchrun(folder: Path) -> dict:
    """Run ``main.py`` in ``folder`` as 2 CPU processes under torchrun; each rank's
    final weights. The pytest process's own distributed/Lightning variables are
    removed; a launch that hangs before finishing (seen under loaded full runs) is
    stopped with its workers and tried once more, and so is one that fails (a
    worker aborted in gloo's teardown, "terminate called without an active
    exception", seen once in a loaded CI run). A second failure fails the test; the
    assertions on the weights are the same either way."""
    import os
    import signal
    import subprocess
    import sys

    import torch

    drop = ("MASTER_", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "NODE_RANK",
            "TORCHELASTIC_", "PL_", "LT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    for attempt in (1, 2):
        # output to a file, not a pipe: a worker that outlives a killed launch must not
        # keep the test waiting for the pipe to close
        log = folder / f"torchrun-{attempt}.log"
        with open(log, "w", encoding="utf-8") as out:
            proc = subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone",
                                     "--nproc_per_node", "2", "main.py"], cwd=folder, env=env,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            try:  # a healthy launch takes about 5 s alone, 15 s in a loaded full run
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.terminate()  # torchrun stops its workers on SIGTERM
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                if attempt == 2:
                    raise AssertionError("torchrun hung twice: " + log.read_text(encoding="utf-8")[-2000:])
                continue
        if proc.returncode != 0 and attempt == 1:
            continue  # gloo's teardown aborting a worker (seen once under load): once more
        assert proc.returncode == 0, log.read_text(encoding="utf-8")[-4000:]
        return {rank: torch.load(folder / f"rank{rank}.pt") for rank in (0, 1)}
    raise AssertionError("unreachable")


def _apart(a: dict, b: dict) -> float:
    return max((a[k] - b[k]).abs().max().item() for k in a)


@pytest.mark.ddp
def test_a_torchrun_trainer_stays_distributed(tmp_path):
    """Issue 15: a Trainer class wrapping its model in DDP, launched by torchrun with its
    process group set up in main.py, run as 2 processes. Each rank draws its own initial
    weights: the original (DDP) ends with the ranks' weights equal, and so must the
    conversion, with the same weights as the original. The old conversion,
    ``Fabric(devices=1)``, trained each rank apart: its ranks' weights differ."""
    original = tmp_path / "original"
    shutil.copytree(CASES / "torchrun_trainer", original)
    text = convert((original / "trainer.py").read_text(encoding="utf-8"), "trainer.py",
                   package="pytorch_lightning").text
    converted, single = tmp_path / "converted", tmp_path / "single"
    for folder, source in ((converted, text), (single, text.replace(
            text[text.index("Fabric(strategy="):text.index("\n", text.index("Fabric(strategy="))],
            "Fabric(devices=1)"))):
        shutil.copytree(original, folder)
        (folder / "trainer.py").write_text(source, encoding="utf-8")
    assert "Fabric(devices=1)" in (single / "trainer.py").read_text(encoding="utf-8")
    ran = {name: _torchrun(folder) for name, folder in
           (("original", original), ("converted", converted), ("single", single))}
    assert _apart(ran["original"][0], ran["original"][1]) == 0.0
    assert _apart(ran["converted"][0], ran["converted"][1]) == 0.0
    assert _apart(ran["converted"][0], ran["original"][0]) <= 1e-6
    assert _apart(ran["single"][0], ran["single"][1]) > 1e-3  # the check can fail


def test_a_run_without_an_optimizer_is_limited_by_backward_calls(prober, tmp_path):
    """Issue 15: weights updated by hand, no torch.optim optimizer in the default run -
    no optimizer step ever ends the run, so N backward() calls do, and the report says
    that only losses were compared. The LightningModule conversion (which does build an
    optimizer) is told apart: its steps differ."""
    shutil.copytree(CASES, tmp_path / "cases")
    path = tmp_path / "cases" / "manual_update.py"
    source = path.read_text(encoding="utf-8")
    pairs = {}
    for style in (FABRIC, MODULE):
        text = convert(source, str(path), package="pytorch_lightning", style=style).text
        (tmp_path / style).mkdir()
        pairs[style] = prepare(path, text, 5, tmp_path / style)
    prober.run([job for pair in pairs.values() for job in pair.jobs])
    report = pairs[FABRIC].report()
    for run in (report.original, report.converted):
        assert run.steps == 0 and len(run.losses) == 5 and run.limited_by == "backward"
    assert report.equivalent, report.text()
    text = report.text()
    assert "(limit 5 backward calls: no torch.optim optimizer was built)" in text
    assert "compared: the loss of 5 backward() calls; no learning rate (the original and the " \
           "converted run stepped no optimizer)" in text
    assert "max relative difference: loss 0\n" in text
    module = pairs[MODULE].report()
    assert module.converted.steps == 5 and module.converted.limited_by == "steps"
    assert not module.equivalent and "optimizer steps differ: 0 vs 5" in module.problems
    assert "limit 5: the original's backward calls, the converted's optimizer steps" in module.text()
