"""TL701 witness: does a cross-entropy / NLL loss receive probabilities instead of logits?

Inside the script: ``torch.nn.functional.cross_entropy`` and ``nll_loss`` (which
``nn.CrossEntropyLoss`` / ``nn.NLLLoss`` call) are wrapped. At every call the input
is checked: rows that are non-negative and sum to 1 over the class dimension are
probabilities (softmax output). For such a call the witness rebuilds the logits the
probabilities came from (``log p``, equal to them up to a per-row constant) and
compares, on the same batch and targets, what the script computes (the loss of the
softmax of those logits) with the correct loss (cross-entropy on the logits, i.e.
NLL on their log_softmax): the loss values, and the gradient with respect to the
logits. Softmax applied twice (or probabilities given to NLL) shrinks that
gradient: the model learns slower or not at all.
"""
from __future__ import annotations

from pathlib import Path

from torchlint.witness import Evidence, run_completed

MAX_COMPARED = 50  # calls compared in detail (the check itself is cheap)


def instrument(record) -> None:
    import torch
    import torch.nn.functional as F

    record.update(calls=0, probability_calls=0, compared=[])
    originals = {"cross_entropy": F.cross_entropy, "nll_loss": F.nll_loss}

    def is_probabilities(x) -> bool:
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.numel() == 0:
            return False
        x = x.detach()
        dim = 1 if x.dim() >= 2 else 0
        return bool((x >= 0).all()) and bool(torch.allclose(x.sum(dim), torch.ones(()), atol=1e-3))

    def compare(kind, probs, target, args, kwargs):
        dim = 1 if probs.dim() >= 2 else 0
        with torch.enable_grad():
            logits = probs.detach().double().clamp_min(1e-12).log().requires_grad_()
            tgt = target.double() if target.is_floating_point() else target
            given = torch.softmax(logits, dim)
            if kind == "cross_entropy":
                wrong = originals[kind](given, tgt, *args, **kwargs).sum()
                right = originals[kind](logits, tgt, *args, **kwargs).sum()
            else:
                wrong = originals[kind](given, tgt, *args, **kwargs).sum()
                right = originals[kind](torch.log_softmax(logits, dim), tgt, *args, **kwargs).sum()
            g_wrong, = torch.autograd.grad(wrong, logits)
            g_right, = torch.autograd.grad(right, logits)
        return {"kind": kind, "loss": float(wrong), "correct_loss": float(right),
                "grad_norm": float(g_wrong.norm()), "correct_grad_norm": float(g_right.norm())}

    def wrap(kind):
        original = originals[kind]

        def loss(input, target, *args, **kwargs):
            record["calls"] += 1
            if is_probabilities(input):
                record["probability_calls"] += 1
                if len(record["compared"]) < MAX_COMPARED:
                    record["compared"].append(compare(kind, input, target, args, kwargs))
            return original(input, target, *args, **kwargs)

        return loss

    F.cross_entropy = wrap("cross_entropy")
    F.nll_loss = wrap("nll_loss")


def observe(script: Path, **kwargs) -> Evidence:
    r = run_completed(script, "tl701", **kwargs)
    if r["calls"] == 0:
        raise RuntimeError(f"{script.name} never called cross_entropy / nll_loss")
    compared = r["compared"]
    shrunk = [c for c in compared if c["grad_norm"] < c["correct_grad_norm"]]
    hazard = r["probability_calls"] > 0 and len(shrunk) == len(compared) > 0
    if hazard:
        ratio = sum(c["grad_norm"] / c["correct_grad_norm"] for c in compared) / len(compared)
        first = compared[0]
        detail = (f"{r['probability_calls']} of {r['calls']} {first['kind']} calls got probabilities "
                  f"(rows >= 0 summing to 1); loss {first['loss']:.3f} vs correct "
                  f"{first['correct_loss']:.3f}; gradient w.r.t. the logits {ratio:.2f}x the "
                  f"correct one on average")
    else:
        detail = (f"{r['calls']} loss calls, {r['probability_calls']} on probabilities"
                  + (f", gradients not smaller ({compared[:1]})" if compared else ""))
    return Evidence(hazard, detail, r)
