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


def test_grad_mode_gate_words_cover_every_grad_mode_name():
    # may_set_grad_mode skips the walk in files whose text names none of GRAD_MODE_WORDS:
    # exact only while every context torchlint knows ends in one of them
    from torchlint import known

    names = known.NO_GRAD_CONTEXTS | known.GRAD_ENABLING_CONTEXTS | known.SET_GRAD_ENABLED
    assert all(q.rsplit(".", 1)[-1] in autograd.GRAD_MODE_WORDS for q in names)

    def with_text(src):
        return SemanticModel(ast.parse(src), "t.py", src.splitlines(True))

    plain = with_text("import torch\nwith ctx():\n    a()\n")
    a = _call(plain, "a()")
    assert not autograd.may_set_grad_mode(plain)
    assert autograd.grad_mode(plain, a.node, a.scope, outer=False) is False  # entered mode kept
    starred = with_text("from torch import *\nwith ng():\n    a()\n")
    assert autograd.may_set_grad_mode(starred)  # a star import may bring any name in


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


# ------------------------------------------------------------------ issue 12: what an object is
def _kinds_at(m: SemanticModel, text: str, attr: str = "step"):
    """Kinds of the receiver of the first ``<text>.<attr>(...)`` call."""
    site = next(s for s in m.sites if s.is_call and isinstance(s.node.func, ast.Attribute)
                and s.node.func.attr == attr and ast.unparse(s.node.func.value) == text)
    return set(m.kinds(site.node.func.value, site.scope))


def test_kinds_follow_the_binding_in_force():
    m = model(
        """
        import torch
        class Wrapper:
            def __init__(self, opt): self.opt = opt
        opt = torch.optim.SGD([], lr=0.1)
        opt.step()
        opt = Wrapper(opt)
        opt.zero_grad()
        lazy = None
        for epoch in range(2):
            if lazy is None:
                lazy = torch.optim.SGD([], lr=0.1)
            lazy.step()
        a = torch.optim.SGD([], lr=0.1)
        b = torch.optim.lr_scheduler.StepLR(a, 1)
        a, b = b, a
        a.step()
        b.zero_grad()
        """
    )
    assert _kinds_at(m, "opt") == {"optimizer"}
    assert _kinds_at(m, "opt", "zero_grad") == set()  # the wrapper, not the optimizer
    assert _kinds_at(m, "lazy") == {"optimizer"}  # None, or the optimizer built in the loop
    assert _kinds_at(m, "a") == {"scheduler"}  # the swap reads the old values
    assert _kinds_at(m, "b", "zero_grad") == {"optimizer"}


def test_class_and_function_lookup_use_the_definition_in_force():
    m = model(
        """
        class Net: pass
        def make(): return 1
        first = Net()
        make()
        class Net: pass
        def make(): return 2
        second = Net()
        make()
        def later():
            return Net()
        """
    )
    first_cls, second_cls = [c for c in m.classes.values()]
    first_fn, second_fn = [f for f in m.functions.values() if f.name == "make"]
    calls = [s for s in m.sites if s.is_call]
    assert [m.class_for(s.node.func, s.scope) for s in calls if ast.unparse(s.node) == "Net()"] == [
        first_cls, second_cls, second_cls]  # inside a function: the last definition
    assert [m.function_for(s.node.func, s.scope) for s in calls if ast.unparse(s.node) == "make()"] == [
        first_fn, second_fn]


def test_kinds_of_unpacked_calls_classmethods_and_set_up_calls():
    m = model(
        """
        import torch
        from accelerate import Accelerator
        from lightning_fabric import Fabric
        from apex import amp
        class Net(torch.nn.Module):
            @classmethod
            def build(cls):
                model = cls()
                return model, torch.optim.SGD(model.parameters(), lr=0.1)
        def make():
            net = torch.nn.Linear(1, 1)
            return net, torch.optim.lr_scheduler.StepLR(torch.optim.SGD(net.parameters(), lr=0.1), 1)
        m1, o1 = Net.build()
        m2, s2 = make()
        acc = Accelerator()
        fabric = Fabric()
        m3, o3, l3 = acc.prepare(m1, o1, loader)
        o4 = acc.prepare(o1)
        m5, o5 = fabric.setup(m1, o1)
        m6, o6 = amp.initialize(m1, o1, opt_level="O1")
        m7, o7 = acc.prepare(*things)
        m8, o8 = other.prepare(m1, o1)
        for m in (m1, m2, m3, m5, m6, m7, m8):
            m.train()
        for o in (o1, s2, o3, o4, o5, o6, o7, o8):
            o.step()
        """
    )
    unpacked = {name: set(m.kinds(b.node, m.module_scope)) for name in
                ("m1", "o1", "m2", "s2", "m3", "o3", "l3", "o4", "m5", "o5", "m6", "o6", "m7", "o7", "o8")
                for b in m.module_scope.bindings[name][-1:]}
    assert unpacked == {"m1": {"module"}, "o1": {"optimizer"}, "m2": {"module"}, "s2": {"scheduler"},
                        "m3": {"module"}, "o3": {"optimizer"}, "l3": set(), "o4": {"optimizer"},
                        "m5": {"module"}, "o5": {"optimizer"}, "m6": {"module"}, "o6": {"optimizer"},
                        "m7": set(), "o7": set(), "o8": set()}


def test_kinds_of_elements_subscripts_and_loop_targets():
    m = model(
        """
        import torch
        class Base:
            def __init__(self, net):
                self.optimizers = [torch.optim.SGD(net.parameters(), lr=0.1)]
                self.parts = {"opt": torch.optim.SGD(net.parameters(), lr=0.1), "net": net}
        class Engine(Base):
            def fit(self, scheds):
                for opt in self.optimizers:
                    opt.step()
                for i, o in enumerate(self.optimizers):
                    o.step()
                for a, s in zip(self.optimizers, scheds):
                    a.step()
                    s.step()
                self.optimizers[0].step()
                self.optimizers[-1].step()
                self.parts["opt"].step()
                self.parts["net"].zero_grad()
                self.optimizers[1:].step()
        """
    )
    for text in ("opt", "o", "a", "self.optimizers[0]", "self.optimizers[-1]", "self.parts['opt']"):
        assert _kinds_at(m, text) == {"optimizer"}, text
    assert _kinds_at(m, "s") == set()
    assert _kinds_at(m, "self.parts['net']", "zero_grad") == {"module"}  # the key's value only
    assert _kinds_at(m, "self.optimizers[1:]") == set()  # a slice is a list


def test_kinds_of_a_class_held_in_a_parameter_or_variable():
    m = model(
        """
        import torch
        from torch.optim import Adam
        class Trainer:
            def __init__(self, params, optimizer_klass=Adam, sched_klass=None):
                self.optimizer = optimizer_klass(params, lr=0.1)
                self.sched = sched_klass(self.optimizer)
            def fit(self):
                self.optimizer.step()
                self.sched.step()
        Trainer([], sched_klass=torch.optim.lr_scheduler.StepLR)
        klass = Adam if fast else torch.optim.SGD
        opt = klass([], lr=0.1)
        opt.step()
        """
    )
    assert _kinds_at(m, "self.optimizer") == {"optimizer"}
    assert _kinds_at(m, "self.sched") == {"scheduler"}
    assert _kinds_at(m, "opt") == {"optimizer"}


def test_parameter_kinds_from_callers_through_classes_and_instances():
    m = model(
        """
        import torch
        class Engine:
            def __init__(self, net, solver):
                self.solver = solver
            def epoch(self, thing):
                thing.step()
                self.solver.step()
        class Child(Engine):
            def __init__(self, net, solver):
                Engine.__init__(self, net, solver)
        def main(net):
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            Child(net, opt).epoch(torch.optim.lr_scheduler.StepLR(opt, 1))
            e = Engine(net, opt).to("cpu")
            e.epoch(opt)
        """
    )
    assert _kinds_at(m, "thing") == {"scheduler", "optimizer"}
    assert _kinds_at(m, "self.solver") == {"optimizer"}
    init = next(f for f in m.functions.values() if f.qualname == "Engine.__init__")
    passed = m.parameter_arguments(init.node, "net")
    assert [ast.unparse(v) for v, _s in passed] == ["net", "net"]  # not ``self`` of Child


@pytest.mark.parametrize(
    "body, expected",
    [
        # used only as an optimizer, its step follows backward
        ("loss.backward()\n        o.step()", {"optimizer"}),
        ("accelerator.backward(loss)\n        if o is not None:\n            o.step()", {"optimizer"}),
        # the step comes before the backward, or the parameter is used otherwise
        ("o.step()\n        loss.backward()", set()),
        ("loss.backward()\n        o.step()\n        o.report(loss)", set()),
        ("loss.backward()\n        o.step()\n        o = None", set()),
        ("loss.backward()\n        o.step(loss)", set()),
        # a rival step after the same backward: either may be the scheduler
        ("loss.backward()\n        o.step()\n        s.step()", set()),
        ("loss.backward()\n        o.step()\n        p.step()", set()),
        # ... unless the rival is a known scheduler or something proves the optimizer
        ("loss.backward()\n        o.step()\n        scheduler.step()", {"optimizer"}),
        ("loss.backward()\n        o.step()\n        s.step()\n        o.zero_grad()", {"optimizer"}),
        ("loss.backward()\n        o.step()\n        s.step()\n        lr = o.param_groups[0]['lr']",
         {"optimizer"}),
        ("loss.backward()\n        o.step()\n        s.step()\n        StepLR(o, 1)", {"optimizer"}),
    ],
)
def test_an_untyped_parameter_used_as_an_optimizer_is_one(body, expected):
    src = ("from torch.optim.lr_scheduler import StepLR\n"
           "def run(net, batches, o, s, p, scheduler, accelerator):\n"
           "    for x in batches:\n"
           "        loss = net(x)\n"
           f"        {body}\n")
    m = SemanticModel(ast.parse(src))
    assert _kinds_at(m, "o") == expected


def test_a_star_import_of_a_module_that_imports_torch_makes_pytorch_code(tmp_path):
    from torchlint import engine
    (tmp_path / "models.py").write_text("import torch\nimport torch.nn as nn\n")
    (tmp_path / "plain.py").write_text("import numpy as np\n")
    loop = "opt = torch.optim.SGD(params, lr=0.1)\nfor b in data:\n    loss.backward()\n    opt.step()\n"
    for module, imports in (("models", True), ("plain", False)):
        source = f"from {module} import *\n" + loop
        path = str(tmp_path / "train.py")
        m = engine.open_model(ast.parse(source), path, source.splitlines(True))
        assert m.imports_torch is imports
        reports = engine.check_source(source, path)
        assert ((5, "TL101") in [(v.line, v.code) for v in reports]) is imports
    m = SemanticModel(ast.parse("from models import *\ntorch.optim.SGD"), str(tmp_path / "x.py"))
    assert not m.imports_torch  # no project to read: unknown


def test_resolve_answers_one_expression_in_each_scope_it_is_asked_about():
    """resolve keys its table by the expression; the same expression asked about in another
    scope (a default evaluated outside its function) gets that scope's answer, each kept,
    and called_names reads each call in its own scope whatever was asked before."""
    m = model("""
        import torch.optim as O

        def build(params, O=None):
            return O.SGD(params)
    """)
    fn_scope = m.scopes[m.tree.body[1]]
    func = m.tree.body[1].body[0].value.func  # O.SGD, where O is the parameter
    assert m.resolve(func, m.module_scope) == "torch.optim.SGD"  # asked first outside
    assert m.resolve(func, fn_scope) is None
    assert m.resolve(func, m.module_scope) == "torch.optim.SGD"
    assert "torch.optim.SGD" not in m.called_names()
    assert m.resolve(func, fn_scope) is None
