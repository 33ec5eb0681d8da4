"""count (每项得 d 分, 最高 P 分): points per item, up to the indicator's points (contract section 3)."""

from __future__ import annotations

import numpy as np

from civscore.methods.registry import method
from civscore.rubric.model import Indicator


@method("count")
def count(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """min(P, per_item * v): points per item up to the indicator's points (每项得 d 分, 最高 P 分)."""
    return np.minimum(ind.points, ind.per_item * v)
