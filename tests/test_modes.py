"""Unit tests of the TL6xx facts: evaluation-loop discovery and autograd mode
(torchlint.loops), training/eval mode flow, module identity and mode dependence
(torchlint.modes)."""
from __future__ import annotations

import ast
import textwrap

import pytest

from torchlint.facts import loops, modes
from torchlint.semantic import SemanticModel

HEADER = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.fc(x))
"""


def model(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(HEADER + textwrap.dedent(src)))


def loops_found(m):
    return {ast.unparse(il.loop.node.iter) if hasattr(il.loop.node, "iter") else "while": il
            for il in loops.inference_loops(m)}


def test_inference_loops_and_their_evidence():
    m = model(
        """
        net = Net()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        with torch.no_grad():
            for a in xs:
                net(a)
        for b in val_loader:
            net(b)
        for c in batches:
            net(c)
        for d in train_loader:
            net(d).sum().backward()
            opt.step()
        for e in xs:
            torch.autograd.grad(net(e).sum(), e)
        for f in xs:
            print(f)
        """
    )
    found = loops_found(m)
    assert set(found) == {"xs", "val_loader", "batches"}
    assert found["xs"].grad_off and found["xs"].is_evaluation
    assert found["val_loader"].held_out and not found["val_loader"].grad_off
    assert not found["batches"].is_evaluation
    assert found["batches"].forwards[0].grad is True


@pytest.mark.parametrize("iterable, held_out", [
    ("val_loader", True), ("enumerate(tqdm(testloader))", True), ('dataloaders["val"]', True),
    ("self.dev_iter", True), ("dm.val_dataloader()", True), ("values", False),
    ("latest_batches", False), ("devices", False),
])
def test_held_out_data_names(iterable, held_out):
    m = model(f"from tqdm import tqdm\nnet = Net()\nfor x in {iterable}:\n    net(x)\n")
    (il,) = loops.inference_loops(m)
    assert il.held_out is held_out


def test_grad_mode_through_decorators_and_callers():
    m = model(
        """
        @torch.no_grad()
        def a(net, xs):
            for x in xs:
                net(x)

        def b(net, xs):
            for x in xs:
                net(x)

        def c(net, xs):
            for x in xs:
                net(x)

        def run():
            net = Net()
            a(net, [])
            with torch.inference_mode():
                b(net, [])
            b(net, []) if False else None
            c(net, [])

        class Lit(nn.Module):
            def helper(self, xs):
                for x in xs:
                    self.fc(x)

        run()
        """
    )
    by_function = {il.loop.function.name: il for il in loops.inference_loops(m)}
    assert by_function["a"].forwards[0].grad is False
    assert by_function["b"].forwards[0].grad is None  # one caller under no_grad, one not
    assert by_function["c"].forwards[0].grad is True
    assert "helper" not in by_function  # a loop in an nn.Module method is the model's own


def mode_calls(m):
    return {ast.unparse(s.node): modes.mode_call(m, s) for s in m.sites
            if isinstance(s.node.func, ast.Attribute) and s.node.func.attr in ("eval", "train")}


def test_mode_calls():
    m = model(
        """
        class Trainer:
            def train(self, n):
                pass
        net = Net()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        net.eval(); net.train(); net.train(False); net.train(mode=True); net.train(flag)
        Trainer().train(3)
        opt.train()
        """
    )
    assert mode_calls(m) == {
        "net.eval()": modes.EVAL, "net.train()": modes.TRAIN, "net.train(False)": modes.EVAL,
        "net.train(mode=True)": modes.TRAIN, "net.train(flag)": modes.UNKNOWN,
        "Trainer().train(3)": None, "opt.train()": None,
    }


def forward_modes(m):
    """mode_at for the first forward of every inference loop, by the loop's function."""
    out = {}
    for il in loops.inference_loops(m):
        fw = il.forwards[0]
        name = il.loop.function.name if il.loop.function else "<module>"
        out[name] = modes.mode_at(m, fw.site, fw.via, fw.module)
    return out


def test_mode_flow_helpers_callers_loops_and_origins():
    m = model(
        """
        def set_eval(module):
            module.eval()

        def ev_helper(net, xs):
            set_eval(net)
            for x in xs:
                net(x)

        def ev_caller(net, xs):
            for x in xs:
                net(x)

        def ev_wrap(net, xs):
            for x in xs:
                net(x)

        def ev_fresh(net, xs):
            for x in xs:
                net(x)

        def mc_dropout(net, xs):
            net.train()
            for x in xs:
                net(x)

        def ev_loaded(xs):
            net = nn.DataParallel(torch.load("m.pt"))
            for x in xs:
                net(x)

        class Holder:
            def __init__(self):
                self.net = Net()

            def method(self, xs):
                for x in xs:
                    self.net(x)

        def main():
            net = Net()
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            ev_fresh(net, [])
            ev_helper(net, [])
            net.eval()
            ev_caller(net, [])
            for epoch in range(3):
                ev_wrap(net, [])
                net.train()
                net(1).sum().backward()
                opt.step()
                net.eval()
            mc_dropout(net, [])
            ev_loaded([])

        main()
        """
    )
    assert forward_modes(m) == {
        "ev_helper": modes.EVAL, "ev_caller": modes.EVAL, "ev_wrap": modes.EVAL,
        "ev_fresh": modes.TRAIN, "mc_dropout": modes.UNKNOWN, "ev_loaded": modes.UNKNOWN,
        "method": modes.UNKNOWN,
    }


def test_mode_flow_joins_paths_through_loops():
    m = model(
        """
        net = Net()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for epoch in range(2):
            net.train()
            net(1).sum().backward()
            opt.step()
            with torch.no_grad():
                for x in xs:
                    net(x)
        for epoch in range(2):
            with torch.no_grad():
                for y in ys:
                    net(y)
            net.train()
            net(1).sum().backward()
            opt.step()
        """
    )
    got = [modes.mode_at(m, il.forwards[0].site, (), il.forwards[0].module)
           for il in loops.inference_loops(m)]
    assert got == [modes.TRAIN, modes.TRAIN]


def test_same_module_through_wrappers_parameters_and_attributes():
    m = model(
        """
        from torch.nn.parallel import DistributedDataParallel as DDP
        class Box:
            def __init__(self, model):
                self.model = model
        net = Net().to("cpu")
        ddp = DDP(net)
        other = Net()
        box = Box(ddp)
        unknown = make()
        ddp.module.eval()
        """
    )

    def name(text):
        return ast.parse(text, mode="eval").body
    scope = m.module_scope
    assert modes.same_module(m, name("ddp.module"), scope, name("net"), scope) == modes.YES
    assert modes.same_module(m, name("ddp"), scope, name("other"), scope) == modes.NO
    assert modes.same_module(m, name("unknown"), scope, name("net"), scope) == modes.NO
    assert modes.same_module(m, name("undefined"), scope, name("net"), scope) == modes.MAYBE
    init = next(f for f in m.functions.values() if f.name == "__init__" and f.cls.name == "Box")
    assert modes.same_module(m, name("self.model"), init.scope, name("net"), scope) == modes.YES
    assert modes.is_fresh(m, name("ddp"), scope) and not modes.is_fresh(m, name("unknown"), scope)


@pytest.mark.parametrize("build, dependent", [
    ("Net()", True),
    ("nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))", True),
    ("nn.Sequential(nn.Linear(2, 2), nn.ReLU())", False),
    ("nn.LSTM(2, 2, num_layers=2, dropout=0.1)", True),
    ("nn.LSTM(2, 2)", False),
    ("nn.InstanceNorm2d(3)", False),
    ("Plain()", False),
    ("UsesFlag()", True),
    ("SpacedFlag()", True),
    ("SaysTraining()", False),
    ("Wraps()", True),
    ("Helpers()", True),
    ("torchvision.models.resnet18()", True),
    ("make()", False),
])
def test_mode_dependence(build, dependent):
    m = model(
        f"""
        import torchvision
        def conv_bn(c):
            return nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c))
        class Plain(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)
        class UsesFlag(nn.Module):
            def forward(self, x):
                return F.dropout(x, 0.2, training=self.training)
        class SpacedFlag(nn.Module):
            def forward(self, x):  # the attribute written with blanks, a line join, a comment
                if self . training or (self.  # mode
                                       training) or self.\\
                        training:
                    x = x * 2
                return x
        class SaysTraining(nn.Module):
            "Used in training."
            def training_step(self, batch):
                return batch.training_loss
        class Wraps(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = nn.ModuleList([Net() for _ in range(2)])
        class Helpers(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = conv_bn(3)
        built = {build}
        """
    )
    expr = ast.parse("built", mode="eval").body
    assert modes.mode_dependent(m, expr, m.module_scope) is dependent


def test_evals_left_on_and_restored():
    m = model(
        """
        def evaluate(net):
            net.eval()

        def restore(net):
            net.train()

        net = Net()
        teacher = Net()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for epoch in range(2):
            for x in xs:
                net(x).sum().backward()
                opt.step()
            evaluate(net)
            teacher.eval()
        for epoch in range(2):
            for x in xs:
                net(x).sum().backward()
                opt.step()
            net.eval()
            restore(net)
        """
    )
    found = modes.evals_left_on(m)
    assert [ast.unparse(f.call.anchor) for f in found] == ["evaluate(net)"]
    assert ast.unparse(found[0].module) == "net"


def test_subclass_of_a_torch_nn_layer_is_a_module():
    m = model(
        """
        class Seq(nn.Transformer):
            pass
        class NotOne:
            pass
        built = Seq()
        """
    )
    by = {c.name: c for c in m.classes.values()}
    assert m.is_nn_module(by["Seq"]) and not m.is_nn_module(by["NotOne"])
    expr = ast.parse("built", mode="eval").body
    assert "module" in m.kinds(expr, m.module_scope)
    assert modes.mode_dependent(m, expr, m.module_scope)


def test_eval_chosen_per_iteration_by_if_else_is_not_left_on():
    m = model(
        """
        net = Net()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for epoch in range(2):
            for phase in ("train", "val"):
                if phase == "train":
                    net.train()
                else:
                    net.eval()
                for x in data[phase]:
                    loss = net(x).sum()
                    if phase == "train":
                        loss.backward()
                        opt.step()
        """
    )
    assert modes.evals_left_on(m) == []


def _no_grad_targets(m):
    return sorted({ast.unparse(modes.no_grad_target(m, found, fw)).split("\n")[0]
                   for found in loops.inference_loops(m) for fw in found.forwards
                   if modes.mode_at(m, fw.site, fw.via, fw.module) == modes.EVAL})


def test_no_grad_target_of_a_helper_shared_by_training_and_evaluation():
    # the step is out of sight (an imported loss object): the epoch loop looks like an
    # inference loop, but it trains too, so no_grad belongs at the eval-mode call
    shared = """
    def run_epoch(data, net, compute):
        for x, y in data:
            compute(net(x), y)

    net = Net()
    for epoch in range(3):
        net.train()
        run_epoch(train_data, net, Compute(opt))
        net.eval()
        run_epoch(val_data, net, Compute(None))
    """
    assert _no_grad_targets(model(shared)) == ["run_epoch(val_data, net, Compute(None))"]
    # evaluation only: the loop (and the helper's own loop, in eval mode at its one call)
    only_eval = shared.replace("        net.train()\n        run_epoch(train_data, net, Compute(opt))\n", "")
    assert _no_grad_targets(model(only_eval)) == ["for epoch in range(3):", "for x, y in data:"]
    # train() on another module does not make the loop train this one
    other = shared.replace("net.train()", "other.train()")
    assert _no_grad_targets(model(other)) == ["for epoch in range(3):"]


def test_mode_calls_read_at_the_call_that_inlines_their_helper():
    """A helper's mode calls read with its parameters bound at each call (facts/inline):
    the flag (``m.train(train)``), the modules a loop over a literal list sets, and the
    branch a mode string selects; unknown arguments keep the helper's own reading."""
    m = model(
        """
        enc, dec, head = Net(), Net(), Net()

        def set_mode(models, train=True):
            for net in models:
                net.train(train)

        def set_phase(model, phase):
            if phase == "train":
                model.train()
            elif phase in ("val", "test"):
                model.eval()

        def main(flag, *rest):
            set_mode([enc, dec], False)
            set_mode((head,))
            set_phase(head, "val")
            set_phase(enc, "train")
            set_mode(*rest)
            for net in [enc, dec]:
                net.eval()
            nets = [head]
            set_mode(nets, flag)
        """
    )
    main = next(f for f in m.functions.values() if f.name == "main")
    got = []
    for site, via in modes.expand(m, main.sites):
        call = modes.mode_in(m, site, via)
        if call is not None:
            got.append((ast.unparse(call.anchor), call.mode,
                        [ast.unparse(r) for r, _ in call.receivers]))
    assert got == [
        ("set_mode([enc, dec], False)", modes.EVAL, ["enc", "dec"]),
        ("set_mode((head,))", modes.TRAIN, ["head"]),
        ("set_phase(head, 'val')", modes.EVAL, ["head"]),
        ("set_phase(enc, 'train')", modes.TRAIN, ["enc"]),
        ("set_mode(*rest)", modes.UNKNOWN, ["net"]),  # nothing known: the helper's own reading
        ("net.eval()", modes.EVAL, ["enc", "dec"]),
        ("set_mode(nets, flag)", modes.UNKNOWN, ["head"]),
    ]
    head = next(s for s in m.module_sites if s.is_call and ast.unparse(s.node) == "Net()")
    evals = [c for c in (modes.mode_in(m, s, v) for s, v in modes.expand(m, main.sites)) if c]
    enc_expr = ast.parse("enc").body[0].value
    assert [c.sets(m, enc_expr, head.scope) for c in evals[:4]] == [modes.YES, modes.NO, modes.NO, modes.YES]
