"""Missing-value policies (contract section 4) applied to the whole raw points matrix at once."""

from __future__ import annotations

import numpy as np


def apply_missing(raw: np.ndarray, policies: list[str], n_base: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply each indicator's missing policy to its column of raw points (NaN = missing).

    Returns (earned, applicable, imputed). For bonus columns (index >= n_base) ``exclude``
    simply earns 0, as the contract says.
    """
    missing = np.isnan(raw)
    earned = raw.copy(order="K")  # keeps the column-major layout, unlike np.where
    np.copyto(earned, 0.0, where=missing)
    applicable = np.ones_like(missing)
    imputed = np.zeros_like(missing)
    for j, policy in enumerate(policies):
        col_missing = missing[:, j]
        if not col_missing.any():
            continue
        if policy == "exclude" and j < n_base:
            applicable[:, j] = ~col_missing
        elif policy == "mean":
            present = raw[~col_missing, j]
            earned[col_missing, j] = present.mean() if present.size else 0.0
            imputed[:, j] = col_missing
    return earned, applicable, imputed
