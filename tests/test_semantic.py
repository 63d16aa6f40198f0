"""Unit tests of the semantic model on small sources."""
from __future__ import annotations

import ast
import textwrap

import pytest

from torchlint.facts import autograd, lightning, loops
from torchlint.semantic import SemanticModel


def model(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


def last_expr(m: SemanticModel):
    """The last top-level expression statement's value and the module scope."""
    stmt = [s for s in m.tree.body if isinstance(s, ast.Expr)][-1]
    return stmt.value, m.module_scope


@pytest.mark.parametrize(
    "src, expected",
    [
        ("import torch.optim as optim\noptim.SGD", "torch.optim.SGD"),
        ("from torch import optim\noptim.SGD", "torch.optim.SGD"),
        ("from torch.optim import SGD as O\nO", "torch.optim.SGD"),
        ("import torch\ntorch.optim.SGD", "torch.optim.SGD"),
        ("import torch.nn as nn\nnn.parallel.DistributedDataParallel",
         "torch.nn.parallel.DistributedDataParallel"),
        ("import torch.nn\ntorch.nn.Linear", "torch.nn.Linear"),
        ("from torch.nn.parallel import DistributedDataParallel as DDP\nDDP",
         "torch.nn.parallel.DistributedDataParallel"),
        ("import torch\nnn = torch.nn\nnn.Linear", "torch.nn.Linear"),
        ("next", "builtins.next"),
        ("undefined_name.x", None),
        ("from somewhere import *\nSGD", None),
        ("from .engine import fit\nfit", ".engine.fit"),
    ],
)
def test_qualified_names(src, expected):
    m = model(src)
    expr, scope = last_expr(m)
    assert m.resolve(expr, scope) == expected


def test_import_inside_function_is_scoped():
    m = model(
        """
        def f():
            import torch.optim as optim
            return optim.Adam
        optim
        """
    )
    func = next(iter(m.functions.values()))
    assert m.resolve(func.returns[0], func.scope) == "torch.optim.Adam"
    expr, scope = last_expr(m)
    assert m.resolve(expr, scope) is None


def test_parameter_shadows_import():
    m = model(
        """
        import torch.optim as optim
        def f(optim):
            return optim.SGD
        """
    )
    func = next(iter(m.functions.values()))
    assert m.resolve(func.returns[0], func.scope) is None


KINDS_SRC = """
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, DistributedSampler
from torch.optim.lr_scheduler import StepLR

class Net(nn.Module):
    def forward(self, x):
        return x

def make_loader(ds, sampler):
    return DataLoader(ds, sampler=sampler)

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Net().to(device)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
sched = StepLR(opt, 10)
sampler = DistributedSampler(ds)
loader = DataLoader(ds, sampler=sampler)
built = make_loader(ds, sampler)
scaler = torch.cuda.amp.GradScaler()
ddp = nn.parallel.DistributedDataParallel(model)
compiled = torch.compile(model)
x = torch.zeros(3)
plain = 3
"""


@pytest.mark.parametrize(
    "name, kinds",
    [
        ("device", {"device"}),
        ("model", {"module", "on_device"}),
        ("opt", {"optimizer"}),
        ("sched", {"scheduler"}),
        ("sampler", {"sampler", "distributed_sampler"}),
        ("loader", {"dataloader"}),
        ("built", {"dataloader"}),
        ("scaler", {"grad_scaler"}),
        ("ddp", {"module", "ddp"}),
        ("compiled", {"module", "on_device"}),
        ("x", {"tensor"}),
        ("plain", set()),
    ],
)
def test_binding_kinds(name, kinds):
    m = model(KINDS_SRC)
    assert set(m.kinds(ast.Name(id=name, ctx=ast.Load()), m.module_scope)) == kinds


def test_self_attribute_kinds_and_methods():
    m = model(
        """
        import torch
        class Trainer:
            def __init__(self, model):
                self.opt = torch.optim.SGD(model.parameters(), lr=0.1)
                self.scaler = torch.amp.GradScaler("cpu")
            def fit(self):
                self.opt.step()
                self.scaler.step(self.opt)
        """
    )
    (cls,) = m.classes.values()
    assert set(cls.methods) == {"__init__", "fit"}
    fit = cls.methods["fit"]
    calls = [s.node for s in fit.sites]
    assert "optimizer" in m.kinds(calls[0].func.value, fit.scope)
    assert "grad_scaler" in m.kinds(calls[1].func.value, fit.scope)


def test_parameter_kinds_from_annotation_call_sites_and_names():
    m = model(
        """
        import torch
        from torch.optim import Optimizer
        def a(o: Optimizer): pass
        def b(thing): pass
        def c(optimizer, opt_level): pass
        b(torch.optim.SGD([], lr=0.1))
        """
    )
    funcs = {f.name: f for f in m.functions.values()}

    def kinds(fn, name):
        return set(m.kinds(ast.Name(id=name, ctx=ast.Load()), funcs[fn].scope))
    assert kinds("a", "o") == {"optimizer"}
    assert kinds("b", "thing") == {"optimizer"}
    assert kinds("c", "optimizer") == {"optimizer"}
    assert kinds("c", "opt_level") == set()


def test_module_and_lightning_subclasses_through_local_bases():
    m = model(
        """
        import torch.nn as nn
        import lightning as L
        import pytorch_lightning as pl
        class Base(nn.Module): pass
        class Child(Base):
            def forward(self, x): return x
        class Lit(L.LightningModule):
            def training_step(self, batch, idx): pass
        class Lit2(pl.LightningModule): pass
        class NotAModule: pass
        class Loop(Loop2): pass
        class Loop2(Loop): pass
        """
    )
    by = {c.name: c for c in m.classes.values()}
    assert m.is_nn_module(by["Child"]) and not m.is_lightning_module(by["Child"])
    assert m.is_lightning_module(by["Lit"]) and m.is_lightning_module(by["Lit2"])
    assert not m.is_nn_module(by["NotAModule"])
    assert not m.is_nn_module(by["Loop"])  # cyclic bases terminate
    assert "training_step" in by["Lit"].methods
    assert m.method(by["Child"], "forward") is not None


def test_loops_and_bodies():
    m = model(
        """
        for epoch in range(3):
            for batch in loader:
                pass
        while True:
            break
        """
    )
    assert len(m.loops) == 3
    inner = m.loops[1]
    assert inner.parents == (m.loops[0].node,)


def test_helpers_followed_cycle_safe_and_bounded():
    m = model(
        """
        import torch
        opt = torch.optim.SGD([], lr=0.1)
        def a(loss):
            loss.backward()
            b(loss)
        def b(loss):
            opt.step()
            a(loss)
        for x in data:
            a(x)
        """
    )
    (loop,) = m.loops
    kinds = [e.kind for e in loops.events(m, loop)]
    assert kinds == ["backward", "step"]
    assert loops.is_training(loops.events(m, loop))


def test_entry_points():
    m = model(
        """
        def helper(): pass
        def main(): helper()
        def unused(): pass
        if __name__ == "__main__":
            main()
        """
    )
    assert len(m.main_guards) == 1
    assert {f.name for f in m.entry_functions()} == {"main", "helper"}
    lib = model("def f(): pass\nclass C: pass\n")
    assert not lib.has_entry_point()


def test_deep_nesting_is_bounded():
    # source can nest at most 100 blocks; a synthesised tree may nest deeper
    node = ast.Pass()
    for _ in range(400):
        node = ast.If(test=ast.Name(id="x", ctx=ast.Load()), body=[node], orelse=[])
    tree = ast.Module(body=[ast.Import(names=[ast.alias(name="torch")]), node], type_ignores=[])
    m = SemanticModel(ast.fix_missing_locations(tree))
    assert m.truncated and m.imports_torch


# --- Lightning facts (TL801/TL802) -------------------------------------------------
def _lightning_class(m, name):
    return next(c for c in m.classes.values() if c.name == name)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("def training_step(self, b, i):\n        return b", True),
        ("def __init__(self):\n        super().__init__()\n        self.automatic_optimization = False",
         False),
        ("automatic_optimization = False", False),
        ("@property\n    def automatic_optimization(self):\n        return False", False),
        ("def __init__(self, manual):\n        self.automatic_optimization = not manual", None),
        ("def __init__(self):\n        self.automatic_optimization = True", True),
    ],
)
def test_automatic_optimization(body, expected):
    m = model(f"import lightning as L\nclass M(L.LightningModule):\n    {body}\n")
    assert lightning.automatic_optimization(m, _lightning_class(m, "M")) is expected


def test_automatic_optimization_through_local_base_and_unknown_mixin():
    m = model(
        """
        import pytorch_lightning as pl
        from mylib import Mixin
        class Base(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.automatic_optimization = False
        class Child(Base):
            pass
        class Mixed(Mixin, pl.LightningModule):
            pass
        """
    )
    assert lightning.automatic_optimization(m, _lightning_class(m, "Child")) is False
    assert lightning.automatic_optimization(m, _lightning_class(m, "Mixed")) is None


def test_lightning_optimizers_accessor_is_an_optimizer():
    m = model(
        """
        from lightning.pytorch import LightningModule
        class M(LightningModule):
            def training_step(self, batch, idx):
                opt = self.optimizers()
                sch = self.lr_schedulers()
                return opt, sch
        class NotLightning:
            def optimizers(self):
                return []
            def f(self):
                opt = self.optimizers()
                return opt
        """
    )
    step = next(f for f in m.functions.values() if f.name == "training_step")
    opt, sch = step.returns[0].elts
    assert m.kinds(opt, step.scope) == {"optimizer"}
    assert m.kinds(sch, step.scope) == {"scheduler"}
    other = next(f for f in m.functions.values() if f.name == "f")
    assert m.kinds(other.returns[0], other.scope) == frozenset()


def test_parent_map():
    m = model("import torch\nx = torch.zeros(3) + 1\n")
    call = m.sites[0].node
    assert isinstance(m.parent(call), ast.BinOp)
    assert m.parent(m.tree) is None


ORIGINS_SRC = """
import torch
from torch.utils.data import DataLoader, DistributedSampler

def build(ds, distributed):
    sampler = DistributedSampler(ds) if distributed else None
    train = DataLoader(ds, sampler=sampler)
    return train, DataLoader(ds)

class Trainer:
    def __init__(self, loader):
        self.loader = loader
    def fit(self):
        for batch in self.loader:
            pass

train_loader, val_loader = build(ds, True)
Trainer(train_loader).fit()
wrapped = DataLoader(ds)
wrapped = accelerator.prepare(wrapped)
wrapped
train_loader.sampler
"""


def _src(node):
    return ast.unparse(node)


def test_origins_follow_names_helpers_tuples_and_self_attributes():
    m = model(ORIGINS_SRC)
    fit = next(f for f in m.functions.values() if f.name == "fit")
    loop_iter = fit.loops[0].node.iter  # self.loader -> __init__ arg -> tuple element 0
    assert [_src(n) for n, _ in m.origins(loop_iter, fit.scope)] == ["DataLoader(ds, sampler=sampler)"]
    exprs = [s.value for s in m.tree.body if isinstance(s, ast.Expr)]
    # ``x = f(x)`` supersedes the earlier binding: only the wrapping call remains
    assert [_src(n) for n, _ in m.origins(exprs[-2], m.module_scope)] == ["accelerator.prepare(wrapped)"]
    # ``loader.sampler`` is the sampler= argument, through the conditional expression
    assert sorted(_src(n) for n, _ in m.origins(exprs[-1], m.module_scope)) == [
        "DistributedSampler(ds)", "None"]


def test_origins_parameters_use_call_sites_and_defaults_and_stay_bounded():
    m = model(
        """
        def f(a, b=3):
            return a, b
        f(1)
        def loop(x):
            return loop(x)
        """
    )
    funcs = {fn.name: fn for fn in m.functions.values()}
    a, b = funcs["f"].returns[0].elts
    assert [_src(n) for n, _ in m.origins(a, funcs["f"].scope)] == ["1"]
    assert [_src(n) for n, _ in m.origins(b, funcs["f"].scope)] == ["3"]
    x = funcs["loop"].returns[0]
    assert m.origins(x, funcs["loop"].scope)  # recursion terminates with a terminal


def test_call_arguments_read_positionals_keywords_and_dicts():
    m = model(
        """
        from torch.utils.data import DataLoader
        BASE = {"num_workers": 2, "shuffle": True}
        kwargs = {"batch_size": 8}
        kwargs.update(BASE)
        kwargs["sampler"] = s
        DataLoader(ds, 4, **kwargs)
        DataLoader(ds, **unknown)
        """
    )
    first, second = [s.value for s in m.tree.body if isinstance(s, ast.Expr)][-2:]
    params = ("dataset", "batch_size", "shuffle", "sampler")
    given, complete = m.call_arguments(first, m.module_scope, params)
    assert complete
    assert {k: [_src(v) for v, _ in vs] for k, vs in given.items()} == {
        "dataset": ["ds"], "batch_size": ["4", "8"], "num_workers": ["2"], "shuffle": ["True"],
        "sampler": ["s"]}
    given, complete = m.call_arguments(second, m.module_scope, params)
    assert not complete and list(given) == ["dataset"]


def test_statement_calls_are_the_discarded_ones():
    m = model(
        """
        import torch
        x = torch.zeros(2)
        x.to(torch.float64)
        y = x.to(torch.float64)
        print(x.cpu())
        """
    )
    calls = {_src(c) for c in m.statement_calls}
    assert calls == {"x.to(torch.float64)", "print(x.cpu())"}


def test_reaching_bindings_see_the_bindings_before_a_use():
    m = model(
        """
        for x, y in loader:
            use(x)
            x = x.to(device)
            use(x)
        """
    )
    first, second = [s.node.args[0] for s in m.sites if _src(s.node.func) == "use"]
    assert [b.kind for b in m.reaching_bindings(first, m.module_scope)] == ["target"]
    assert [b.kind for b in m.reaching_bindings(second, m.module_scope)] == ["assign"]


def _call(m: SemanticModel, text: str):
    """The first site whose call source is ``text``."""
    return next(s for s in m.sites if s.is_call and ast.unparse(s.node) == text)


def test_falls_through_follows_control_flow():
    m = model(
        """
        for x in data:
            a()
            if bad:
                b()
                continue
            else:
                c()
            for y in inner:
                d()
                break
            e()
            try:
                f()
            except E:
                g()
            finally:
                h()
        """
    )
    s = {name: _call(m, f"{name}()") for name in "abcdefgh"}

    def flows(x, y):
        return m.falls_through(s[x].node, s[y].node, s[x].scope)
    assert flows("a", "b") and flows("a", "e") and flows("c", "e")
    assert not flows("b", "e")  # the branch continues
    assert not flows("b", "c")  # if / else are exclusive
    assert not flows("e", "a")  # later in the body: another iteration
    assert flows("d", "e")  # break leaves the inner loop only
    assert flows("f", "h") and flows("g", "h") and not flows("f", "g")  # only on an exception
    assert m.statement_path(s["b"].node, s["b"].scope)[-2][1] == "body"


def test_grad_mode_contexts_and_decorators():
    m = model(
        """
        import torch
        from torch import no_grad
        with torch.no_grad():
            a()
            with torch.enable_grad():
                b()
        with torch.set_grad_enabled(train):
            c()
        with torch.inference_mode(False):
            d()
        @no_grad()
        def f():
            e()
        @torch.inference_mode
        def g():
            with torch.set_grad_enabled(True):
                h()
        i()
        """
    )
    mode = {n: autograd.grad_mode(m, _call(m, f"{n}()").node, _call(m, f"{n}()").scope) for n in "abcdehi"}
    assert mode == {"a": False, "b": True, "c": None, "d": True, "e": False, "h": True, "i": True}
    e = _call(m, "e()")
    assert autograd.grad_mode(m, e.node, e.scope, outer=True) is False  # the decorator wins over the caller


def test_runs_before_through_helpers():
    m = model(
        """
        import torch
        opt = torch.optim.SGD([], lr=0.1)
        def update():
            opt.zero_grad()
            opt.step()
        for x in data:
            x.backward()
            update()
        """
    )
    (loop,) = m.loops
    evs = loops.events(m, loop)
    back, zero, step = evs
    assert [e.kind for e in evs] == ["backward", "zero_grad", "step"]
    assert loops.runs_before(m, back, zero) and loops.runs_before(m, zero, step)
    assert not loops.runs_before(m, step, zero)


def test_a_for_target_supersedes_earlier_bindings_inside_its_body():
    m = model(
        """
        for x, y in first:
            pass
        for i, (x, y) in enumerate(second):
            use(x)
        use(x)
        """
    )
    inside, after = [s.node.args[0] for s in m.sites if _src(s.node.func) == "use"]
    reach = m.reaching_bindings(inside, m.module_scope)
    assert len(reach) == 1 and m.loop_target(reach[0].node)[1] == (1, 0)
    assert len(m.reaching_bindings(after, m.module_scope)) == 2


def test_keys_read_and_name_loads_by_scope():
    m = model(
        """
        def f(lr, other):
            return args.lr, self.hparams.learning_rate, cfg["wd"], c.get("eps"), getattr(o, "mom")
        def g():
            return other
        x.lr2 = 1
        """
    )
    assert {"lr", "args.lr", "learning_rate", "hparams.learning_rate", "wd", "cfg.wd", "eps",
            "c.eps", "mom", "o.mom"} <= m.keys_read
    assert "lr2" not in m.keys_read  # a store is no read
    f, g = m.functions.values()
    assert not m.name_read("lr", f.scope) and m.name_read("other", g.scope)
    assert not m.name_read("other", f.scope) and m.name_read("other")
    assert "lr2" in m.attr_writes


def test_call_targets_follow_instances_of_same_file_classes():
    m = model(
        """
        class Trainer:
            def __init__(self): self.setup()
            def setup(self): pass
            def fit(self): pass
        def main():
            t = Trainer()
            t.fit()
            Trainer().fit()
        if __name__ == "__main__":
            main()
        """
    )
    main = next(f for f in m.functions.values() if f.name == "main")
    names = [[t.qualname for t in m.call_targets(s)] for s in main.sites]
    assert names == [["Trainer.__init__"], ["Trainer.fit"], ["Trainer.fit"], ["Trainer.__init__"]]
    assert {f.qualname for f in m.entry_functions()} == {
        "main", "Trainer.__init__", "Trainer.setup", "Trainer.fit"}


def test_test_modules_functions_and_project_imports():
    src = "import unittest\nclass T(unittest.TestCase):\n    def helper(self): pass\ndef test_x(): pass\n"
    assert SemanticModel(ast.parse(src), "pkg/tests/helpers.py").is_test_module()
    assert SemanticModel(ast.parse(src), "test_train.py").is_test_module()
    m = SemanticModel(ast.parse(src), "train.py")
    assert not m.is_test_module()
    assert all(m.is_test_function(f) for f in m.functions.values())
    m = model(
        """
        import numpy as np
        import os.path
        from utils import set_seed
        from .engine import fit
        import mypkg.seeding as S
        """
    )

    def project(name):
        return m.is_project_import(m.lookup(name, m.module_scope)[-1])
    assert [project(n) for n in ("np", "os", "set_seed", "fit", "S")] == [False, False, True, True, True]
    call = ast.parse("S.fix.all(1)").body[0].value
    assert m.import_binding(call.func, m.module_scope).name == "S"
