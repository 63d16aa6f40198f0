"""Unit tests of torchlint.facts.clearing: which optimizer steps of a training loop no
clearing reaches (TL101 with several optimizers)."""
from __future__ import annotations

import ast
import textwrap

import pytest

from torchlint.facts import clearing, loops
from torchlint.semantic import SemanticModel


def model_of(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


# --------------------------------------------------------------- per-optimizer clearing
def _uncleared(source: str):
    m = model_of(source)
    return [e.receiver for _lp, evs in loops.training_loops(m) for e in clearing.uncleared_steps(m, evs)]


GAN = """
import torch
from torch import nn
G = nn.Sequential(nn.Linear(4, 8), nn.ReLU()){g_to}
D = {d}
opt_g = torch.optim.Adam({g_params}, lr=1e-3)
opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)
for x in data:
    {clear}
    D(x).sum().backward()
    opt_d.step()
    D(G(x)).sum().backward()
    opt_g.step()
"""


@pytest.mark.parametrize("clear, d, g_params, g_to, uncleared", [
    ("opt_d.zero_grad()", "nn.Linear(8, 1)", "G.parameters()", "", ["opt_g"]),
    ("D.zero_grad()", "nn.Linear(8, 1)", "G.parameters()", ".to('cpu')", ["opt_g"]),
    ("opt_d.zero_grad()", "nn.Linear(8, 1)", "list(G.parameters())", "", ["opt_g"]),
    ("opt_g.zero_grad(); opt_d.zero_grad()", "nn.Linear(8, 1)", "G.parameters()", "", []),
    ("G.zero_grad(); opt_d.zero_grad()", "nn.Linear(8, 1)", "G.parameters()", "", []),
    ("opt_d.zero_grad()", "G", "G.parameters()", "", []),  # the same network
    ("opt_d.zero_grad()", "G.to('cpu')", "G.parameters()", "", []),  # .to() returns G
    ("opt_d.zero_grad()", "nn.Sequential(G, nn.Linear(8, 1))", "G.parameters()", "", []),  # holds G
    ("opt_d.zero_grad()", "nn.Linear(8, 1)", "params", "", []),  # parameters from elsewhere
    ("opt_d.zero_grad()", "nn.Linear(8, 1)", "G.head.parameters()", "", ["opt_g"]),  # a part of G
    ("opt_d.zero_grad()", "G.head", "G.parameters()", "", []),  # a part of the same network
    ("opt_d.zero_grad()", "G.head", "G.body.parameters()", "", []),
    ("for p in G.parameters(): p.grad = None", "nn.Linear(8, 1)", "G.parameters()", "", []),
])
def test_clearing_one_optimizer_leaves_another_only_when_told_exactly(clear, d, g_params, g_to, uncleared):
    source = GAN.format(clear=clear.replace("; ", "\n    ").replace(": p.grad", ":\n        p.grad"),
                        d=d, g_params=g_params, g_to=g_to)
    assert _uncleared(source) == uncleared


PARTS_LOOP = """
opt_e = torch.optim.Adam(E.net.parameters())
opt_c = torch.optim.Adam(C.net.parameters())
for x in data:
    C.net(x).sum().backward()
    opt_c.step()
    opt_e.zero_grad()
    E.net(x).sum().backward()
    opt_e.step()
"""  # two optimizers, each over one part of the model; only opt_e is cleared

PARTS = """
import torch
from nets import Encoder, Critic
E = Encoder(cfg.width)
C = Critic(cfg.width, logger)
{tie}
""" + PARTS_LOOP


@pytest.mark.parametrize("tie, uncleared", [
    ("", ["opt_c"]),  # E.net is E's, C.net is C's: two objects built by two calls
    ("C.net = E.net", []),  # tied in the file: the same network
    ("E.net, C.net = shared, shared", []),  # a value that cannot be told
    ("C.net = torch.nn.Linear(4, 1)", ["opt_c"]),  # a new network: still C's own
    ("C.net = torch.nn.Sequential(E.net)", []),  # built from E's network
])
def test_parts_of_objects_built_by_different_calls_are_different(tie, uncleared):
    assert _uncleared(PARTS.format(tie=tie)) == uncleared


def test_parts_of_objects_built_from_a_shared_module_are_not_told_apart():
    source = PARTS.format(tie="").replace("Critic(cfg.width, logger)", "Critic(E, logger)")
    assert _uncleared(source) == []


# --------------------------------------------------------------- clearing in the other branch
BRANCHES = """
import torch
model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu")
def helper(o):
    o.zero_grad()
for i, x in enumerate(data):
    loss = model(x).sum()
    if {test}:
        {then}
    else:
        loss.backward()
        opt.step()
"""


@pytest.mark.parametrize("test, then, uncleared", [
    ("args.amp", "opt.zero_grad()", ["opt"]),  # one value every iteration: never both
    ("use_amp", "model.zero_grad()", ["opt"]),
    ("not args.amp", "for p in model.parameters(): p.grad = None", ["opt"]),
    ("args.amp", "helper(opt)", ["opt"]),  # clearing through a same-file helper
    ("args.amp", "unknown(opt)", ["opt"]),  # an optimizer handed away in the other branch
    ("i % 2 == 0", "opt.zero_grad()", []),  # changes between iterations: may run first
    ("flag", "opt.zero_grad()\n        flag = False", []),  # rebound inside the loop
])
def test_clearing_in_the_exclusive_branch_of_a_per_run_test_does_not_count(test, then, uncleared):
    source = BRANCHES.format(test=test, then=then.replace(": p.grad", ":\n            p.grad"))
    assert _uncleared(source) == uncleared


def test_clearing_in_a_nested_else_of_the_same_branch_counts():
    source = BRANCHES.format(test="args.amp", then="pass").replace(
        "    else:\n        loss.backward()",
        "    else:\n        if args.fast:\n            opt.zero_grad()\n        loss.backward()")
    assert _uncleared(source) == []


@pytest.mark.parametrize("call, uncleared", [
    ("scaler.unscale_(opt)", ["opt"]),  # rescales .grad, clears nothing
    ("scaler.update()", ["opt"]),
    ("clip_helper(opt)", []),  # an optimizer handed to unknown code may be cleared there
])
def test_grad_scaler_methods_do_not_clear(call, uncleared):
    source = f"""
import torch
model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu")
for x in data:
    scaler.scale(model(x).sum()).backward()
    {call}
    scaler.step(opt)
"""
    assert _uncleared(source) == uncleared


IN_FILE_WRAPPERS = """
import torch
from torch import nn
class Encoder:
    def __init__(self, width):
        self.net = nn.Linear(width, width)
class Critic:
    def __init__(self, width, trunk=None):
        self.net = {critic_net}
E = Encoder(4)
C = Critic({critic_args})
""" + PARTS_LOOP


@pytest.mark.parametrize("critic_net, critic_args, uncleared", [
    ("nn.Linear(width, 1)", "4", ["opt_c"]),  # each class sets its own part
    ("trunk", "4, E.net", []),  # the critic holds the encoder's network
    ("nn.Sequential(trunk, nn.Linear(width, 1))", "4, E.net", []),
])
def test_parts_set_by_same_file_classes(critic_net, critic_args, uncleared):
    source = IN_FILE_WRAPPERS.format(critic_net=critic_net, critic_args=critic_args)
    assert _uncleared(source) == uncleared


@pytest.mark.parametrize("loop", [
    "for x in data:\n    opt.zero_grad()\n    net(x).sum().backward()\n    opt.step()\n",
    "for x in data:\n    opt.zero_grad()\n    scaler.scale(net(x).sum()).backward()\n    scaler.step(opt)\n",
    "for opt in [opt, torch.optim.SGD(net.parameters(), lr=0.1)]:\n    opt.zero_grad()\n"
    "    net(x).sum().backward()\n    opt.step()\n",
    "def epoch(opt):\n    for x in data:\n        opt.zero_grad()\n        net(x).sum().backward()\n"
    "        opt.step()\nepoch(opt)\n",
])
def test_a_clearing_on_the_stepped_name_is_what_the_full_analysis_finds(loop):
    """The shortcut (the very name the step steps, the same bindings) must agree with
    following both optimizers: the clearing never misses the step."""
    m = model_of("import torch\nnet = torch.nn.Linear(2, 1)\n"
                 "opt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
                 "scaler = torch.cuda.amp.GradScaler()\n" + loop)
    [(_lp, evs)] = loops.training_loops(m)
    [step] = [e for e in evs if e.kind == loops.STEP]
    [clear] = [e for e in evs if e.kind == loops.ZERO_GRAD]
    assert clearing._clears_the_stepped_name(m, clear, step)
    stepped = clearing._stepped_modules(m, step)
    assert stepped is None or not clearing._misses(m, clear, stepped)
    assert clearing.uncleared_steps(m, evs) == []


def test_a_name_bound_again_before_the_step_is_followed():
    m = model_of("""
        import torch
        g, d = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(g.parameters(), lr=0.1)
        for x in data:
            opt.zero_grad()
            d(g(x)).sum().backward()
            opt = torch.optim.SGD(d.parameters(), lr=0.1)
            opt.step()
        """)
    [(_lp, evs)] = loops.training_loops(m)
    [step] = [e for e in evs if e.kind == loops.STEP]
    [clear] = [e for e in evs if e.kind == loops.ZERO_GRAD]
    assert not clearing._clears_the_stepped_name(m, clear, step)  # other bindings: followed
