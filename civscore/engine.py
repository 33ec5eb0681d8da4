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
from civscore.rubric.model import CapEffect, DeductEffect, Indicator, Rubric
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
    evaluated = {ind.id: checked.values[ind.id] for ind in indicators}
    # column-major: every per-indicator step below reads and writes one contiguous column
    raw = np.empty((n, len(indicators)), order="F")
    for j, ind in enumerate(indicators):
        raw[:, j] = points_for(ind, _method_input(ind, checked))
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
    dims = {}
    for dim in rubric.dimensions:
        cols = [j for j, (path, _) in enumerate(base) if path[0] == dim.id]
        # a top-level dimension's indicators are contiguous in file order: sum a slice, not a copy
        dims[dim.id] = earned[:, cols[0] : cols[-1] + 1].sum(axis=1) if cols else np.zeros(n)

    table = _result_table(frame, rubric, ids, totals, dims)
    cols = [ind.id for ind in indicators]
    # copy=False: the matrices are column-major already, i.e. laid out as pandas blocks; they
    # are not touched again, so sharing them costs nothing and saves copying units x indicators
    return Result(
        rubric=rubric,
        table=table,
        points=pd.DataFrame(earned, index=ids, columns=cols, copy=False),
        applicable=pd.DataFrame(applicable, index=ids, columns=cols, copy=False),
        missing=pd.DataFrame(missing, index=ids, columns=cols, copy=False),
        imputed=pd.DataFrame(imputed, index=ids, columns=cols, copy=False),
        values=lambda: pd.DataFrame(evaluated, index=ids),
        vetoes=pd.DataFrame(totals["veto_matrix"], index=ids, columns=[v.id for v in rubric.vetoes], copy=False),
        report=checked.report,
    )


def _method_input(ind: Indicator, checked: Checked) -> np.ndarray | pd.Categorical:
    """The indicator's evaluated value; a bare text column comes with the labels already coded
    by validation, so the categorical method does not hash 200,000 strings a second time."""
    column = ind.expression.bare_column
    parsed = checked.cache.parsed(column) if column is not None else None
    if parsed is not None and parsed.codes is not None:
        return pd.Categorical.from_codes(parsed.codes, parsed.labels)
    return checked.values[ind.id]


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
    Callers that already hold E and A per run (e.g. as one matrix product, to avoid a
    runs x units x indicators array) use :func:`rescale_base` and :func:`finish_totals`.
    """
    T = rubric.total_points
    E = earned_base.sum(axis=-1)
    A = weights @ applicable.T if weights.ndim > 1 else _applicable_points(applicable, weights)
    base = rescale_base(E, A, T)
    return dict(finish_totals(base, earned_bonus, rubric, veto_matrix), base=base, coverage=A / T)


def _applicable_points(applicable: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum of points over applicable indicators; only columns with an exclusion are visited."""
    partial = ~applicable.all(axis=0)
    A = np.full(applicable.shape[0], weights.sum())
    if partial.any():
        A -= (~applicable[:, partial]) @ weights[partial]
    return A


def rescale_base(E: np.ndarray, A: np.ndarray, total_points: float) -> np.ndarray:
    """``base`` = E * total_points / A (0 where A = 0): the 合理缺项 rescaling of section 5."""
    if np.all(A > 0):  # the usual case; skips two passes over a runs x units array
        return E * total_points / A
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(A > 0, E * total_points / np.where(A > 0, A, 1.0), 0.0)


def finish_totals(
    base: np.ndarray, earned_bonus: np.ndarray, rubric: Rubric, veto_matrix: np.ndarray
) -> dict[str, np.ndarray]:
    """Add the capped bonus to ``base``, then apply deductions, caps and fails (section 5).

    ``base`` is (units,) or (runs x units); bonus and vetoes are per unit and broadcast over runs.
    """
    bonus = (
        np.minimum(rubric.bonus_cap, earned_bonus.sum(axis=-1)) if earned_bonus.shape[-1] else np.zeros(base.shape[-1])
    )
    total = base + bonus
    deduct, cap, fail = veto_effects(veto_matrix, rubric)
    # in place: for runs x units these are the largest arrays of a Monte Carlo chunk
    total -= deduct
    np.maximum(total, 0.0, out=total)
    np.minimum(total, cap, out=total)
    return dict(total=total, bonus=bonus, disqualified=fail, veto_matrix=veto_matrix)


def veto_effects(veto_matrix: np.ndarray, rubric: Rubric) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: the points all triggered deductions take off, the smallest triggered cap
    (inf if none), and whether a `fail` veto fired."""
    n = veto_matrix.shape[0]
    deduct = np.zeros(n)
    cap = np.full(n, np.inf)
    fail = np.zeros(n, bool)
    for j, veto in enumerate(rubric.vetoes):
        hit = veto_matrix[:, j]
        if isinstance(veto.effect, DeductEffect):
            deduct += np.where(hit, veto.effect.deduct, 0.0)
        elif isinstance(veto.effect, CapEffect):
            cap = np.where(hit, np.minimum(cap, veto.effect.cap), cap)
        else:
            fail |= hit
    return deduct, cap, fail


def _veto_matrix(checked: Checked, rubric: Rubric, n: int) -> np.ndarray:
    if not rubric.vetoes:
        return np.zeros((n, 0), bool)
    return np.column_stack([checked.vetoes[v.id] for v in rubric.vetoes])


def assign_tiers(total: np.ndarray, disqualified: np.ndarray, rubric: Rubric) -> np.ndarray:
    """The first tier whose `min` the total reaches; the veto tier for disqualified units."""
    names = np.array([t.name for t in rubric.tiers] + [""], dtype=object)
    return names[tier_codes(total, disqualified, rubric)]  # code -1 picks the trailing ""


def tier_codes(total: np.ndarray, disqualified: np.ndarray, rubric: Rubric) -> np.ndarray:
    """Index into ``rubric.tiers`` of each unit's tier (-1: none); any shape of ``total``.

    Tiers are listed highest first, so the first tier whose ``min`` the total reaches is the
    number of tiers whose ``min`` lies above it (one binary search, also for runs x units).
    """
    mins = np.array([t.min for t in rubric.tiers], dtype=float) - TIER_TOLERANCE
    codes = np.searchsorted(-mins, -np.asarray(total, dtype=float), side="left")
    codes = codes.astype(np.int8 if len(mins) < 127 else np.int64)  # int8: runs x units stays small
    codes[codes == len(mins)] = -1
    veto = next((i for i, t in enumerate(rubric.tiers) if t.name == rubric.effective_veto_tier), -1)
    return np.where(disqualified, codes.dtype.type(veto), codes)


def competition_rank(total: np.ndarray, disqualified: np.ndarray, groups: pd.Series | None = None) -> np.ndarray:
    """Competition ranks ("1224"), highest total first, disqualified units after all others.

    Totals equal after rounding to 9 decimals tie. With ``groups``, ranks run within each group
    (a missing group value is a group of its own). ``total`` may be (units,) or (runs x units)
    with ``disqualified`` and ``groups`` per unit; ranks are computed along the last axis.

    Units are sorted by class (group, then qualified before disqualified) and by total, highest
    first; a unit's rank is the position of the first unit with its class and total, counted
    from the start of its group.
    """
    total = np.asarray(total, dtype=float)
    batch = np.atleast_2d(total)
    n = batch.shape[-1]
    if groups is None:
        codes = np.zeros(n, dtype=np.int64)
    else:
        codes = pd.factorize(pd.Series(groups).reset_index(drop=True), use_na_sentinel=False)[0].astype(np.int64)
    cls = codes * 2 + np.asarray(disqualified, dtype=bool)
    sorted_ = _sort_packed(batch, cls) if n else None
    if sorted_ is None:
        sorted_ = _sort_generic(np.round(batch, TIE_DECIMALS), cls)
    order, same_value = sorted_
    # Running maximum of "flat position where the current value began" (a 1-D accumulate is
    # much faster than one along axis -1); every row begins a new value, so nothing leaks from
    # one row into the next.
    starts_value = np.ones(batch.shape, bool)
    starts_value[:, 1:] = ~same_value
    rank_sorted = np.maximum.accumulate(np.where(starts_value.ravel(), np.arange(batch.size), 0))
    rank_sorted = rank_sorted.reshape(batch.shape)
    # Sorted by class first, each group fills the same block of positions in every row: count
    # from the start of the row and of the unit's group.
    counts = np.bincount(codes, minlength=1) if n else np.zeros(0, np.int64)
    group_start = np.repeat(np.cumsum(counts) - counts, counts)
    rank_sorted -= group_start + (np.arange(batch.shape[0]) * n)[:, None]
    rank_sorted += 1
    # scatter back to unit order through flat indices (cheaper than put_along_axis)
    order += (np.arange(batch.shape[0]) * n)[:, None]
    ranks = np.empty(batch.size, dtype=np.int64)
    ranks[order.ravel()] = rank_sorted.ravel()
    return ranks.reshape(total.shape)


def _sort_packed(batch: np.ndarray, cls: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Sort by (class, total descending) as one int64 sort of (class | total | position) bits.

    Monte Carlo ranks runs x units at a time; sorting plain integers is several times faster
    than an argsort of floats. Returns None when the bits do not fit in 63 (then the generic
    sort is used): totals are compared as their 9-decimal integers, exactly as rounded.
    """
    # np.round(x, 9) is rint(x * 1e9) / 1e9, and below 2**52 distinct integers stay distinct
    # after the division: equal rounded totals <=> equal integers here
    scaled = np.multiply(batch, 10.0**TIE_DECIMALS)
    np.rint(scaled, out=scaled)
    top, bottom = scaled.max(), scaled.min()
    if not (np.isfinite(top) and np.isfinite(bottom)) or max(abs(top), abs(bottom)) >= 2.0**52:
        return None
    n = batch.shape[-1]
    idx_bits = max(1, (n - 1).bit_length())
    key_bits = max(1, int(top - bottom).bit_length())
    cls_bits = max(1, int(cls.max()).bit_length())
    if idx_bits + key_bits + cls_bits > 63:
        return None
    np.subtract(top, scaled, out=scaled)  # highest total -> smallest key
    packed = scaled.astype(np.int64)
    del scaled
    packed <<= idx_bits
    packed |= np.arange(n, dtype=np.int64)
    if cls.max() > 0:
        packed |= cls.astype(np.int64) << (key_bits + idx_bits)
    packed.sort(axis=-1)
    order = packed & ((1 << idx_bits) - 1)
    packed >>= idx_bits  # now (class, key) of each sorted position
    return order, packed[:, 1:] == packed[:, :-1]


def _sort_generic(batch: np.ndarray, cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same order as :func:`_sort_packed` with an argsort by total, then a stable one by class."""
    order = np.argsort(-batch, axis=-1)
    if len(cls) and cls.min() != cls.max():
        order = np.take_along_axis(order, np.argsort(cls[order], axis=-1, kind="stable"), axis=-1)
    k_sorted = np.take_along_axis(batch, order, axis=-1)
    c_sorted = cls[order]
    return order, (k_sorted[:, 1:] == k_sorted[:, :-1]) & (c_sorted[:, 1:] == c_sorted[:, :-1])


def veto_labels(veto_matrix: np.ndarray, veto_ids: list[str]) -> np.ndarray:
    """Triggered veto ids joined by ';' per unit ('' when none), built column by column."""
    labels = np.full(veto_matrix.shape[0], "", dtype=object)
    for j, vid in enumerate(veto_ids):
        hit = np.flatnonzero(veto_matrix[:, j])  # usually a handful of units: touch only those
        labels[hit] = np.where(labels[hit] == "", vid, labels[hit] + ";" + vid)
    return labels


def _result_table(
    frame: pd.DataFrame, rubric: Rubric, ids: pd.Index, totals: dict[str, np.ndarray], dims: dict[str, np.ndarray]
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
        out[dim.id] = dims[dim.id]
    table = pd.DataFrame(out)
    by_id = pd.Index(table[unit.id_column]).argsort()
    order = by_id[np.argsort(table["rank"].to_numpy()[by_id], kind="stable")]
    return table.iloc[order].reset_index(drop=True)
