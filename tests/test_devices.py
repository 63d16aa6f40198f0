"""Unit tests of the device facts (torchlint/devices.py) used by TL201 and TL202."""
from __future__ import annotations

import ast
import textwrap

import pytest

from torchlint.facts import devices, forward
from torchlint.semantic import SemanticModel


def model(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


def calls(m: SemanticModel, text: str):
    """Sites whose call source starts with ``text``."""
    return [s for s in m.sites if s.is_call and ast.unparse(s.node).startswith(text)]


@pytest.mark.parametrize(
    "call, expected",
    [
        ("x.to('cpu')", devices.CPU),
        ("x.cpu()", devices.CPU),
        ("x.cuda()", devices.ACCELERATOR),
        ("x.to('cuda:1')", devices.ACCELERATOR),
        ("x.to(0)", devices.ACCELERATOR),
        ("x.to(torch.float16)", devices.DTYPE),
        ("x.to(dtype=torch.float16)", devices.DTYPE),
        ("x.to(device)", devices.ACCELERATOR),  # device = "cuda" if ... else "cpu"
        ("x.to(cpu_only)", devices.CPU),
        ("x.to(args.device)", devices.DEVICE),
        ("x.to(f'cuda:{rank}')", devices.ACCELERATOR),
        ("x.to(y.device)", devices.LIKE),
    ],
)
def test_move_target(call, expected):
    m = model(
        f"""
        import torch
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        cpu_only = torch.device("cpu")
        y = torch.zeros(3)
        {call}
        """
    )
    site = calls(m, call.split("(")[0] + "(")[-1]
    assert devices.move_target(m, site.node, site.scope) == expected


def test_selects_device():
    assert devices.selects_device(model("import torch\nx = torch.zeros(2).to('cuda')"))
    assert devices.selects_device(model("import torch\nok = torch.cuda.is_available()"))
    assert devices.selects_device(model("import torch\nd = torch.accelerator.current_accelerator()"))
    assert not devices.selects_device(model("import torch\nx = torch.zeros(2).to('cpu')"))
    assert not devices.selects_device(model("import torch\nx = torch.zeros(2, device=None)"))


SCRIPT = """
import torch
from torch.utils.data import DataLoader, TensorDataset
ds = TensorDataset(torch.randn(4, 2), torch.randn(4))
loader = DataLoader(ds, batch_size=2)
custom = DataLoader(ds, batch_size=2, collate_fn=my_collate)
on_gpu = DataLoader(TensorDataset(torch.randn(4, 2).cuda()), batch_size=2)
for x, y in loader:
    raw(x)
    x = x.to("cuda")
    moved(x)
for i, (a, b) in enumerate(loader):
    raw(a)
for batch in loader:
    whole(batch)
    p, q = batch
    raw(p)
    raw(batch[0])
for x2, y2 in custom:
    unknown(x2)
for (x3,) in on_gpu:
    unknown(x3)
x4, y4 = next(iter(loader))
raw(x4)
it = iter(loader)
first = next(it)
raw(first[1])
whole(first)
x5, _ = next(iter(custom))
unknown(x5)
x6, _ = next(iter([ds[0]]))
unknown(x6)
"""


def test_batch_part():
    m = model(SCRIPT)
    states = {}
    for site in m.sites:
        name = ast.unparse(site.node.func)
        if name in ("raw", "moved", "whole", "unknown"):
            states.setdefault(name, set()).add(devices.batch_part(m, site.node.args[0], site.scope))
    assert states == {"raw": {"raw"}, "moved": {"moved"}, "whole": {None}, "unknown": {None}}


def test_is_tensor():
    m = model(
        """
        import torch
        from torch import nn
        from torch.utils.data import DataLoader
        def helper(t: torch.Tensor, u):
            t.to(torch.float64)
            u.to(torch.float64)
        net = nn.Linear(2, 2)
        net.to("cpu")
        z = torch.zeros(3).float()
        z.to(torch.float64)
        for x, y in DataLoader(ds):
            x.to("cpu")
        for batch in DataLoader(ds):
            batch.to("cpu")
        """
    )
    got = {ast.unparse(s.node.func.value): devices.is_tensor(m, s.node.func.value, s.scope)
           for s in m.sites if s.node in m.statement_calls}
    assert got == {"t": True, "u": False, "net": False, "z": True, "x": True, "batch": False}


@pytest.mark.parametrize(
    "call, flagged",
    [
        ("torch.zeros(n, 3)", True),
        ("torch.zeros(n, 3, device=d)", False),
        ("torch.zeros(())", False),
        ("torch.tensor(0.5)", False),
        ("torch.tensor([1.0, 2.0])", True),
        ("torch.tensor(values)", False),
        ("torch.arange(n)", True),
        ("torch.zeros(n, **kw)", False),
        ("torch.zeros(n, **{'dtype': torch.float16})", True),
        ("torch.zeros_like(x)", False),
        ("torch.from_numpy(arr)", True),
    ],
)
def test_device_less_factory(call, flagged):
    m = model(f"import torch\n{call}")
    site = calls(m, call.split("(")[0] + "(")[0]
    assert bool(forward.device_less_factory(m, site.node, site.scope)) == flagged


def test_device_choices_and_whether_they_vary():
    m = model(
        """
        import torch
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        fixed = torch.device("cuda")
        class T:
            def __init__(self, rank):
                self.device = torch.device(f"cuda:{rank}")
        """
    )
    choices = {name: devices.choice_varies(m, value, scope)
               for name, value, scope in devices.device_choices(m)}
    assert choices == {"device": True, "fixed": False, "self.device": True}


def test_guard_tests():
    m = model(
        """
        import torch
        def f(x, use_cuda):
            if use_cuda:
                a = x.cuda()
            b = x.cuda() if torch.cuda.is_available() else x
            c = x.cuda()
        """
    )
    guarded = [any(devices.mentions_device(t) for t in devices.guard_tests(m, s.node, s.function))
               for s in calls(m, "x.cuda(")]
    assert guarded == [True, True, False]


ATTRIBUTES_SRC = """
import numpy as np
import torch
from torch import nn

class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.inherited = torch.ones(4)

class Net(Base):
    def __init__(self, n=4):
        super().__init__()
        self.table = self.make_table(n)
        self.buf = torch.zeros(n)
        self.register_buffer("buf", self.buf)
        self.weight = torch.zeros(n)
        self.weight = nn.Parameter(self.weight)
        self.lazy = torch.zeros(n)
        self.moved = torch.arange(n).float().cuda()
        self.outside = torch.zeros(n)
        self.scale = torch.tensor(2.0)

    def make_table(self, n):
        return torch.from_numpy(np.ones(n)).float()

    def forward(self, x):
        self.lazy = x.new_zeros(4)
        return x * self.table, x + self.inherited

class SelfMoving(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = torch.zeros(4)

    def _apply(self, fn, recurse=True):
        self.table = fn(self.table)
        return super()._apply(fn, recurse)

net = Net()
net.outside = net.outside.cuda()
"""


def test_cpu_attributes():
    """Plain tensor attributes made on the CPU at construction: not buffers, parameters,
    attributes set outside construction, moved, stored on another object, 0-dim, or of a
    class that moves its own tensors."""
    m = model(ATTRIBUTES_SRC)
    by = {c.name: c for c in m.classes.values()}
    assert sorted(forward.cpu_attributes(m, by["Net"])) == ["inherited", "table"]
    assert forward.cpu_attributes(m, by["SelfMoving"]) == {}
    uses = forward.factories_meeting_inputs(m, by["Net"])
    assert [(u.attribute, u.other, ast.unparse(u.at)) for u in uses] == [
        ("table", "input x", "self.table"), ("inherited", "input x", "self.inherited")]
