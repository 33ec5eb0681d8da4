"""linear: points in proportion between a zero and a full value, clipped (contract section 3)."""

from __future__ import annotations

import numpy as np

from civscore.methods.registry import method
from civscore.rubric.model import Indicator


@method("linear")
def linear(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """P * clip((v - zero) / (full - zero), 0, 1); full < zero means lower is better."""
    with np.errstate(invalid="ignore"):
        return ind.points * np.clip((v - ind.zero) / (ind.full - ind.zero), 0.0, 1.0)
