"""count (每项得 d 分, 最高 P 分): points per item, up to the indicator's points (contract section 3)."""

from __future__ import annotations

import numpy as np

from civscore.methods.registry import Values, given, method
from civscore.rubric.model import Indicator


@method("count")
def count(values: Values, ind: Indicator) -> np.ndarray:
    """min(P, per_item * v): points per item up to the indicator's points (每项得 d 分, 最高 P 分)."""
    v = np.asarray(values, dtype=float)
    return np.minimum(ind.points, given(ind.per_item, ind, "per_item") * v)
