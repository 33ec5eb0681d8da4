"""categorical: the points the rubric's ``map`` gives each label (contract section 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civscore.methods.registry import method
from civscore.rubric.model import Indicator


@method("categorical")
def categorical(v: np.ndarray, ind: Indicator) -> np.ndarray:
    """The points the `map` gives each label (an object array or a pandas Categorical); NaN for
    missing. Unknown labels never get here: validation reports them."""
    codes, labels = pd.factorize(v)  # one hashing pass; then one lookup per distinct label
    table = np.array([ind.map.get(label, np.nan) for label in labels] + [np.nan])
    return table[codes]  # code -1 (missing) picks the trailing NaN
