"""The registry of scoring methods: a method maps a column of values and the indicator to points.

Each method maps a column of values (float64, NaN for missing; text for categorical) and the
indicator's parameters to the points earned, NaN where the value is missing. Missing-value
policies are applied later, on the whole points matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

from civscore.rubric.model import Indicator

# numbers as float64 (NaN missing); a bare text column as an object array or a pandas Categorical
Values = np.ndarray | pd.Categorical
MethodFn = Callable[[Values, Indicator], np.ndarray]
METHODS: dict[str, MethodFn] = {}
T = TypeVar("T")


def given(value: T | None, ind: Indicator, key: str) -> T:
    """A parameter the indicator's method needs: the rubric model guarantees it is set."""
    if value is None:
        raise ValueError(f"indicator {ind.id!r}: method {ind.method} needs `{key}`")
    return value


def method(name: str) -> Callable[[MethodFn], MethodFn]:
    """Register a scoring method under ``name``."""

    def register(fn: MethodFn) -> MethodFn:
        METHODS[name] = fn
        return fn

    return register


def points_for(indicator: Indicator, values: Values) -> np.ndarray:
    """Points earned under the indicator's method, NaN where its value is missing."""
    return METHODS[indicator.method](values, indicator)
