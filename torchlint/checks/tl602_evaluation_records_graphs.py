"""TL602: an eval-mode loop that still records autograd graphs (see rules/TL602/spec.md)."""
from __future__ import annotations

from typing import Iterator

from torchlint.facts import loops, modes
from torchlint.config import Config
from torchlint.rule import Rule, Violation
from torchlint.semantic import SemanticModel


class EvaluationRecordsGraphs(Rule):
    """Evaluation loop with model.eval() but neither torch.no_grad() nor inference_mode()."""

    code = "TL602"
    name = "evaluation-records-graphs"
    fix = "mixed"  # torchlint/fix/tl602.py
    message = "eval-mode {what} records autograd graphs"
    hint = "wrap {it} in torch.no_grad()"

    def check(self, m: SemanticModel, config: Config) -> Iterator[Violation]:
        for found in loops.inference_loops(m):
            # a loop partly under no_grad shows the author chose where graphs are
            # recorded; a frozen model (requires_grad False) records none; a
            # backward() after the loop may use the graphs
            if found.grad_off or modes.freezes_parameters(m) or modes.backward_follows(m, found.loop):
                continue
            reported = set()
            for fw in found.forwards:
                if fw.grad is not True or modes.mode_at(m, fw.site, fw.via, fw.module) != modes.EVAL:
                    continue
                where = modes.no_grad_target(m, found, fw)
                if id(where) in reported:
                    continue
                reported.add(id(where))
                module = modes.text(fw.module)
                if where is found.loop.node:
                    yield self.violation(where, what=f"loop over {module}(...)", it="it")
                    break
                # one loop that trains and evaluates (a helper serving both): the call
                yield self.violation(where, what=f"call {modes.text(where.func)}(...) over {module}(...)",
                                     it="this call (not the loop, which also trains)")
