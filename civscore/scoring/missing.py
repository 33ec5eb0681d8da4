"""Missing-value policies (contract section 4) applied to the whole raw points matrix at once."""

from __future__ import annotations

import numpy as np


def apply_missing(
    raw: np.ndarray, policies: list[str], n_base: int, not_applicable: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply each indicator's missing policy to its column of raw points (NaN = missing).

    Returns (earned, applicable, imputed). For bonus columns (index >= n_base) ``exclude``
    simply earns 0, as the contract says. ``not_applicable`` (same shape, True where a 不适用
    cell makes the indicator not apply, section 9) excludes those cells whatever the policy:
    they earn 0, leave the unit's base, and do not count in a ``mean``.
    """
    missing = np.isnan(raw)
    earned = raw.copy(order="K")  # keeps the column-major layout, unlike np.where
    np.copyto(earned, 0.0, where=missing)
    applicable = np.ones_like(missing)
    imputed = np.zeros_like(missing)
    if not_applicable is not None and not_applicable.any():
        applicable[:, :n_base] &= ~not_applicable[:, :n_base]
        missing = missing & ~not_applicable
    else:
        not_applicable = None
    for j, policy in enumerate(policies):
        col_missing = missing[:, j]
        if not col_missing.any():
            continue
        if policy == "exclude" and j < n_base:
            applicable[:, j] &= ~col_missing
        elif policy == "mean":
            counted = ~col_missing if not_applicable is None else ~col_missing & ~not_applicable[:, j]
            present = raw[counted, j]
            earned[col_missing, j] = present.mean() if present.size else 0.0
            imputed[:, j] = col_missing
    return earned, applicable, imputed
