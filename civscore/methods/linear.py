"""linear: points in proportion between a zero and a full value, clipped (contract section 3)."""

from __future__ import annotations

import numpy as np

from civscore.methods.registry import Values, given, method
from civscore.rubric.model import Indicator


@method("linear")
def linear(values: Values, ind: Indicator) -> np.ndarray:
    """P * clip((v - zero) / (full - zero), 0, 1); full < zero means lower is better."""
    v = np.asarray(values, dtype=float)
    zero, full = given(ind.zero, ind, "zero"), given(ind.full, ind, "full")
    with np.errstate(invalid="ignore"):
        return ind.points * np.clip((v - zero) / (full - zero), 0.0, 1.0)
