"""The registry of scoring methods: a method maps a column of values and the indicator to points.

Each method maps a column of values (float64, NaN for missing; text for categorical) and the
indicator's parameters to the points earned, NaN where the value is missing. Missing-value
policies are applied later, on the whole points matrix.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from civscore.rubric.model import Indicator

MethodFn = Callable[[np.ndarray, Indicator], np.ndarray]
METHODS: dict[str, MethodFn] = {}


def method(name: str) -> Callable[[MethodFn], MethodFn]:
    """Register a scoring method under ``name``."""

    def register(fn: MethodFn) -> MethodFn:
        METHODS[name] = fn
        return fn

    return register


def points_for(indicator: Indicator, values: np.ndarray) -> np.ndarray:
    """Points earned under the indicator's method, NaN where its value is missing."""
    return METHODS[indicator.method](values, indicator)
