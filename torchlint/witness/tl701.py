"""TL701 witness: does a cross-entropy / NLL loss receive probabilities instead of
logits, and does the gradient the run sends back to the logits shrink because of it?

What it observes, inside the script: ``torch.nn.functional.cross_entropy`` and
``nll_loss`` (which ``nn.CrossEntropyLoss`` / ``nn.NLLLoss`` call) are wrapped. At
every call the input is examined: rows that are non-negative and sum to 1 over the
class dimension (within the rounding of the input's dtype: float32, bfloat16 and
float16 alike) are probabilities - softmax output. For such a call, during the run's
own backward pass, autograd hooks record

* the gradient that reached the loss's output (its scale: a ``GradScaler``, a
  gradient-accumulation divisor, a weighted sum of losses), and
* the gradient that reached the logits the probabilities were made from: the input
  gradient of the ``SoftmaxBackward0`` node that produced them (hooked on the node;
  where the probabilities did not come from a softmax node, the gradient reaching
  the probabilities, carried through the softmax Jacobian ``diag(p) - p p^T``).

After the script, the witness compares that measured gradient with the gradient the
correct loss (cross-entropy on the logits, NLL on their ``log_softmax``) would have
sent to the same logits with the same upstream scale, computed from the same
probabilities (``log p`` are the logits up to a per-row constant, to which the
correct gradient is blind). The hazard: the loss got probabilities and, at every
call measured, the gradient the run really sent back was smaller. A loss the run
never back-propagates (a metric) is judged by its value instead: the value the run
computed against the correct loss of the same batch.

Why not coincidence: the probability test looks at the tensor the loss function
received, and the shrink figure is the gradient autograd delivered in the run, not
a re-enactment; logits that merely happen to be non-negative and sum to one would
show no shrink (the two losses agree then only if ``softmax`` is the identity).
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_completed

MAX_MEASURED = 50  # calls measured in detail; every call is still counted
_PASS_THROUGH = ("ToCopyBackward0", "ViewBackward0", "CloneBackward0", "UnsafeViewBackward0")
_PENDING = []  # measured calls, judged in finish()
_ORIGINALS = {}  # the unwrapped loss functions


def _tolerance(torch, dtype) -> float:
    return max(1e-3, 4 * torch.finfo(dtype).eps)


def instrument(record) -> None:
    import torch
    import torch.nn.functional as F

    record.update(calls=0, probability_calls=0, measured=[], unmeasured_values=[])
    originals = {"cross_entropy": F.cross_entropy, "nll_loss": F.nll_loss}

    def class_dim(x) -> int:
        return 1 if x.dim() >= 2 else 0

    def is_probabilities(x) -> bool:
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.numel() == 0:
            return False
        if x.dim() == 0 or x.shape[class_dim(x)] < 2:
            return False
        with torch.no_grad():
            sums = x.detach().float().sum(class_dim(x))
            return bool((x >= 0).all()) and bool(
                ((sums - 1).abs() <= _tolerance(torch, x.dtype)).all())

    def softmax_node(p):
        node = p.grad_fn
        for _ in range(4):
            if node is None:
                return None
            if type(node).__name__ == "SoftmaxBackward0":
                return node
            if type(node).__name__ not in _PASS_THROUGH:
                return None
            node = node.next_functions[0][0] if node.next_functions else None
        return None

    def measure(kind, p, target, args, kwargs, out):
        entry = {"kind": kind, "p": p.detach().double().clone(), "dim": class_dim(p),
                 "target": target.detach().clone() if isinstance(target, torch.Tensor) else target,
                 "args": args, "kwargs": kwargs, "upstream": None, "logit_grad": None,
                 "via": None, "loss": out.detach().double().clone()}
        node = softmax_node(p) if p.requires_grad else None
        if node is not None:
            entry["via"] = "softmax node"
            node.register_hook(lambda grad_inputs, grad_outputs: entry.update(
                logit_grad=grad_inputs[0].detach().double().clone()))
        elif p.requires_grad:
            entry["via"] = "softmax Jacobian"

            def probability_grad(g):
                q, g = entry["p"], g.detach().double()
                entry["logit_grad"] = q * (g - (q * g).sum(entry["dim"], keepdim=True))
            p.register_hook(probability_grad)
        if out.requires_grad:
            out.register_hook(lambda g: entry.update(upstream=g.detach().double().clone()))
        _PENDING.append(entry)

    def wrap(kind):
        original = originals[kind]

        def loss(input, target, *args, **kwargs):
            record["calls"] += 1
            probabilities = is_probabilities(input)
            out = original(input, target, *args, **kwargs)
            if probabilities:
                record["probability_calls"] += 1
                if len(_PENDING) < MAX_MEASURED and isinstance(out, torch.Tensor):
                    measure(kind, input, target, args, kwargs, out)
            return out

        return loss

    F.cross_entropy = wrap("cross_entropy")
    F.nll_loss = wrap("nll_loss")
    _PENDING.clear()
    _ORIGINALS.update(originals)


def _correct(torch, entry, logits):
    """The loss the script should have computed on ``logits`` (same target and options)."""
    cast = (lambda v: v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v)
    target = cast(entry["target"])
    kwargs = {k: cast(v) for k, v in entry["kwargs"].items()}
    args = [cast(a) for a in entry["args"]]
    if entry["kind"] == "cross_entropy":
        return _ORIGINALS["cross_entropy"](logits, target, *args, **kwargs)
    return _ORIGINALS["nll_loss"](torch.log_softmax(logits, entry["dim"]), target, *args, **kwargs)


def finish(record) -> None:
    """Compare each measured call with the correct loss's gradient (module docstring)."""
    import torch

    for entry in _PENDING:
        logits = entry["p"].clamp_min(1e-12).log().requires_grad_()
        with torch.enable_grad():
            correct = _correct(torch, entry, logits)
            if entry["logit_grad"] is not None and entry["upstream"] is not None:
                want, = torch.autograd.grad(correct, logits, grad_outputs=entry["upstream"]
                                            .expand_as(correct))
                record["measured"].append({
                    "kind": entry["kind"], "via": entry["via"],
                    "grad_norm": float(entry["logit_grad"].norm()),
                    "correct_grad_norm": float(want.norm())})
            else:  # never back-propagated: the value the run computed
                record["unmeasured_values"].append({
                    "kind": entry["kind"], "loss": float(entry["loss"].sum()),
                    "correct_loss": float(correct.detach().sum())})
    _PENDING.clear()


def observe(script: Path, **kwargs) -> Evidence:
    r = run_completed(script, "tl701", **kwargs)
    if r["calls"] == 0:
        raise RuntimeError(f"{script.name} never called cross_entropy / nll_loss")
    measured, values = r["measured"], r["unmeasured_values"]
    shrunk = [m for m in measured if m["grad_norm"] < m["correct_grad_norm"]]
    wrong_values = [v for v in values if abs(v["loss"] - v["correct_loss"]) > 1e-3 * max(
        1.0, abs(v["correct_loss"]))]
    if r["probability_calls"] and measured:
        hazard = len(shrunk) == len(measured)
    else:
        hazard = bool(r["probability_calls"]) and bool(values) and len(wrong_values) == len(values)
    head = (f"{r['probability_calls']} of {r['calls']} loss calls got probabilities (rows >= 0 "
            f"summing to 1)")
    if measured:
        ratio = sum(m["grad_norm"] / max(m["correct_grad_norm"], 1e-300) for m in measured)
        detail = (f"{head}; in the run's backward passes the gradient reaching the logits "
                  f"(via the {measured[0]['via']}) was {ratio / len(measured):.2f}x what the "
                  f"correct loss sends, on average over {len(measured)} measured calls "
                  f"({len(shrunk)} smaller)")
    elif values:
        first = values[0]
        detail = (f"{head}, none back-propagated; the run computed {first['kind']} = "
                  f"{first['loss']:.4f} where the correct loss is {first['correct_loss']:.4f}")
    else:
        detail = head
    return Evidence(hazard, detail, r)
