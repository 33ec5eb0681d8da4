"""score(): evaluated values -> points matrix -> totals -> vetoes -> tiers -> ranks.

Everything works on whole columns. The points matrix (units x indicators) is built once and kept
on the :class:`~civscore.result.Result`; totals, dimension sums and ranks are derived from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civscore.errors import ValidationError
from civscore.methods import points_for
from civscore.result import Result
from civscore.rubric.model import CapEffect, DeductEffect, Rubric
from civscore.validate import Checked, check

TIER_TOLERANCE = 1e-9
TIE_DECIMALS = 9


def score(data: pd.DataFrame, rubric: Rubric) -> Result:
    """Validate ``data`` against ``rubric``, then score and rank every unit.

    Raises :class:`civscore.ValidationError` (carrying the full report) when the data has
    problems. ``data`` is never modified.
    """
    checked = check(data, rubric)
    if not checked.report.ok:
        raise ValidationError(checked.report)
    return score_checked(data, rubric, checked)


def score_checked(data: pd.DataFrame, rubric: Rubric, checked: Checked) -> Result:
    """Score data that :func:`civscore.validate.check` found valid."""
    frame = data.reset_index(drop=True)
    ids = checked.ids
    n = len(frame)
    base = rubric.base_indicators()
    bonus = rubric.bonus_indicators()
    indicators = [ind for _, ind in base] + bonus
    values = pd.DataFrame({ind.id: checked.values[ind.id] for ind in indicators}, index=ids)
    raw = np.column_stack([points_for(ind, checked.values[ind.id]) for ind in indicators]) if indicators else np.zeros((n, 0))
    missing = np.isnan(raw)
    policies = [rubric.missing_policy(ind) for ind in indicators]
    earned, applicable, imputed = apply_missing(raw, policies, n_base=len(base))

    k = len(base)
    weights = np.array([ind.points for _, ind in base], dtype=float)
    totals = aggregate(
        earned[:, :k],
        applicable[:, :k],
        weights,
        earned[:, k:],
        rubric,
        _veto_matrix(checked, rubric, n),
    )
    dims = pd.DataFrame(index=ids)
    for dim in rubric.dimensions:
        cols = [j for j, (path, _) in enumerate(base) if path[0] == dim.id]
        dims[dim.id] = earned[:, cols].sum(axis=1)

    table = _result_table(frame, rubric, ids, totals, dims)
    cols = [ind.id for ind in indicators]
    return Result(
        rubric=rubric,
        table=table,
        points=pd.DataFrame(earned, index=ids, columns=cols),
        applicable=pd.DataFrame(applicable, index=ids, columns=cols),
        missing=pd.DataFrame(missing, index=ids, columns=cols),
        imputed=pd.DataFrame(imputed, index=ids, columns=cols),
        values=values,
        vetoes=pd.DataFrame(totals["veto_matrix"], index=ids, columns=[v.id for v in rubric.vetoes]),
        report=checked.report,
    )


def apply_missing(
    raw: np.ndarray, policies: list[str], n_base: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply each indicator's missing policy to its column of raw points (NaN = missing).

    Returns (earned, applicable, imputed). For bonus columns (index >= n_base) ``exclude``
    simply earns 0, as the contract says.
    """
    missing = np.isnan(raw)
    earned = np.where(missing, 0.0, raw)
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


def aggregate(
    earned_base: np.ndarray,
    applicable: np.ndarray,
    weights: np.ndarray,
    earned_bonus: np.ndarray,
    rubric: Rubric,
    veto_matrix: np.ndarray,
) -> dict[str, np.ndarray]:
    """Totals of rubric-contract section 5 from the points matrix, for every unit at once.

    ``earned_base`` may carry a leading batch axis (runs x units x indicators) with ``weights``
    of shape (runs x indicators), so that Monte Carlo runs share this code with :func:`score`.
    """
    T = rubric.total_points
    E = earned_base.sum(axis=-1)
    A = weights @ applicable.T if weights.ndim > 1 else applicable @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        base = np.where(A > 0, E * T / np.where(A > 0, A, 1.0), 0.0)
    coverage = A / T
    bonus = np.minimum(rubric.bonus_cap, earned_bonus.sum(axis=-1)) if earned_bonus.shape[-1] else np.zeros_like(E)
    total = base + bonus
    deduct = np.zeros(veto_matrix.shape[0])
    cap = np.full(veto_matrix.shape[0], np.inf)
    fail = np.zeros(veto_matrix.shape[0], bool)
    for j, veto in enumerate(rubric.vetoes):
        hit = veto_matrix[:, j]
        if isinstance(veto.effect, DeductEffect):
            deduct += np.where(hit, veto.effect.deduct, 0.0)
        elif isinstance(veto.effect, CapEffect):
            cap = np.where(hit, np.minimum(cap, veto.effect.cap), cap)
        else:
            fail |= hit
    total = np.minimum(np.maximum(total - deduct, 0.0), cap)
    return dict(total=total, base=base, bonus=bonus, coverage=coverage, disqualified=fail, veto_matrix=veto_matrix)


def _veto_matrix(checked: Checked, rubric: Rubric, n: int) -> np.ndarray:
    if not rubric.vetoes:
        return np.zeros((n, 0), bool)
    return np.column_stack([checked.vetoes[v.id] for v in rubric.vetoes])


def assign_tiers(total: np.ndarray, disqualified: np.ndarray, rubric: Rubric) -> np.ndarray:
    """The first tier whose `min` the total reaches; the veto tier for disqualified units."""
    tiers = np.full(total.shape, "", dtype=object)
    for tier in reversed(rubric.tiers):
        tiers[total >= tier.min - TIER_TOLERANCE] = tier.name
    tiers[disqualified] = rubric.effective_veto_tier
    return tiers


def competition_rank(total: np.ndarray, disqualified: np.ndarray, groups: pd.Series | None = None) -> np.ndarray:
    """Competition ranks ("1224"), highest total first, disqualified units after all others.

    Totals equal after rounding to 9 decimals tie. With ``groups``, ranks run within each group.
    """
    key = np.round(total, TIE_DECIMALS)
    n = len(key)
    group = groups.to_numpy(dtype=object) if groups is not None else np.zeros(n, dtype=object)
    frame = pd.DataFrame({"g": group, "d": disqualified, "k": key})
    within = frame.groupby(["g", "d"], sort=False, dropna=False)["k"].rank(method="min", ascending=False)
    qualified = frame.assign(q=~frame["d"]).groupby("g", sort=False, dropna=False)["q"].transform("sum")
    return (within + np.where(frame["d"], qualified, 0)).to_numpy(dtype=np.int64)


def veto_labels(veto_matrix: np.ndarray, veto_ids: list[str]) -> np.ndarray:
    """Triggered veto ids joined by ';' per unit ('' when none), built column by column."""
    labels = np.full(veto_matrix.shape[0], "", dtype=object)
    for j, vid in enumerate(veto_ids):
        hit = veto_matrix[:, j]
        labels = np.where(hit, np.where(labels == "", vid, labels + ";" + vid), labels)
    return labels


def _result_table(
    frame: pd.DataFrame, rubric: Rubric, ids: pd.Index, totals: dict[str, np.ndarray], dims: pd.DataFrame
) -> pd.DataFrame:
    unit = rubric.unit
    total, disq = totals["total"], totals["disqualified"]
    out: dict[str, object] = {"rank": competition_rank(total, disq)}
    for g in unit.group_columns:
        out[f"rank_in_{g}"] = competition_rank(total, disq, frame[g].astype("string").str.strip())
    out[unit.id_column] = ids.to_numpy()
    if unit.name_column:
        out[unit.name_column] = frame[unit.name_column].to_numpy()
    for g in unit.group_columns:
        out[g] = frame[g].astype("string").str.strip().to_numpy(dtype=object)
    out["total"] = total
    out["base"] = totals["base"]
    out["bonus"] = totals["bonus"]
    out["tier"] = assign_tiers(total, disq, rubric)
    out["disqualified"] = disq
    out["vetoes"] = veto_labels(totals["veto_matrix"], [v.id for v in rubric.vetoes])
    out["coverage"] = totals["coverage"]
    for dim in rubric.dimensions:
        out[dim.id] = dims[dim.id].to_numpy()
    table = pd.DataFrame(out)
    order = np.lexsort((_id_sort_key(table[unit.id_column]), table["rank"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def _id_sort_key(ids: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(ids.dtype):
        return ids.to_numpy()
    return ids.astype("string").to_numpy(dtype=object, na_value="")
