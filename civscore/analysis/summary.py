"""Numbers behind the ranking pictures and tables: unit labels, tier counts and bounds, dimension shares.

Charts and report tables both read these; no chart computes a number another one shows.
"""

from __future__ import annotations

import pandas as pd

from civscore.scoring.scored import Scored


def unit_labels(result: Scored) -> pd.Series:
    """A short label per unit, indexed by unit id (as text), in result-table order.

    The name column when the rubric has one and names are unique, ``名称 (id)`` when some names
    repeat (two 幸福里社区 in different streets), else the id.
    """
    table = result.table
    ids = table[result.id_column].astype(str)
    name_col = result.rubric.unit.name_column
    if not name_col:
        return pd.Series(ids.to_numpy(dtype=object), index=ids.to_numpy(dtype=object), name="label")
    names = table[name_col].astype("string").fillna("").str.strip()
    names = names.where(names != "", ids)
    repeated = names.duplicated(keep=False)
    labels = names.where(~repeated, names + " (" + ids + ")")
    return pd.Series(labels.to_numpy(dtype=object), index=ids.to_numpy(dtype=object), name="label")


def dimension_names(result: Scored) -> dict[str, str]:
    """Top-level dimension id -> name, in rubric order."""
    return {d.id: d.name for d in result.rubric.dimensions}


def dimension_shares(result: Scored) -> pd.DataFrame:
    """Units (result-table order) x top-level dimensions: % of the points the unit could earn there.

    A unit's maximum in a dimension counts only the indicators that apply to it, so a 合理缺项
    (``missing: exclude``) does not look like a loss. NaN where nothing in the dimension applies.
    Indexed by unit id (as text); columns are dimension ids.
    """
    rubric = result.rubric
    pairs = rubric.base_indicators()
    cols = [ind.id for _, ind in pairs]
    dim_of = pd.Series([path[0] for path, _ in pairs], index=cols)
    weights = pd.Series([ind.points for _, ind in pairs], index=cols, dtype=float)
    order = result.table[result.id_column].to_numpy()
    earned = result.points.loc[order, cols].astype(float)
    possible = result.applicable.loc[order, cols].astype(float) * weights
    dims = list(dimension_names(result))
    earned_by_dim = earned.T.groupby(dim_of).sum().T.reindex(columns=dims)
    possible_by_dim = possible.T.groupby(dim_of).sum().T.reindex(columns=dims)
    shares = 100.0 * earned_by_dim / possible_by_dim.where(possible_by_dim > 0)
    shares.index = pd.Index(pd.Series(order).astype(str).to_numpy(dtype=object), name=result.id_column)
    shares.columns.name = None
    return shares


def tier_counts(result: Scored) -> pd.DataFrame:
    """Units per tier in rubric order (empty tiers included): columns 单位数, 其中一票否决."""
    table = result.table
    names = [t.name for t in result.rubric.tiers]
    counts = table["tier"].value_counts().reindex(names, fill_value=0)
    vetoed = table.loc[table["disqualified"], "tier"].value_counts().reindex(names, fill_value=0)
    out = pd.DataFrame({"单位数": counts.astype(int), "其中一票否决": vetoed.astype(int)})
    out.index.name = "等级"
    return out


def tier_bounds(result: Scored) -> dict[str, str]:
    """Tier name -> its score range in words: '≥ 90', '80–90', ..."""
    tiers = result.rubric.tiers
    return {t.name: f"≥ {t.min:g}" if i == 0 else f"{t.min:g}–{tiers[i - 1].min:g}" for i, t in enumerate(tiers)}
