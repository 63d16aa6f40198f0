"""TL503 witness: does building the DataLoader raise ValueError?

``DataLoader.__init__`` is wrapped: every construction is counted, and a
``ValueError`` it raises is recorded (type and message) before it propagates, so
the verdict knows the error came from the DataLoader constructor and not from
elsewhere in the script. The hazard: a DataLoader construction raised the
"mutually exclusive" ValueError (``shuffle`` with ``sampler`` / ``batch_sampler``).
A clean script builds its DataLoaders and runs to the end.

Why not coincidence: the error is caught inside ``DataLoader.__init__`` itself, so
the verdict knows the DataLoader constructor raised it, not some other code with a
similar message.
"""
from __future__ import annotations

import functools
from pathlib import Path

from torchlint.witness import Evidence, run_script


def instrument(record) -> None:
    from torch.utils.data import dataloader as dl

    record.update(dataloaders=0, dataloader_errors=[])
    original = dl.DataLoader.__init__

    @functools.wraps(original)
    def init(self, *args, **kwargs):
        record["dataloaders"] += 1
        try:
            original(self, *args, **kwargs)
        except ValueError as exc:
            record["dataloader_errors"].append({"type": "ValueError", "message": str(exc)})
            raise

    dl.DataLoader.__init__ = init


def observe(script: Path, **kwargs) -> Evidence:
    run = run_script(script, "tl503", **kwargs)
    r = run.record
    errors = [e for e in r["dataloader_errors"] if "mutually exclusive" in e["message"]]
    if errors:
        raised = run.exception or {}
        detail = (f"DataLoader(...) raised ValueError: {errors[0]['message']} "
                  f"(the script stopped with {raised.get('type')})")
        return Evidence(True, detail, r)
    if run.exception:
        raise RuntimeError(f"{script.name} raised {run.exception}")
    if not r["dataloaders"]:
        raise RuntimeError(f"{script.name} built no DataLoader")
    return Evidence(False, f"{r['dataloaders']} DataLoader(s) built; the script ran to the end", r)
