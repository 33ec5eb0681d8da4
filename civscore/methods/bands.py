"""bands (分档): the points of the first band the value meets, in listed order (contract section 3)."""

from __future__ import annotations

import numpy as np

from civscore.methods.registry import Values, given, method
from civscore.rubric.model import Indicator


@method("bands")
def bands(values: Values, ind: Indicator) -> np.ndarray:
    """Points of the first band the value meets, in listed order; `otherwise` (0) if none."""
    v = np.asarray(values, dtype=float)
    otherwise = ind.otherwise if ind.otherwise is not None else 0.0
    out = np.full(v.shape, otherwise, dtype=float)
    # assign from the last band to the first so the first band met wins
    with np.errstate(invalid="ignore"):
        for band in reversed(given(ind.bands, ind, "bands")):
            met = v >= band.at_least if band.at_least is not None else v <= band.at_most
            out[met] = band.points
    out[np.isnan(v)] = np.nan
    return out
