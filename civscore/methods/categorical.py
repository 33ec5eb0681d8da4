"""categorical: the points the rubric's ``map`` gives each label (contract section 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civscore.methods.registry import Values, given, method
from civscore.rubric.model import Indicator


@method("categorical")
def categorical(v: Values, ind: Indicator) -> np.ndarray:
    """The points the `map` gives each label (an object array or a pandas Categorical); NaN for
    missing. Unknown labels never get here: validation reports them."""
    codes, labels = pd.factorize(v)  # one hashing pass; then one lookup per distinct label
    points = given(ind.map, ind, "map")
    table = np.array([points.get(label, np.nan) for label in labels] + [np.nan], dtype=float)
    return table[codes]  # code -1 (missing) picks the trailing NaN
