"""deduction (扣完为止): points taken off per violation, floored at zero (contract section 3)."""

from __future__ import annotations

import numpy as np

from civscore.methods.registry import method
from civscore.rubric.model import Indicator


@method("deduction")
def deduction(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """max(0, P - per_item * v): deductions per violation, floored at zero (扣完为止)."""
    return np.maximum(0.0, ind.points - ind.per_item * v)
