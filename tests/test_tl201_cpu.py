"""TL201 without a GPU: the CPU-observable forms of the hazard, the GPU verdict logic, and
the option that turns part (c) off.

The GPU witness itself runs in tests/test_runtime_witness.py (marked ``gpu``). Here, with
CUDA hidden, the witness's ``cpu`` mode shows the same bugs where a CPU can:

* ``flagged_forward_*`` (part (a)): the model the script moved is replayed with model and
  inputs on the ``meta`` device; its forward makes a CPU tensor anyway and PyTorch raises
  its device-mismatch error;
* ``flagged_hardcoded_*`` (part (c)): the script moves its model to the CPU it selected,
  then asks for CUDA at the flagged line;
* every clean fixture does neither, and every meta replay of a clean model stays on meta.

``flagged_batch_*`` (part (b)) has no CPU form: model and batches are both on the CPU.
The probe scripts of ``tests/witness_cases/TL201/`` are part (a) cases the replay once
missed (a model evaluated before training; a model moved by a module beside the
script). As in tests/test_runtime_witness.py, a witnessed run that did not complete is
run again plain and must end the same way.
"""
from __future__ import annotations

import pytest

from _witness import every_case, observe_checked
from torchlint.config import Config
from torchlint.plugin import check_source
from torchlint.witness import Run
from torchlint.witness import tl201

FIXTURES = [f for f in every_case() if f.code == "TL201"
            and not f.path.name.startswith("flagged_batch_")]
CASES = "witness_cases"


@pytest.mark.runtime
@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id if CASES not in str(f.path) else f"case:{f.id}"
                                              for f in FIXTURES])
def test_cpu_observable_forms(fx, witnessed_runs):
    evidence = observe_checked(witnessed_runs, lambda: tl201.observe_cpu(fx.entry))
    record = evidence.data
    if fx.path.name.startswith("flagged_forward_") or (fx.flagged and CASES in str(fx.path)):
        assert evidence.hazard and "meta" in evidence.detail, evidence.detail
    elif fx.flagged:
        assert evidence.hazard and "asked for CUDA" in evidence.detail, evidence.detail
    else:
        assert not evidence.hazard, evidence.detail
        assert not record["cuda_requests"]
        if record["moves"]:  # a clean model runs on a second device
            assert record["shadows"] and all(s["ok"] for s in record["shadows"]), record["shadows"]


BATCH = [f for f in every_case() if f.code == "TL201" and f.path.name.startswith("flagged_batch_")]


@pytest.mark.runtime
@pytest.mark.parametrize("fx", BATCH, ids=[f.id for f in BATCH])
def test_part_b_has_no_cpu_form_and_runs_under_the_cpu_witness(fx, witnessed_runs):
    """Model and batches both stay on the CPU: the witness sees no hazard here (the GPU
    witness shows it), and the witnessed run completes as the plain one does."""
    evidence = observe_checked(witnessed_runs, lambda: tl201.observe_cpu(fx.entry))
    assert not evidence.hazard, evidence.detail


def _run(exception=None, wrong=(), moves=({"line": 1, "module": "Net", "device": "cuda:0"},)):
    record = {"moves": list(moves), "wrong_device": list(wrong)}
    if exception:
        record["exception"] = exception
    return Run(1 if exception else 0, record, "", "")


MISMATCH = {"type": "RuntimeError", "message": "Expected all tensors to be on the same device, "
            "but found at least two devices, cuda:0 and cpu! (when checking argument for "
            "argument mat1 in method wrapper_CUDA_addmm)"}


def test_gpu_verdict(tmp_path):
    script = tmp_path / "train.py"
    clean = tl201.judge_gpu(script, {"as-is": _run(), "steer-cpu": _run()})
    assert not clean.hazard
    crashed = tl201.judge_gpu(script, {"as-is": _run(MISMATCH), "steer-cpu": _run()})
    assert crashed.hazard and "as-is: RuntimeError" in crashed.detail
    steered = tl201.judge_gpu(script, {"as-is": _run(), "steer-cpu": _run(MISMATCH)})
    assert steered.hazard and "steer-cpu" in steered.detail
    wrong = [{"module": "Net", "params": "cuda:0", "output": "cpu"}]
    silent = tl201.judge_gpu(script, {"as-is": _run(wrong=wrong), "steer-cpu": _run()})
    assert silent.hazard and "computed an output on cpu" in silent.detail
    conv = dict(MISMATCH, message="Input type (torch.FloatTensor) and weight type "
                                  "(torch.cuda.FloatTensor) should be the same")
    assert tl201.judge_gpu(script, {"as-is": _run(conv), "steer-cpu": _run()}).hazard
    with pytest.raises(RuntimeError, match="raised"):  # a broken fixture is not evidence
        tl201.judge_gpu(script, {"as-is": _run({"type": "ValueError", "message": "x"}),
                                 "steer-cpu": _run()})


HARDCODED = """
import torch
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.zeros(2).cuda()
"""


def test_option_turns_part_c_off():
    assert [v.code for v in check_source(HARDCODED)] == ["TL201"]
    quiet = Config.from_dict({"allow-hardcoded-cuda": True})
    assert [v.code for v in check_source(HARDCODED, config=quiet)] == []
