"""Totals of contract section 5 from the points matrix: rescaling, bonus cap, deductions, caps, fails.

Everything works on whole columns, and on a leading batch axis of Monte Carlo runs as well.
"""

from __future__ import annotations

import numpy as np

from civscore.rubric.model import CapEffect, DeductEffect, Rubric


def aggregate(
    earned_base: np.ndarray,
    applicable: np.ndarray,
    weights: np.ndarray,
    earned_bonus: np.ndarray,
    rubric: Rubric,
    veto_matrix: np.ndarray,
    keep_stages: bool = False,
) -> dict[str, np.ndarray]:
    """Totals of rubric-contract section 5 from the points matrix, for every unit at once.

    ``earned_base`` may carry a leading batch axis (runs x units x indicators) with ``weights``
    of shape (runs x indicators), so that Monte Carlo runs share this code with :func:`score`.
    Callers that already hold E and A per run (e.g. as one matrix product, to avoid a
    runs x units x indicators array) use :func:`rescale_base` and :func:`finish_totals`.
    """
    if rubric.weighted:
        E, A, coverage, per_dimension = weighted_parts(earned_base, applicable, weights, rubric)
    else:
        E = earned_base.sum(axis=-1)
        A = weights @ applicable.T if weights.ndim > 1 else _applicable_points(applicable, weights)
        coverage, per_dimension = None, None
    return totals_from_sums(E, A, earned_bonus, rubric, veto_matrix, keep_stages, coverage, per_dimension)


def totals_from_sums(
    E: np.ndarray,
    A: np.ndarray,
    earned_bonus: np.ndarray,
    rubric: Rubric,
    veto_matrix: np.ndarray,
    keep_stages: bool = False,
    coverage: np.ndarray | None = None,
    per_dimension: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """:func:`aggregate` from E and A per unit (earned and applicable base points; coverage
    A / total_points unless given), for callers that sum them without an applicable matrix:
    the engine, which builds A from the excluded cells alone."""
    T = rubric.total_points
    base = rescale_base(E, A, T)
    totals = finish_totals(base, earned_bonus, rubric, veto_matrix, keep_stages)
    if keep_stages:
        totals.update(earned=E, applicable_points=A)
    if per_dimension is not None:
        totals["dimensions"] = per_dimension
    return dict(totals, base=base, coverage=A / T if coverage is None else coverage)


def dimension_matrix(rubric: Rubric) -> np.ndarray:
    """(base indicators x top-level dimensions) 0/1: which dimension each indicator sits in."""
    ids = [d.id for d in rubric.dimensions]
    base = rubric.base_indicators()
    out = np.zeros((len(base), len(ids)))
    for j, (path, _) in enumerate(base):
        out[j, ids.index(path[0])] = 1.0
    return out


def weighted_parts(
    earned_base: np.ndarray,
    applicable: np.ndarray,
    points: np.ndarray,
    rubric: Rubric,
    dimension_weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Dimension weights (contract section 9), per unit: (E', A', coverage, W_d * E_d / A_d).

    With E_d, A_d the earned and applicable points of top-level dimension d and D the
    dimensions with A_d > 0: E' = sum_{d in D} W_d E_d / A_d and A' = sum_{d in D} W_d, so that
    base = E' * total_points / A' (:func:`rescale_base`) is section 9's
    T * sum W_d E_d / A_d / sum W_d, and 0 when D is empty. coverage = sum_d W_d A_d / P_d / T.
    ``dimension_weights`` (dimensions,) or (runs x dimensions) replaces the rubric's weights.
    """
    T = rubric.total_points
    M = dimension_matrix(rubric)
    W = np.array([d.weight or 0.0 for d in rubric.dimensions]) if dimension_weights is None else dimension_weights
    E_d = earned_base @ M
    if points.ndim > 1:  # runs x indicators: A_d per run
        A_d = np.einsum("uk,rk,kd->rud", applicable.astype(float), points, M)
        P_d = (points @ M)[:, None, :]
    else:
        A_d = applicable.astype(float) @ (points[:, None] * M)
        P_d = points @ M
    if W.ndim > 1 and E_d.ndim > 2:
        W = W[:, None, :]
    present = A_d > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        per_dimension = np.where(present, W * E_d / np.where(present, A_d, 1.0), 0.0)
        coverage = (W * A_d / P_d).sum(axis=-1) / T
    E = per_dimension.sum(axis=-1)
    A = np.where(present, W, 0.0).sum(axis=-1)
    return E, A, coverage, per_dimension


def _applicable_points(applicable: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum of points over applicable indicators; only columns with an exclusion are visited."""
    partial = np.flatnonzero(~applicable.all(axis=0))
    return applicable_points(weights, ~applicable[:, partial], partial)


# rows per block in applicable_points: a block's bool -> float copy stays in cache (issue 16)
_ROWS = 4096


def applicable_points(weights: np.ndarray, excluded: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Sum of ``weights`` over each unit's applicable base indicators: all of them, less the
    excluded cells of the base ``columns`` (``excluded``: units x len(columns), True = excluded).

    The engine and :func:`aggregate` both come here, so their A agrees to the last bit. Rows go
    in blocks: per unit the same product as one matrix product (checked bit for bit), without
    a units x columns float copy of the mask.
    """
    A = np.full(excluded.shape[0], weights.sum())
    if len(columns):
        w = weights[columns]
        for start in range(0, excluded.shape[0], _ROWS):
            A[start : start + _ROWS] -= excluded[start : start + _ROWS] @ w
    return A


def rescale_base(E: np.ndarray, A: np.ndarray, total_points: float) -> np.ndarray:
    """``base`` = E * total_points / A (0 where A = 0): the 合理缺项 rescaling of section 5."""
    if np.all(A > 0):  # the usual case; skips two passes over a runs x units array
        base = np.multiply(E, total_points)
        base /= A  # in place: one fresh array, not two (1M units: every fresh 8 MB is paged in)
        return base
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(A > 0, E * total_points / np.where(A > 0, A, 1.0), 0.0)


def finish_totals(
    base: np.ndarray, earned_bonus: np.ndarray, rubric: Rubric, veto_matrix: np.ndarray, keep_stages: bool = False
) -> dict[str, np.ndarray]:
    """Add the capped bonus to ``base``, then apply deductions, caps and fails (section 5).

    ``base`` is (units,) or (runs x units); bonus and vetoes are per unit and broadcast over runs.
    With ``keep_stages`` the intermediate totals are returned too (``bonus_earned``,
    ``before_vetoes``, ``deducted``, ``after_deductions`` — floored at 0 —, ``cap``); Monte Carlo
    runs leave it off and work in place.
    """
    bonus_earned = earned_bonus.sum(axis=-1) if earned_bonus.shape[-1] else None
    bonus = np.minimum(rubric.bonus_cap, bonus_earned) if bonus_earned is not None else np.zeros(base.shape[-1])
    total = base + bonus
    deduct, cap, fail = veto_effects(veto_matrix, rubric)
    stages = {}
    if keep_stages:
        earned = bonus_earned if bonus_earned is not None else earned_bonus.sum(axis=-1)
        stages = dict(bonus_earned=earned, before_vetoes=total.copy(), deducted=deduct, cap=cap)
    # in place: for runs x units these are the largest arrays of a Monte Carlo chunk
    total -= deduct
    np.maximum(total, 0.0, out=total)
    if keep_stages:
        stages["after_deductions"] = total.copy()
    np.minimum(total, cap, out=total)
    return dict(stages, total=total, bonus=bonus, disqualified=fail, veto_matrix=veto_matrix)


def veto_effects(veto_matrix: np.ndarray, rubric: Rubric) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: the points all triggered deductions take off, the smallest triggered cap
    (inf if none), and whether a `fail` veto fired."""
    n = veto_matrix.shape[0]
    deduct = np.zeros(n)
    cap = np.full(n, np.inf)
    fail = np.zeros(n, bool)
    for j, veto in enumerate(rubric.vetoes):
        hit = veto_matrix[:, j]
        # the units a veto hits only (usually a few): no fresh units-sized array per veto
        if isinstance(veto.effect, DeductEffect):
            deduct[hit] += veto.effect.deduct
        elif isinstance(veto.effect, CapEffect):
            cap[hit] = np.minimum(cap[hit], veto.effect.cap)
        else:
            fail |= hit
    return deduct, cap, fail


def veto_labels(veto_matrix: np.ndarray, veto_ids: list[str]) -> np.ndarray:
    """Triggered veto ids joined by ';' per unit ('' when none)."""
    codes, labels = veto_label_codes(veto_matrix, veto_ids)
    return labels[codes]


def veto_label_codes(veto_matrix: np.ndarray, veto_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`veto_labels` as codes into the distinct labels (an object array; code 0 is ''):
    units share a handful of veto combinations, so the text is made once per combination."""
    n, k = veto_matrix.shape
    if not k or not veto_matrix.any():
        return np.zeros(n, np.intp), np.array([""], dtype=object)
    if k <= _DENSE_VETOES:  # a unit's combination as the integer of its bits: no sort
        key = np.zeros(n, np.intp)
        for j in range(k):
            key |= veto_matrix[:, j].astype(np.intp) << j
        seen = np.bincount(key, minlength=2**k) > 0
        seen[0] = True  # no veto: code 0
        combos = np.flatnonzero(seen)
        codes = (np.cumsum(seen) - 1)[key]
        hits = (combos[:, None] >> np.arange(k)) & 1
    else:
        bits = np.packbits(veto_matrix, axis=1, bitorder="little")
        rows = np.ascontiguousarray(bits).view(np.dtype((np.void, bits.shape[1]))).ravel()
        found, inverse = np.unique(np.concatenate([np.zeros(1, rows.dtype), rows]), return_inverse=True)
        codes = inverse[1:]  # the all-zero row sorts first: no veto is code 0
        packed = found.view(np.uint8).reshape(len(found), -1)
        hits = np.unpackbits(packed, axis=1, count=k, bitorder="little").astype(np.intp)
    labels = np.array([";".join(v for v, hit in zip(veto_ids, row, strict=True) if hit) for row in hits], dtype=object)
    return codes.astype(np.intp, copy=False), labels


# up to this many vetoes, combinations are counted in a table of 2**k (at most 64k entries)
_DENSE_VETOES = 16
