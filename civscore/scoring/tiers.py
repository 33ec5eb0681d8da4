"""Tiers of contract section 5: the first tier whose ``min`` the total reaches; the veto tier on a fail."""

from __future__ import annotations

import numpy as np

from civscore.rubric.model import Rubric

TIER_TOLERANCE = 1e-9


def assign_tiers(total: np.ndarray, disqualified: np.ndarray, rubric: Rubric) -> np.ndarray:
    """The first tier whose `min` the total reaches; the veto tier for disqualified units."""
    names = np.array([t.name for t in rubric.tiers] + [""], dtype=object)
    return names[tier_codes(total, disqualified, rubric)]  # code -1 picks the trailing ""


def tier_codes(total: np.ndarray, disqualified: np.ndarray, rubric: Rubric) -> np.ndarray:
    """Index into ``rubric.tiers`` of each unit's tier (-1: none); any shape of ``total``.

    Tiers are listed highest first, so the first tier whose ``min`` the total reaches is the
    number of tiers minus the number of tiers it reaches (NaN reaches none). A comparison per
    tier is 3x cheaper than a binary search per element for runs x units (issue 16).
    """
    mins = np.array([t.min for t in rubric.tiers], dtype=float) - TIER_TOLERANCE
    total = np.asarray(total, dtype=float)
    dtype = np.int8 if len(mins) < 127 else np.int64  # int8: runs x units stays small
    codes = np.full(total.shape, len(mins), dtype=dtype)
    for low in mins:
        codes -= total >= low
    codes[codes == len(mins)] = -1
    veto = next((i for i, t in enumerate(rubric.tiers) if t.name == rubric.effective_veto_tier), -1)
    return np.where(disqualified, codes.dtype.type(veto), codes)
