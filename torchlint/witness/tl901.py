"""TL901 witness: the loop really does by hand what the Trainer does, and the
LightningModule that ``torchlint lightning`` derives from it really trains.

TL901 is a suggestion, not a bug report, so its "hazard" is a claim in two parts,
each observed in a running process:

1. *The script re-implements N of the Trainer's concerns* (N = TL901's default
   threshold). The fixture runs with torch instrumented, and each concern counts
   only if it happened: optimizer steps after backward passes (the step sequence),
   ``Tensor.to`` / ``Module.to`` / ``.cuda()`` with a device, called from the
   script's own code (device moves), ``GradScaler`` / ``autocast`` (AMP),
   ``DistributedDataParallel`` / ``init_process_group`` (DDP), ``torch.save``
   (checkpointing), TensorBoard ``add_scalar`` (logging), ``clip_grad_norm_`` /
   ``clip_grad_value_`` (clipping), backward passes that an optimizer step did
   not follow (gradient accumulation).
2. *The generated skeleton trains*: ``torchlint lightning`` (static, in this
   process) writes the skeleton; it runs in a fresh process with the Trainer forced
   to ``fast_dev_run=True, accelerator="cpu"`` on the fixture's own synthetic data,
   and must run ``training_step`` and an optimizer step without an exception. A
   skeleton that does not train is a generator bug: the witness raises.

Clean fixtures are loops below the threshold: part 1 does not hold.

Why not coincidence: each concern counts only if the instrumented call happened in the
run (from the script's own code where it matters), and the skeleton is judged by
running it, not by reading it.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from torchlint.witness import Evidence, run_script

MODE = "TORCHLINT_TL901_MODE"
CONCERN_LABELS = {
    "step": "zero_grad/backward/step", "device": "device moves", "amp": "AMP", "ddp": "DDP",
    "checkpoint": "checkpointing", "logging": "logging", "clipping": "gradient clipping",
    "accumulation": "gradient accumulation",
}


def instrument(record) -> None:
    if os.environ.get(MODE) == "skeleton":
        _instrument_skeleton(record)
    else:
        _instrument_script(record)


# ---------------------------------------------------------------- the script
def _instrument_script(record) -> None:  # noqa: C901
    import torch
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    script_dir = os.path.dirname(os.path.abspath(record["script"]))
    counts = {c: 0 for c in CONCERN_LABELS}
    record["counts"] = counts
    state = {"backwards_since_step": 0}

    here = os.path.abspath(__file__)

    def from_script() -> bool:
        """The call came from the script's own code (not torch's or this witness's)."""
        frame = sys._getframe(1)
        while frame is not None and os.path.abspath(frame.f_code.co_filename) == here:
            frame = frame.f_back
        return frame is not None and \
            os.path.abspath(frame.f_code.co_filename).startswith(script_dir + os.sep)

    original_backward = torch.autograd.backward

    def backward(*args, **kwargs):
        state["backwards_since_step"] += 1
        return original_backward(*args, **kwargs)

    torch.autograd.backward = backward

    def before_step(optimizer, args, kwargs):
        if state["backwards_since_step"]:
            counts["step"] += 1
        if state["backwards_since_step"] > 1:
            counts["accumulation"] += 1
        state["backwards_since_step"] = 0

    register_optimizer_step_pre_hook(before_step)

    def count(concern, original, condition=None):
        def wrapper(*args, **kwargs):
            if condition is None or condition(*args, **kwargs):
                counts[concern] += 1
            return original(*args, **kwargs)
        wrapper.__wrapped__ = original
        return wrapper

    def moves_device(self, *args, **kwargs):
        try:
            device = torch._C._nn._parse_to(*args, **kwargs)[0]
        except Exception:
            return False
        return device is not None and from_script()

    for cls in (torch.Tensor, torch.nn.Module):
        cls.to = count("device", cls.to, moves_device)
        cls.cuda = count("device", cls.cuda, lambda *a, **k: from_script())
    torch.amp.GradScaler.__init__ = count("amp", torch.amp.GradScaler.__init__)
    torch.amp.autocast_mode.autocast.__enter__ = count(
        "amp", torch.amp.autocast_mode.autocast.__enter__)
    ddp = torch.nn.parallel.DistributedDataParallel
    ddp.__init__ = count("ddp", ddp.__init__)
    torch.distributed.init_process_group = count("ddp", torch.distributed.init_process_group)
    torch.save = count("checkpoint", torch.save)
    import torch.nn.utils.clip_grad as clip_module

    for name in ("clip_grad_norm_", "clip_grad_value_"):
        wrapped = count("clipping", getattr(clip_module, name))
        setattr(clip_module, name, wrapped)
        setattr(torch.nn.utils, name, wrapped)
    try:  # TensorBoard is optional
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        pass
    else:
        SummaryWriter.add_scalar = count("logging", SummaryWriter.add_scalar)


# -------------------------------------------------------------- the skeleton
def _instrument_skeleton(record) -> None:
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    from torchlint.witness.lightning_support import alias_unified_package, strategy_class

    record["aliased_lightning"] = alias_unified_package()
    from pytorch_lightning.trainer.trainer import Trainer

    record.update(trainer_flags=None, training_steps=0, validation_steps=0, optimizer_steps=0)
    original_init = Trainer.__init__

    def init(self, *args, **kwargs):
        record["trainer_flags"] = {k: repr(v) for k, v in kwargs.items()}
        kwargs.update(fast_dev_run=True, accelerator="cpu", devices=1, enable_progress_bar=False,
                      enable_model_summary=False)
        return original_init(self, *args, **kwargs)

    Trainer.__init__ = init
    strategy = strategy_class()
    for hook, key in (("training_step", "training_steps"), ("validation_step", "validation_steps")):
        original = getattr(strategy, hook)

        def wrapped(self, *args, _original=original, _key=key, **kwargs):
            record[_key] += 1
            return _original(self, *args, **kwargs)

        setattr(strategy, hook, wrapped)

    def on_step(optimizer, args, kwargs):
        record["optimizer_steps"] += 1

    register_optimizer_step_pre_hook(on_step)


# ------------------------------------------------------------------- verdict
def observe(script: Path, **kwargs) -> Evidence:
    from torchlint.checks.tl901_loop_reimplements_trainer import DEFAULT_THRESHOLD
    from torchlint.lightning import generate

    run = run_script(script, "tl901", **kwargs)
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    counts = run.record["counts"]
    observed = {c: n for c, n in counts.items() if n}
    skeleton = generate(script.read_text(encoding="utf-8"), script.name, package="lightning")
    with tempfile.TemporaryDirectory(prefix="torchlint-tl901-") as tmp:
        path = Path(tmp) / "skeleton.py"
        path.write_text(skeleton, encoding="utf-8")
        env = dict(kwargs.pop("env", None) or {})
        env[MODE] = "skeleton"
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(script.parent), os.environ.get("PYTHONPATH", "")) if p)
        trained = run_script(path, "tl901", env=env, cwd=tmp, **kwargs)
    t = trained.record
    if trained.exception or not t["training_steps"] or not t["optimizer_steps"]:
        raise RuntimeError(f"the skeleton generated from {script.name} did not train: "
                           f"{trained.exception or t}\n{trained.stderr[-2000:]}")
    data = {"counts": counts, "skeleton": t, "threshold": DEFAULT_THRESHOLD}
    found = ", ".join(f"{CONCERN_LABELS[c]} ({n}x)" for c, n in observed.items())
    flags = ", ".join(f"{k}={v}" for k, v in (t["trainer_flags"] or {}).items()
                      if k not in ("callbacks",))
    trains = (f"the generated LightningModule trained under Trainer(fast_dev_run=True, "
              f"accelerator='cpu') ({t['training_steps']} training_step, {t['optimizer_steps']} "
              f"optimizer step, {t['validation_steps']} validation_step; its flags: {flags})")
    hazard = len(observed) >= DEFAULT_THRESHOLD
    verdict = "at least" if hazard else "fewer than"
    return Evidence(hazard, f"the script did {len(observed)} Trainer concerns by hand, {verdict} "
                            f"{DEFAULT_THRESHOLD}: {found}; {trains}", data)
