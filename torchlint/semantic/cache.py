"""The one memo idiom: per-model caches for derived facts.

A fact is a function of the model and hashable arguments (AST nodes, scopes
and records hash by identity; strings, ints, tuples by value). Decorate it
with :func:`memoized` and it is computed once per model and argument tuple;
the cache lives in ``m.memo`` and dies with the model (one file), so it needs
no bound. ``guard`` is the answer a recursive query sees while the first one
is still being computed (cycle safety: ``a = b; b = a``).
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_COMPUTING = object()


def memoized(fn: F = None, *, guard: Any = _COMPUTING) -> F:
    """``@memoized`` or ``@memoized(guard=EMPTY)`` on ``def fact(m, *args)`` (or a
    model method). Keyword arguments are not supported: pass them positionally."""

    def wrap(func):
        key = func.__module__ + "." + func.__qualname__
        code = func.__code__
        fixed = not (func.__defaults__ or code.co_kwonlyargcount or code.co_flags & inspect.CO_VARARGS)
        if fixed and code.co_argcount == 1:  # a fact of the whole file: one entry, no table

            @functools.wraps(func)
            def cached(m):
                memo = m.memo
                if key in memo:
                    return memo[key]
                if guard is not _COMPUTING:
                    memo[key] = guard
                result = memo[key] = func(m)
                return result

        elif fixed and code.co_argcount == 2:  # one argument: keyed by it, no tuple

            @functools.wraps(func)
            def cached(m, arg):
                table = m.memo.get(key)
                if table is None:
                    table = m.memo[key] = {}
                elif arg in table:
                    return table[arg]
                if guard is not _COMPUTING:
                    table[arg] = guard
                result = table[arg] = func(m, arg)
                return result

        elif fixed and code.co_argcount == 3:  # two arguments: keyed by their pair, no ``*args``

            @functools.wraps(func)
            def cached(m, first, second):
                table = m.memo.get(key)
                args = (first, second)
                if table is None:
                    table = m.memo[key] = {}
                elif args in table:
                    return table[args]
                if guard is not _COMPUTING:
                    table[args] = guard
                result = table[args] = func(m, first, second)
                return result

        else:
            cached = _cached(func, key, guard)
        cached.uncached = func
        return cached

    return wrap(fn) if fn is not None else wrap


def _cached(func, key: str, guard: Any):
    """The general case: any number of positional arguments, keyed by their tuple."""

    @functools.wraps(func)
    def cached(m, *args):
        table = m.memo.get(key)
        if table is None:
            table = m.memo[key] = {}
        elif args in table:
            return table[args]
        if guard is not _COMPUTING:
            table[args] = guard
        result = table[args] = func(m, *args)
        return result

    return cached
