"""Where the whole district is strong or weak: per-indicator attainment across units.

Attainment is points earned / points available, per unit and indicator, over the units where the
indicator applies (an excluded indicator is not a weakness). Read off the points matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civscore.analysis.common import EPS
from civscore.rubric.introspect import indicator_table
from civscore.scoring.scored import Scored


def attainment_matrix(result: Scored) -> pd.DataFrame:
    """Units x indicators: earned / points, NaN where the indicator does not apply."""
    info = indicator_table(result.rubric)
    points = result.points[info.index]
    ratio = points.to_numpy(dtype=float) / info["points"].to_numpy(dtype=float)[None, :]
    ratio = np.where(result.applicable[info.index].to_numpy(dtype=bool), ratio, np.nan)
    return pd.DataFrame(ratio, index=points.index, columns=info.index)


def attainment(result: Scored, sort: bool = False) -> pd.DataFrame:
    """One row per indicator: how the units did on it, the table to find district-wide weak spots.

    Columns: ``mean_attainment`` (mean share of the indicator's points earned), ``share_full``
    (units at full points), ``share_zero`` (units with nothing), ``spread`` (standard deviation
    of attainment), ``p10``/``p90`` (10th and 90th percentiles of attainment), ``share_missing``
    (units whose value was missing), ``units`` (units where it applies) and ``mean_points``.
    With ``sort``, weakest (lowest mean attainment) first.
    """
    info = indicator_table(result.rubric)
    att = attainment_matrix(result).to_numpy()
    applies = ~np.isnan(att)
    units = applies.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.where(units > 0, units, np.nan)
        filled = np.where(applies, att, 0.0)
        mean = filled.sum(axis=0) / denom
        full = (applies & (att >= 1 - EPS)).sum(axis=0) / denom
        zero = (applies & (att <= EPS)).sum(axis=0) / denom
        spread = np.sqrt((np.where(applies, (att - mean) ** 2, 0.0)).sum(axis=0) / denom)
    q = np.full((2, att.shape[1]), np.nan)
    has = units > 0
    if has.any():
        q[:, has] = np.nanquantile(att[:, has], [0.1, 0.9], axis=0)
    out = pd.DataFrame(
        {
            "indicator": info.index,
            "name": info["name"].to_numpy(),
            "kind": info["kind"].to_numpy(),
            "dimension_id": info["dimension_id"].to_numpy(),
            "dimension": info["dimension"].to_numpy(),
            "method": info["method"].to_numpy(),
            "points": info["points"].to_numpy(dtype=float),
            "units": units,
            "mean_points": mean * info["points"].to_numpy(dtype=float),
            "mean_attainment": mean,
            "share_full": full,
            "share_zero": zero,
            "spread": spread,
            "p10": q[0],
            "p90": q[1],
            "share_missing": result.missing[info.index].to_numpy(dtype=bool).mean(axis=0) if len(att) else np.nan,
        }
    )
    if sort:
        out = out.sort_values(["mean_attainment", "share_zero"], ascending=[True, False], kind="stable")
    return out.reset_index(drop=True)


def dimension_attainment(result: Scored) -> pd.DataFrame:
    """Units x top-level dimensions: earned / available points (applicable indicators only)."""
    rubric = result.rubric
    out = pd.DataFrame(index=result.points.index)
    for dim in rubric.dimensions:
        ids = [ind.id for _, ind in dim.iter_indicators()]
        weights = np.array([ind.points for _, ind in dim.iter_indicators()], dtype=float)
        earned = result.points[ids].to_numpy(dtype=float).sum(axis=1)
        available = result.applicable[ids].to_numpy(dtype=bool) @ weights
        with np.errstate(invalid="ignore", divide="ignore"):
            out[dim.id] = np.where(available > 0, earned / np.where(available > 0, available, 1.0), np.nan)
    return out
