"""The registry of scoring methods, and the rules every method shares (contract section 3).

Method modules register themselves here when :mod:`civscore.methods` walks its package. This
module imports no method, so the rubric model can use it while the walk is still going on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np

from civscore.methods.base import IndicatorLike, Method, Values
from civscore.words import say

METHODS: dict[str, Method] = {}
M = TypeVar("M", bound=Method)


class UnknownMethodError(ValueError):
    """A method name no module of :mod:`civscore.methods` registered."""


def register(method: M) -> M:
    """Register ``method`` under its ``name`` (a module of this package calls it once)."""
    if method.name in METHODS:
        raise ValueError(f"two scoring methods are called {method.name!r}")
    METHODS[method.name] = method
    return method


def names() -> list[str]:
    """The registered method names, in the order of contract section 3."""
    return [m.name for m in sorted(METHODS.values(), key=lambda m: (m.order, m.name))]


def method_of(ind: IndicatorLike | str) -> Method:
    """The method of an indicator (or of a method name); an unknown name raises, never guesses."""
    name = ind if isinstance(ind, str) else ind.method
    try:
        return METHODS[name]
    except KeyError:
        raise UnknownMethodError(f"unknown scoring method {name!r} (known: {', '.join(names())})") from None


def all_keys() -> set[str]:
    """Every rubric key some method takes."""
    return {key for m in METHODS.values() for key in m.keys}


def points_for(indicator: IndicatorLike, values: Values, out: np.ndarray | None = None) -> np.ndarray:
    """Points earned under the indicator's method, NaN where its value is missing; written into
    ``out`` (and returned) when given, e.g. a column of a points matrix (see :meth:`Method.points`)."""
    return method_of(indicator).points(values, indicator, out=out)


def method_rule_problems(ind: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The method rules of rubric-contract section 3 as (key, message) pairs.

    Works on a raw mapping as well as on a validated indicator's fields, so that the loader can
    report these rules even when some other key of the same indicator is malformed. An unknown
    method is left to the model's own message.
    """
    name = ind.get("method")
    if not isinstance(name, str) or name not in METHODS:
        return []
    method = METHODS[name]
    given = {k for k in all_keys() if ind.get(k) is not None}
    problems: list[tuple[str, str]] = []
    for key in sorted(method.needs - given):
        problems.append(("", say(f"方法 {name} 需要 `{key}`", f"method {name} needs `{key}`")))
    for key in sorted(given - method.keys):
        problems.append((key, say(f"`{key}` 不属于方法 {name}", f"`{key}` does not belong to method {name}")))
    return problems + method.check(ind)


__all__ = [
    "METHODS",
    "UnknownMethodError",
    "all_keys",
    "method_of",
    "method_rule_problems",
    "names",
    "points_for",
    "register",
]
