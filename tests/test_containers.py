"""Unit tests of torchlint.facts.containers: what a list holds (elements, the last
element at a use, the values a ``for`` variable takes)."""
from __future__ import annotations

import ast
import textwrap

from torchlint.facts import containers
from torchlint.semantic import SemanticModel


def model(src: str) -> SemanticModel:
    return SemanticModel(ast.parse(textwrap.dedent(src)))


def use(m: SemanticModel, callee: str):
    """The argument of the call ``callee(*arg)`` (unpacked: the list is not handed to the
    callee, which might change it) and the call's scope."""
    site = next(s for s in m.sites if s.is_call and ast.unparse(s.node.func) == callee)
    return site.node.args[0].value, site.scope


def texts(values):
    return None if values is None else sorted(ast.unparse(v) for v, _ in values)


def test_element_values():
    m = model(
        """
        a = [x1, x2]
        a.append(x3)
        a.extend([x4, *b])
        b = (y1,)
        comp = [f(z) for z in zs]
        both = a + comp
        made = make()
        written = [w]
        written[0] = v
        grown = [g]
        grown += [h]
        handed = [k]
        mutate(handed)
        counted = [n]
        n_items = len(counted)
        print(a, comp, both, made, written, grown, handed, counted)
        """
    )
    probe = next(s for s in m.sites if s.is_call and ast.unparse(s.node.func) == "print")
    got = [texts(containers.element_values(m, arg, probe.scope)) for arg in probe.node.args]
    assert got == [["x1", "x2", "x3", "x4", "y1"], ["f(z)"], ["f(z)", "x1", "x2", "x3", "x4", "y1"],
                   None, None, None, None, ["n"]]


def test_last_element():
    m = model(
        """
        def build(final):
            layers = [l1]
            for i in range(3):
                layers.append(l2)
            layers.append(l3)
            last_appended(*layers)
        def branch(final):
            layers = [l1]
            if final:
                layers.append(l4)
            in_branch(*layers)
        def starred():
            rest = [b, c]
            lit = [a, *rest]
            starred_last(*lit)
        def popped():
            xs = [p1, p2]
            xs.pop()
            after_pop(*xs)
        def late():
            ys = [q1]
            before_write(*ys)
            ys.append(q2)
        """
    )
    for callee, expected in [("last_appended", ["l3"]), ("in_branch", None),
                             ("starred_last", ["c"]), ("after_pop", None), ("before_write", None)]:
        arg, scope = use(m, callee)
        assert texts(containers.last_element(m, arg, scope)) == expected, callee
    assert texts(containers.last_element(m, ast.parse("[a, b]").body[0].value, m.module_scope)) == ["b"]


def test_loop_item_values():
    m = model(
        """
        outs = [o1, o2]
        pairs = [(p1, t1), (p2, t2)]
        for out in outs:
            plain(*out)
        for i, out in enumerate(outs):
            enumerated(*out)
        for out, t in zip(outs, targets):
            zipped(*out)
        for p, t in pairs:
            unpacked(*t)
        for r in unknown_list:
            unknown(*r)
        """
    )
    for callee, expected in [("plain", ["o1", "o2"]), ("enumerated", ["o1", "o2"]),
                             ("zipped", ["o1", "o2"]), ("unpacked", ["t1", "t2"]),
                             ("unknown", None)]:
        arg, scope = use(m, callee)
        assert texts(containers.loop_item_values(m, arg, scope)) == expected, callee
