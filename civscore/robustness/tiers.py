"""Tier codes of many runs at once, written into the caller's array.

The same codes as :func:`civscore.scoring.tiers.tier_codes` (the first tier whose ``min`` the
total reaches, less :data:`~civscore.scoring.tiers.TIER_TOLERANCE`; -1 for none, NaN reaches
none; the veto tier for disqualified units), computed in place in the stored rows of a chunk
of runs: the engine's version makes a boolean and an integer temporary per tier and a final
copy, several passes more per run than these (issue 16).
"""

from __future__ import annotations

import numpy as np

from civscore.robustness.scratch import scratch
from civscore.rubric.model import Rubric
from civscore.scoring.tiers import TIER_TOLERANCE


def tier_codes_into(out: np.ndarray, total: np.ndarray, disqualified: np.ndarray, rubric: Rubric) -> np.ndarray:
    """Write the tier code of every element of ``total`` (runs x units) into ``out`` (an
    integer array of the same shape, wide enough for the number of tiers) and return it;
    ``disqualified`` is per unit."""
    mins = np.array([t.min for t in rubric.tiers], dtype=float) - TIER_TOLERANCE
    out.fill(len(mins))
    reached = scratch.array("reached", total.shape, bool)
    for low in mins:  # tiers are listed highest first: count the ones the total reaches
        np.greater_equal(total, low, out=reached)
        np.subtract(out, reached, out=out, casting="unsafe")
    if out.size and out.max() == len(mins):  # some total reaches no tier (NaN, or every min > 0)
        np.copyto(out, -1, where=out == len(mins))
    veto = next((i for i, t in enumerate(rubric.tiers) if t.name == rubric.effective_veto_tier), -1)
    if disqualified.any():
        out[:, np.flatnonzero(disqualified)] = veto
    return out
