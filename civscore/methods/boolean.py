"""boolean: all of the indicator's points when the value is true, none otherwise (contract section 3)."""

from __future__ import annotations

import numpy as np

from civscore.methods.registry import Values, method
from civscore.rubric.model import Indicator


@method("boolean")
def boolean(values: Values, ind: Indicator) -> np.ndarray:
    """P if v is true (non-zero), else 0."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isnan(v), np.nan, np.where(v != 0, ind.points, 0.0))
