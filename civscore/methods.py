"""Scoring methods (rubric-contract section 3): one vectorised function per method, in a registry.

Each method maps a column of values (float64, NaN for missing; text for categorical) and the
indicator's parameters to the points earned, NaN where the value is missing. Missing-value
policies are applied later, on the whole points matrix.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from civscore.rubric.model import Indicator

MethodFn = Callable[[np.ndarray, Indicator], np.ndarray]
METHODS: dict[str, MethodFn] = {}


def method(name: str) -> Callable[[MethodFn], MethodFn]:
    """Register a scoring method under ``name``."""

    def register(fn: MethodFn) -> MethodFn:
        METHODS[name] = fn
        return fn

    return register


@method("boolean")
def boolean(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """P if v is true (non-zero), else 0."""
    return np.where(np.isnan(v), np.nan, np.where(v != 0, ind.points, 0.0))


@method("linear")
def linear(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """P * clip((v - zero) / (full - zero), 0, 1); full < zero means lower is better."""
    with np.errstate(invalid="ignore"):
        return ind.points * np.clip((v - ind.zero) / (ind.full - ind.zero), 0.0, 1.0)


@method("bands")
def bands(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """Points of the first band the value meets, in listed order; `otherwise` (0) if none."""
    otherwise = ind.otherwise if ind.otherwise is not None else 0.0
    out = np.full(v.shape, otherwise, dtype=float)
    # assign from the last band to the first so the first band met wins
    with np.errstate(invalid="ignore"):
        for band in reversed(ind.bands):
            met = v >= band.at_least if band.at_least is not None else v <= band.at_most
            out[met] = band.points
    out[np.isnan(v)] = np.nan
    return out


@method("deduction")
def deduction(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """max(0, P - per_item * v): deductions per violation, floored at zero (扣完为止)."""
    return np.maximum(0.0, ind.points - ind.per_item * v)


@method("count")
def count(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """min(P, per_item * v): points per item up to the indicator's points (每项得 d 分, 最高 P 分)."""
    return np.minimum(ind.points, ind.per_item * v)


@method("categorical")
def categorical(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """The points the `map` gives each label (an object array or a pandas Categorical); NaN for
    missing. Unknown labels never get here: validation reports them."""
    codes, labels = pd.factorize(v)  # one hashing pass; then one lookup per distinct label
    table = np.array([ind.map.get(label, np.nan) for label in labels] + [np.nan])
    return table[codes]  # code -1 (missing) picks the trailing NaN


def points_for(indicator: Indicator, values: np.ndarray) -> np.ndarray:
    """Points earned under the indicator's method, NaN where its value is missing."""
    return METHODS[indicator.method](values, indicator)
