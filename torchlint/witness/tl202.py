"""TL202 witness: did the script throw away the tensor a ``.to()``/``.cuda()``/``.cpu()`` made?

Inside the script, a ``TorchFunctionMode`` sees every tensor operation. When a
call *made from the script file* to ``Tensor.to`` / ``Tensor.cuda`` /
``Tensor.cpu`` returns a new tensor (a real conversion: another dtype or device;
a no-op returns the same tensor and is ignored), the result is watched with a
weak reference:

* the result counts as *used* when it is an argument of any later torch
  operation (a layer, arithmetic, ``.shape``, printing...);
* when the result is freed before it was used and before any other torch
  operation ran, nothing ever read it: the statement threw it away. That is a
  *discarded* conversion;
* the source tensor is watched too: its next use is recorded with its dtype and
  device, which shows the conversion never happened to it.

The hazard is "at least one discarded conversion". On CPU only dtype
conversions are observable (``x.to("cpu")`` of a CPU tensor is a no-op); the
flagged fixtures therefore convert dtypes, the same mistake as a discarded
``.to(device)``.

Why not coincidence: the result is tracked by a weak reference to the exact tensor the
conversion returned; "thrown away" means that tensor object died before any later
torch operation ran and was never an argument of one - which only an unassigned
result does.
"""
from __future__ import annotations

import os
from pathlib import Path

from torchlint.witness import Evidence, run_completed


def instrument(record) -> None:
    import sys
    import weakref

    import torch
    from torch.overrides import TorchFunctionMode
    from torch.utils._pytree import tree_flatten

    script = os.path.realpath(record["script"])
    record.update(conversions=0, discarded=[], source_uses=[])
    state = {"ops": 0, "pending": {}, "sources": {}}
    methods = {torch.Tensor.to: "to", torch.Tensor.cuda: "cuda", torch.Tensor.cpu: "cpu"}

    def describe(t):
        return f"{str(t.dtype).replace('torch.', '')} on {t.device}"

    def freed(key, entry):
        state["pending"].pop(key, None)
        if not entry["used"] and entry["ops"] == state["ops"]:
            entry["discarded"] = True
            record["discarded"].append({k: v for k, v in entry.items() if k != "ref"})

    class Watch(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            state["ops"] += 1
            for t in tree_flatten((args, kwargs))[0]:
                if not isinstance(t, torch.Tensor):
                    continue
                entry = state["pending"].get(id(t))
                if entry is not None and entry["ref"]() is t:
                    entry["used"] = True
                source = state["sources"].get(id(t))
                if source is not None and source[0]() is t:
                    del state["sources"][id(t)]
                    if source[1].get("discarded"):
                        record["source_uses"].append(
                            {"line": source[1]["line"], "wanted": source[1]["to"],
                             "was": describe(t), "used_by": getattr(func, "__name__", str(func))})
            out = func(*args, **kwargs)
            name = methods.get(func)
            if name and args and isinstance(out, torch.Tensor) and out is not args[0]:
                frame = sys._getframe(1)
                if os.path.realpath(frame.f_code.co_filename) == script:
                    record["conversions"] += 1
                    entry = {"line": frame.f_lineno, "method": name, "from": describe(args[0]),
                             "to": describe(out), "used": False, "ops": state["ops"]}
                    key = id(out)
                    entry["ref"] = weakref.ref(out, lambda _r, key=key, entry=entry: freed(key, entry))
                    state["pending"][key] = entry
                    state["sources"][id(args[0])] = (weakref.ref(args[0]), entry)
            return out

    Watch().__enter__()  # stays entered for the whole run


def observe(script: Path, **kwargs) -> Evidence:
    r = run_completed(script, "tl202", **kwargs)
    if r["discarded"]:
        first = r["discarded"][0]
        detail = (f"{len(r['discarded'])} of {r['conversions']} conversions made by the script were "
                  f"thrown away unused (first: .{first['method']}() at line {first['line']} made "
                  f"{first['to']} from {first['from']})")
        uses = r["source_uses"]
        if uses:
            detail += (f"; the source tensor was next used as {uses[0]['was']} "
                       f"(by {uses[0]['used_by']}), not {uses[0]['wanted']}")
        return Evidence(True, detail, r)
    return Evidence(False, f"all {r['conversions']} conversions made by the script were used", r)
