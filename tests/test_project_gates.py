"""The cheap gates of the cross-module facts answer as the full questions do."""
from __future__ import annotations

import ast
import textwrap

import pytest

from torchlint import engine, project


@pytest.fixture(autouse=True)
def fresh_cache():
    project.clear_cache()
    yield
    project.clear_cache()


def test_a_method_of_a_project_class_through_a_rebound_import_has_its_facts(tmp_path):
    """``t.fit`` resolves to ``engine.Trainer.fit`` (the import of ``t``), a module that does
    not exist, yet ``t`` holds a ``Trainer()``: its class's method is what runs there."""
    (tmp_path / "setup.cfg").write_text("")
    (tmp_path / "engine.py").write_text(textwrap.dedent("""
        class Trainer:
            def fit(self, model, opt):
                for x in range(3):
                    model(x).backward()
                    opt.step()
    """))
    source = textwrap.dedent("""
        import torch
        from engine import Trainer as t
        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        t = t()
        t.fit(model, optimizer)
    """)
    m = engine.open_model(ast.parse(source), str(tmp_path / "train.py"), source.splitlines(True))
    site = next(s for s in m.sites if s.is_call and ast.unparse(s.node).startswith("t.fit"))
    assert m.resolve(site.node.func, site.scope) == "engine.Trainer.fit"
    facts = m.project.facts(m, site.node, site.scope)
    assert facts is not None and facts.trains
    assert [(e.kind, e.receiver) for e in facts.events] == [("backward", "model(x)"), ("step", "optimizer")]
