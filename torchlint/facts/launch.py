"""Where running a module starts training (RULES.md TL401: "a module that runs
training"), shared by TL401 and TL402: a training loop (:mod:`torchlint.facts.loops`),
a Lightning ``trainer.fit(...)`` or a training project helper, reached from
module-level code."""
from __future__ import annotations

import ast
from typing import Optional, Tuple

from torchlint.facts import loops
from torchlint.semantic import SemanticModel, Site, memoized


def is_trainer_fit(m: SemanticModel, site: Site) -> bool:
    """``trainer.fit(...)`` on a Lightning ``Trainer`` (bound or constructed inline)."""
    if not site.is_call:
        return False
    func = site.node.func
    return (type(func) is ast.Attribute and func.attr == "fit"
            and "trainer" in m.kinds(func.value, site.scope))


@memoized
def training_entry(m: SemanticModel) -> Optional[ast.AST]:
    """Where running the module starts training, or None (RULES.md TL401: "a module
    that runs training").

    Training is a training loop, a Lightning ``trainer.fit(...)`` or a call into an
    imported project function that trains (torchlint.project). It is *run* when it
    is at module level or reachable from module-level code (``if __name__ ==
    "__main__":`` included) through same-file functions, methods of same-file
    classes and functions passed as arguments (``mp.spawn(main, ...)``). The
    answer is the module-level node it is reached from: the ``if __name__ ==
    "__main__":`` statement around it, else the module-level loop or call.
    """
    if not may_have_training(m):
        return None
    module_loops = {id(lp.node): lp.node for lp, _ in loops.training_loops(m) if lp.function is None}
    for site in m.module_sites:  # every module-level site: a generator only where it can hit
        anchor = next((module_loops[id(lp)] for lp in site.loops if id(lp) in module_loops), None) \
            if module_loops and site.loops else None
        if anchor is None and site.is_call and _call_trains(m, site):
            anchor = site.node
        if anchor is not None:
            guard = next((g for g in m.main_guards
                          if g.lineno <= anchor.lineno <= (g.end_lineno or g.lineno)), None)
            return guard if guard is not None else anchor
    return None


def _call_trains(m: SemanticModel, site: Site) -> bool:
    """The call trains (:func:`_site_trains`) or runs a same-file function that does."""
    if _site_trains(m, site):
        return True
    for function in m.call_targets(site):
        if _trains_when_called(m, function):
            return True
    return False


@memoized
def may_have_training(m: SemanticModel) -> bool:
    """Cheap necessary condition for any training in the file (:func:`training_entry` is None
    without it, so a rule may ask it first): a training loop, a call
    named ``fit``, or a call into a project module that could train (its text) made where
    :func:`training_entry` looks for one: at module level or in a function reached from
    there (not in a model's methods that nothing at module level calls)."""
    if any(loops.training_loops(m)):  # (loop, events) pairs
        return True
    for site in m.sites:
        func = site.node.func if site.is_call else None
        if type(func) is ast.Attribute and func.attr == "fit":
            return True
    if not m.reaches_project():
        return False
    for sites in [m.module_sites] + [f.sites for f in m.entry_functions()]:
        for site in sites:
            if site.is_call and m.project.may_provide(m, site.node, site.scope, "trains"):
                return True
    return False


def _site_trains(m: SemanticModel, site: Site) -> bool:
    if is_trainer_fit(m, site):
        return True
    if site.is_call and m.reaches_project():
        binding = m.import_binding(site.node.func, site.scope)
        if binding is None or not m.project.owns(m, binding):
            return False
        return m.project.trains(m, site.node, site.scope)
    return False


def _trains_when_called(m: SemanticModel, function) -> bool:
    """Does calling the same-file ``function`` run training: a training loop of its own,
    a ``trainer.fit``/training project helper call in it, or the same in a same-file
    function it calls (transitively)? Explored depth-first and stopped at the first
    training function found, so that what it calls is asked about only as far as
    needed (asking about project helpers reads their modules); a set explored without
    finding one trains nowhere, which later questions reuse."""
    direct, idle = _training_search(m)
    todo, seen = [function], set()
    while todo:
        f = todo.pop()
        key = id(f.node)
        if key in seen or key in idle:
            continue
        if key in direct:
            return True
        seen.add(key)
        for site in f.sites:
            if site.is_call:
                if _site_trains(m, site):
                    return True
                todo.extend(m.call_targets(site))
    idle.update(seen)  # everything reachable from them was seen: none trains
    return False


@memoized
def _training_search(m: SemanticModel) -> Tuple[set, set]:
    """(ids of the functions that run a training loop, ids known to train nowhere)."""
    return {id(lp.function.node) for lp, _ in loops.training_loops(m) if lp.function is not None}, set()
