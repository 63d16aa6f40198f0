"""TL105 witness: did backward() run on a tensor that was computed with grad disabled?

Inside the script: ``torch.autograd.backward`` (what ``Tensor.backward()`` calls) is
wrapped to record, at every call, whether grad mode / inference mode was on and
whether each tensor differentiated has a ``grad_fn`` or requires grad. The runner
records the exception the script ends with. The hazard: a backward() on a tensor
with no ``grad_fn`` that does not require grad, made while grad was disabled, and
the script dying of autograd's RuntimeError ("does not require grad and does not
have a grad_fn").

Why not coincidence: the witness sees the grad mode at the very backward() call and
the tensor it was given, and the run must also die of autograd's own error for that
reason; neither comes from the fixture's text.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_script


def instrument(record) -> None:
    import torch

    record.update(backwards=0, graphless=[], disabled=0)
    original = torch.autograd.backward

    def backward(tensors, *args, **kwargs):
        record["backwards"] += 1
        grad_on = torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
        if not grad_on:
            record["disabled"] += 1
        items = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
        for t in items:
            if isinstance(t, torch.Tensor) and t.grad_fn is None and not t.requires_grad:
                record["graphless"].append({"grad_enabled": torch.is_grad_enabled(),
                                            "inference_mode": torch.is_inference_mode_enabled(),
                                            "call": record["backwards"]})
        return original(tensors, *args, **kwargs)

    torch.autograd.backward = backward


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl105", **kwargs)
    r = run.record
    exc = run.exception
    if r["backwards"] == 0:
        raise RuntimeError(f"{script.name} never called backward(); a witness needs 1+")
    graphless = [g for g in r["graphless"] if not g["grad_enabled"] or g["inference_mode"]]
    raised = bool(exc) and exc["type"] == "RuntimeError" and "does not require grad" in exc["message"]
    if exc and not raised:
        raise RuntimeError(f"{script.name} raised {exc}")
    hazard = bool(graphless) and raised
    if hazard:
        g = graphless[0]
        mode = "inference mode" if g["inference_mode"] else "grad disabled"
        detail = (f"backward() call {g['call']} got a tensor without grad_fn ({mode}); the script "
                  f"died: RuntimeError: {exc['message'][:80]}")
    else:
        detail = (f"{r['backwards']} backward() calls ({r['disabled']} with grad disabled), all on "
                  f"tensors with a graph; the script finished")
    return Evidence(hazard, detail, r)
