"""Unit tests of torchlint.facts.inline: a same-file helper read at the call that
inlines it, and the same-file method a call on an instance runs."""
from __future__ import annotations

import ast
import textwrap

from torchlint.facts import inline, loops
from torchlint.semantic import SemanticModel


def model(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


def call_site(m: SemanticModel, text: str):
    return next(s for s in m.sites if s.is_call and ast.unparse(s.node) == text)


def helper_sites(m: SemanticModel, call_text: str):
    """(site, via) of the helper called by ``call_text``, as SemanticModel.sites_in gives them."""
    caller = call_site(m, call_text)
    return [(s, v) for s, v in m.sites_in(caller.function) if v and v[-1] is caller]


def test_parameters_conditions_and_loop_elements_at_the_inlining_call():
    m = model(
        """
        def helper(xs, mode, flag=True, *, phase="val"):
            for x in xs:
                if mode == "train":
                    go(x)
                if not flag:
                    stop(x)
                if phase in ("val", "test"):
                    check(x)

        def main(a, b, rest):
            helper([a, b], "train")
            helper((a,), "eval", False, phase="train")
            helper(rest, *rest)
        """
    )
    first = {ast.unparse(s.node): (s, v) for s, v in helper_sites(m, "helper([a, b], 'train')")}
    assert {t: inline.runs(m, *sv) for t, sv in first.items()} == {
        "go(x)": True, "stop(x)": False, "check(x)": True}
    s, v = first["go(x)"]
    assert [ast.unparse(e) for e, _ in inline.elements(m, s.node.args[0], s, v)] == ["a", "b"]
    flag = ast.parse("flag").body[0].value
    assert inline.constant(m, flag, s.scope, v) is True  # the default, surely not passed
    call = "helper((a,), 'eval', False, phase='train')"
    second = {ast.unparse(s.node): (s, v) for s, v in helper_sites(m, call)}
    assert {t: inline.runs(m, *sv) for t, sv in second.items()} == {
        "go(x)": False, "stop(x)": True, "check(x)": False}
    third = {ast.unparse(s.node): (s, v) for s, v in helper_sites(m, "helper(rest, *rest)")}
    assert all(inline.runs(m, *sv) for sv in third.values())  # nothing known: may run
    s, v = third["go(x)"]
    assert inline.elements(m, s.node.args[0], s, v) is None
    assert inline.constant(m, flag, s.scope, v) is inline.UNKNOWN


def test_the_same_file_method_a_call_on_an_instance_runs():
    m = model(
        """
        import torch.nn as nn

        class Layer(nn.Module):
            def train(self, x):
                pass

        class Block(nn.Module):
            pass

        class Runner:
            def fit(self):
                pass

        runner = Runner()
        runner.fit()
        for layer in [Layer(), Layer().to("cpu")]:
            layer.train(1)
        for i, layer in enumerate([Layer() for _ in range(3)]):
            layer.train(2)
        for layer in nn.ModuleList([Layer(), Layer()]):
            layer.train(3)
        for block in [Block(), Block()]:
            block.train()
        for mixed in [Layer(), Block()]:
            mixed.train(4)
        for unknown in make():
            unknown.train(5)
        """
    )
    got = {t: getattr(inline.instance_method(m, call_site(m, t)), "name", None)
           for t in ("runner.fit()", "layer.train(1)", "layer.train(2)", "layer.train(3)",
                     "block.train()", "mixed.train(4)", "unknown.train(5)")}
    assert got == {"runner.fit()": "fit", "layer.train(1)": "train", "layer.train(2)": "train",
                   "layer.train(3)": "train", "block.train()": None,  # nn.Module's mode switch
                   "mixed.train(4)": None, "unknown.train(5)": None}


def test_a_loop_over_layers_whose_train_method_steps_is_a_training_loop():
    src = """
        import torch
        from torch import nn

        class Layer(nn.Linear):
            def __init__(self):
                super().__init__(4, 4)
                self.opt = torch.optim.SGD(self.parameters(), lr=0.1)

            def train(self, x):
                self.forward(x).sum().backward()
                self.opt.step()
                return x

        class Plain(nn.Linear):
            pass

        layers = [Layer(), Layer()]
        plain = [Plain(4, 4), Plain(4, 4)]
        opt = torch.optim.SGD([p for q in plain for p in q.parameters()], lr=0.1)
        for x in data:
            for layer in layers:
                x = layer.train(x)
        for x in data:
            for net in plain:
                net.train(True)
        """
    m = model(src)
    found = {ast.unparse(lp.node.iter): [e.kind for e in loops.resolved(m, evs)]
             for lp, evs in loops.training_loops(m)}
    assert found == {"data": [loops.BACKWARD, loops.STEP], "layers": [loops.BACKWARD, loops.STEP]}
    step = next(e for e in loops.training_loops(m).__next__()[1] if e.kind == loops.STEP)
    assert ast.unparse(step.anchor) == "layer.train(x)"  # reported through the call in the loop
