"""deduction (扣完为止): points taken off per violation, floored at zero (contract section 3)."""

from __future__ import annotations

import numpy as np

from civscore.methods.registry import Values, given, method
from civscore.rubric.model import Indicator


@method("deduction")
def deduction(values: Values, ind: Indicator) -> np.ndarray:
    """max(0, P - per_item * v): deductions per violation, floored at zero (扣完为止)."""
    v = np.asarray(values, dtype=float)
    return np.maximum(0.0, ind.points - given(ind.per_item, ind, "per_item") * v)
