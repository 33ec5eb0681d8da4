"""Competition ranks ("1224") of contract section 5, for one run or a batch of Monte Carlo runs."""

from __future__ import annotations

import numpy as np
import pandas as pd

TIE_DECIMALS = 9


def competition_rank(total: np.ndarray, disqualified: np.ndarray, groups: pd.Series | None = None) -> np.ndarray:
    """Competition ranks ("1224"), highest total first, disqualified units after all others.

    Totals equal after rounding to 9 decimals tie. With ``groups``, ranks run within each group
    (a missing group value is a group of its own). ``total`` may be (units,) or (runs x units)
    with ``disqualified`` and ``groups`` per unit; ranks are computed along the last axis.

    Units are sorted by class (group, then qualified before disqualified) and by total, highest
    first; a unit's rank is the position of the first unit with its class and total, counted
    from the start of its group.
    """
    return _ranks(total, disqualified, groups)[0]


def ranks_and_order(total: np.ndarray, disqualified: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`competition_rank` of one run, and the units in rank order (ties in unit order,
    as a stable argsort of the ranks puts them). The order usually comes from the ranking's own
    sort, which saves sorting 1M ranks a second time (issue 16)."""
    ranks, order = _ranks(total, disqualified, None)
    if order is None:
        order = np.argsort(ranks, kind="stable")
    return ranks, order


def _ranks(
    total: np.ndarray, disqualified: np.ndarray, groups: pd.Series | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The ranks, and for one run without groups ranked by the packed sort, the units in rank
    order: sorted by (qualified first, total highest first, position), which is rank order
    with equal ranks in unit order."""
    total = np.asarray(total, dtype=float)
    batch = np.atleast_2d(total)
    n = batch.shape[-1]
    if groups is None:
        codes = np.zeros(n, dtype=np.int64)
    else:
        codes = pd.factorize(pd.Series(groups).reset_index(drop=True), use_na_sentinel=False)[0].astype(np.int64)
    cls = codes * 2 + np.asarray(disqualified, dtype=bool)
    sorted_ = _sort_packed(batch, cls) if n else None
    in_rank_order = sorted_ is not None and groups is None and total.ndim == 1
    if sorted_ is None:
        sorted_ = _sort_generic(np.round(batch, TIE_DECIMALS), cls)
    order, same_value = sorted_
    # the packed sort breaks ties by position: its order is the stable rank order
    rank_order = order[0].copy() if in_rank_order else None
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
    return ranks.reshape(total.shape), rank_order


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
