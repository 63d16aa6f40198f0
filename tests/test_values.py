"""Unit tests of torchlint.values: backward tensors, graph-carrying names, softmax output,
loss calls and accumulations."""
from __future__ import annotations

import ast
import textwrap

from torchlint.facts import autograd, loops, values
from torchlint.semantic import SemanticModel


def model(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


def call(m: SemanticModel, text: str):
    return next(s for s in m.sites if s.is_call and ast.unparse(s.node) == text)


def test_backward_tensor_and_roots():
    m = model(
        """
        import torch
        from accelerate import Accelerator
        acc = Accelerator()
        scaler = torch.amp.GradScaler()
        loss.backward()
        scaler.scale(l2 / k).backward()
        acc.backward(l3)
        torch.autograd.backward(l4)
        """
    )
    texts = ["loss.backward()", "scaler.scale(l2 / k).backward()", "acc.backward(l3)",
             "torch.autograd.backward(l4)"]
    roots = [sorted(n.id for n in values.grad_roots(values.backward_tensor(m, call(m, t))))
             for t in texts]
    assert roots == [["loss"], ["k", "l2"], ["l3"], ["l4"]]
    for text, expected in [("loss.item()", []), ("loss.detach() + x", ["x"]),
                           ("loss.mean() * n.size(0)", ["loss"]), ("float(loss)", [])]:
        assert [n.id for n in values.grad_roots(ast.parse(text).body[0].value)] == expected


def test_carries_graph_through_helper_returns():
    m = model(
        """
        def step(x):
            loss = f(x)
            loss.backward()
            return loss
        def other(x):
            out = f(x)
            return out
        def main():
            a = step(1)
            b = other(1)
            total = a + b
        """
    )
    main = next(f for f in m.functions.values() if f.name == "main")
    expr = ast.parse("a + b").body[0].value
    assert values.carries_graph(m, expr, main.scope) == "a"
    assert values.carries_graph(m, ast.parse("b").body[0].value, main.scope) is None


SOFTMAX_SRC = """
import torch
import torch.nn.functional as F
from torch import nn

class Soft(nn.Module):
    def forward(self, x):
        y = self.fc(x)
        return F.softmax(y, 1)

class Mixed(nn.Module):
    def forward(self, x):
        if self.training:
            return x
        return x.softmax(1)

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.sm = nn.Softmax(1)
        self.lsm = nn.LogSoftmax(1)
    def run(self, x):
        a = self.sm(x)
        b = self.lsm(x)
        return a, b

seq = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1)).to("cpu")
soft, mixed = Soft(), Mixed()
p1 = soft(x)
p2 = mixed(x)
p3 = seq(x)
p4 = torch.log(F.softmax(x, 1))
p5 = x.softmax(1).float()
p6 = F.log_softmax(x, 1)
crit = nn.CrossEntropyLoss()
nll = nn.NLLLoss()
crit(p1, y)
nll(p6, y)
F.cross_entropy(p5, y)
nn.BCELoss()(p1, y)
"""


def test_softmax_values():
    m = model(SOFTMAX_SRC)
    scope = m.module_scope

    def soft(name):
        return values.is_softmax(m, ast.Name(id=name, ctx=ast.Load()), scope)
    assert [soft(f"p{i}") for i in range(1, 7)] == [True, False, True, False, True, False]
    head = next(c for c in m.classes.values() if c.name == "Head").methods["run"]
    a, b = head.returns[0].elts
    assert values.is_softmax(m, a, head.scope) and not values.is_softmax(m, b, head.scope)


def test_may_hold_softmax_reads_identifiers_as_python_does():
    """TL701's file-level gate: the text names softmax, or holds non-ASCII characters (an
    identifier is NFKC-normalized: ``F.\uff53\uff4f\uff46\uff54\uff4d\uff41\uff58`` is ``F.softmax``)."""
    def gate(src):
        return values.may_hold_softmax(SemanticModel(ast.parse(src), lines=src.splitlines(True)))
    assert not gate("import torch.nn.functional as F\nloss = F.cross_entropy(x, y)\n")
    assert gate("import torch.nn.functional as F\np = F.softmax(x, 1)\n")
    fullwidth = "import torch.nn.functional as F\np = F.\uff53\uff4f\uff46\uff54\uff4d\uff41\uff58(x, 1)\n"
    assert ast.parse(fullwidth).body[1].value.func.attr == "softmax" and gate(fullwidth)


ROWS_SRC = """
import torch
import torch.nn.functional as F
from torch import nn

ls = nn.LogSoftmax(dim=1)
a = torch.softmax(s, dim=-1)
b = torch.softmax(s, dim=0)
c = F.softmax(s)
d = s.softmax(2)
for r1 in a:
    use(r1)
for r2 in b:
    use(r2)
for r3 in c:
    use(r3)
for r4 in d:
    use(r4)
for r5 in d.view(-1, 3):
    use(r5)
for blk in d:
    for r6 in blk:
        use(r6)
for blk2 in a:
    for r7 in blk2:
        use(r7)
for i, r8 in enumerate(a):
    use(r8)
use(torch.exp(F.log_softmax(s, 1)))
use(ls(s).exp())
use(torch.exp(s))
use(F.log_softmax(s, 1).exp().view(-1))
use(a.transpose(0, 1))
use(c.reshape(-1, 4))
use(torch.exp(F.softmax(s, 1)))
"""


def test_softmax_rows_exp_and_reshapes():
    m = model(ROWS_SRC)
    uses = [s for s in m.sites if s.is_call and ast.unparse(s.node.func) == "use"]
    got = {ast.unparse(s.node.args[0]): values.is_softmax(m, s.node.args[0], s.scope) for s in uses}
    assert got == {
        "r1": True, "r2": False,  # rows of softmax(dim=-1) are distributions; of dim=0 not
        "r3": False, "r4": True,  # no dim given: which one is unknown; dim=2 survives a row
        "r5": False,  # a reshaped tensor's rows: not followed
        "r6": True, "r7": True, "r8": True,  # rows of rows (dim 2, dim -1), enumerate
        "torch.exp(F.log_softmax(s, 1))": True, "ls(s).exp()": True, "torch.exp(s)": False,
        "F.log_softmax(s, 1).exp().view(-1)": True, "a.transpose(0, 1)": False,
        "c.reshape(-1, 4)": True, "torch.exp(F.softmax(s, 1))": False,
    }
    lsm = next(s for s in uses if ast.unparse(s.node.args[0]) == "ls(s).exp()").node.args[0].func.value
    assert values.is_log_softmax(m, lsm, m.module_scope)


def test_loss_called():
    m = model(SOFTMAX_SRC)
    scope = m.module_scope
    assert values.loss_called(m, call(m, "crit(p1, y)").node, scope) == ("cross_entropy", False)
    assert values.loss_called(m, call(m, "nll(p6, y)").node, scope) == ("nll_loss", False)
    assert values.loss_called(m, call(m, "F.cross_entropy(p5, y)").node, scope) == ("cross_entropy", True)
    assert values.loss_called(m, call(m, "nn.BCELoss()(p1, y)").node, scope) is None
    assert values.loss_called(m, call(m, "nn.CrossEntropyLoss()").node, scope) is None


def test_accumulations_and_carried_across():
    m = model(
        """
        import torch
        opt = torch.optim.SGD([], lr=0.1)
        total = 0.0
        items = []
        for x in data:
            fresh = 0
            loss = f(x)
            loss.backward()
            opt.step()
            total += loss
            fresh = fresh + loss
            items.append(loss)
            total = total + loss.item()
        """
    )
    (loop,) = m.loops
    assert loops.is_training(loops.events(m, loop))
    accs = values.accumulations(m, loop)
    assert [a.target.id for a in accs] == ["total", "fresh", "total", "items"]
    carried = [values.carried_across(m, a, loop.scope) for a in accs]
    assert carried == [True, False, True, True]
    assert values.optimizer_param_owners(m, ast.Name(id="opt", ctx=ast.Load()), loop.scope) == set()


def test_records_graph_needs_every_caller_with_grad():
    m = model(
        """
        import torch
        def a(x):
            return f(x)
        def b(x):
            return f(x)
        def never_called(x):
            return f(x)
        a(1)
        with torch.no_grad():
            b(1)
        b(2)
        with torch.no_grad():
            top = f(3)
        """
    )
    by = {f.name: f for f in m.functions.values()}
    assert autograd.records_graph(m, by["a"].returns[0], by["a"].scope)
    assert not autograd.records_graph(m, by["b"].returns[0], by["b"].scope)  # one caller is under no_grad
    assert not autograd.records_graph(m, by["never_called"].returns[0], by["never_called"].scope)
    top = call(m, "f(3)")
    assert not autograd.records_graph(m, top.node, top.scope)


def test_model_loss_needs_a_loss_of_a_module_output():
    m = model(
        """
        import torch
        from torch import nn
        net = nn.Linear(2, 2)
        crit = nn.MSELoss()
        crit(net(x), y)
        nn.functional.cross_entropy(net(x), y)
        crit(x, y)
        torch.dist(net(x), y)
        """
    )
    scope = m.module_scope
    texts = ("crit(net(x), y)", "nn.functional.cross_entropy(net(x), y)", "crit(x, y)",
             "torch.dist(net(x), y)")
    got = [values.model_loss(m, call(m, t).node, scope) for t in texts]
    assert got == [True, True, False, False]


def test_unpacked_loss_carries_its_graph_but_not_its_siblings():
    m = model(
        """
        import torch
        opt = torch.optim.SGD([], lr=0.1)
        total = parts = 0.0
        for x in data:
            loss, part = criterion(x)
            loss.backward()
            opt.step()
            total += loss
            parts += part
        """
    )
    (loop,) = m.loops
    accs = {a.name: a for a in values.accumulations(m, loop)}
    assert values.carries_graph(m, accs["total"].value, loop.scope, "total") == "loss"
    assert values.carries_graph(m, accs["parts"].value, loop.scope, "parts") is None


def test_subscripted_accumulations():
    m = model(
        """
        stats, hist, totals, other = {"l": []}, [0.0], {"k": 0.0}, {"k": 0.0}
        for i in range(3):
            stats["l"].append(loss)
            hist[i] += loss
            totals["k"] = totals["k"] + loss
            totals["k"] = other["k"] + loss
            stats["l"] = loss
        """
    )
    (loop,) = m.loops
    accs = values.accumulations(m, loop)
    assert [(ast.unparse(a.target), a.name) for a in accs] == [
        ("hist[i]", "hist"), ("totals['k']", "totals"), ("stats['l']", "stats")]
    assert all(values.carried_across(m, a, loop.scope) for a in accs)


def test_ruled_out_by_constant_arguments():
    m = model(
        """
        def step(batch, train, mode="fit", scale=1):
            if train:
                a(batch)
            if not train and mode == "fit":
                b(batch)
            if mode != "fit":
                return None
            c(batch)
            if scale:
                d(batch)
        step(x, False)
        step(x, train=True, mode="eval")
        step(x, flag)
        step(x, *rest)
        """
    )
    fn = next(f for f in m.functions.values() if f.name == "step")
    inner = {ast.unparse(s.node.func): s for s in fn.sites}

    def out(call_text):
        c = call(m, call_text)
        return sorted(name for name, s in inner.items() if values.ruled_out(m, (c, s)))

    assert out("step(x, False)") == ["a"]
    assert out("step(x, train=True, mode='eval')") == ["b", "c", "d"]
    assert out("step(x, flag)") == []
    assert out("step(x, *rest)") == []


def test_module_methods_that_compute_gradients():
    m = model(
        """
        import torch
        from torch import nn
        class Net(nn.Module):
            def forward(self, x):
                return x
            def compute_grads(self, x):
                self.helper(x)
            def helper(self, x):
                torch.autograd.backward(self(x).sum())
            def train_step(self, x, opt):
                self(x).sum().backward()
                opt.step()
        class Plain:
            def compute_grads(self, x):
                x.backward()
        def run(model):
            model.compute_grads(x)
        net = Net().to("cpu")
        net.compute_grads(x)
        net.train_step(x, opt)
        run(net)
        Plain().compute_grads(x)
        other.compute_grads(x)
        """
    )
    assert [n for n in ("compute_grads", "helper", "train_step", "forward")
            if autograd.is_gradient_method(m, n)] == ["compute_grads", "helper"]
    computes = {ast.unparse(s.node) for s in m.sites if s.is_call and autograd.computes_gradients(m, s)}
    assert computes == {"net.compute_grads(x)", "model.compute_grads(x)"}
    ev = loops.classify(m, call(m, "net.compute_grads(x)"))
    assert ev.kind == loops.BACKWARD and ev.receiver == "net"
