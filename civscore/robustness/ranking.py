"""Competition ranks of many runs at once, for the Monte Carlo and Sobol analyses.

The same ranks as :func:`civscore.scoring.ranks.competition_rank` ("1224", highest total first,
disqualified units after the others, totals equal after rounding to 9 decimals tie), built for
runs x units matrices whose classes (group, disqualified) are the same in every run: what does
not change between runs is prepared once per analysis, the integer keys are built once per
chunk and shared by the overall and the within-group ranking, a run's ranks are written
straight into the caller's array, and ties (rare) are fixed up at their own positions instead
of a running maximum over every element. Rows go in blocks that stay in the core's cache.
Ranking was about 60 % of an uncertainty analysis before this module (issue 16).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from civscore.robustness import rowsort
from civscore.robustness.scratch import scratch
from civscore.scoring.ranks import TIE_DECIMALS, competition_rank

# Rows ranked together: 16 rows x 10,000 units are 1.3 MB per int64 array, inside the 2 MB of
# L2 cache per core of the machines the bench runs on; 8 to 32 measured within noise.
BLOCK_ELEMENTS = 1 << 17


@dataclass
class Ranking:
    """How to rank runs x units totals for one class of each unit (see :func:`ranking`)."""

    disqualified: np.ndarray  # (units,) bool
    groups: np.ndarray | None  # (units,) int64 group codes; None for the overall ranking
    class_bits: np.ndarray  # (units,) int64 class = group * 2 + disqualified
    # (units,) in rank_dtype: the rank at sorted position p when no totals tie, p + 1 - start of its group
    position_rank: np.ndarray

    @cached_property
    def group_digits(self) -> list[np.ndarray] | None:
        """The group codes as 16-bit digits, least significant first (one digit up to 65,536
        groups, 8 bits up to 256), for the radix sorts of :func:`_partitioned`; None for the
        overall ranking."""
        if self.groups is None:
            return None
        top = int(self.groups.max()) if len(self.groups) else 0
        if top < 1 << 8:
            return [self.groups.astype(np.uint8)]
        return [((self.groups >> shift) & 0xFFFF).astype(np.uint16) for shift in range(0, top.bit_length(), 16)]

    @cached_property
    def overall(self) -> Ranking:
        """The ranking of the same units without groups."""
        return self if self.groups is None else ranking(self.disqualified)

    def shifted_classes(self, shift: int) -> np.ndarray:
        """``class_bits << shift``, kept for the next block (the shift is usually the same)."""
        cached = getattr(self, "_shifted", None)
        if cached is None or cached[0] != shift:
            cached = (shift, self.class_bits << shift)
            self._shifted = cached  # a race only makes another thread build the same array
        return cached[1]


def rank_dtype(n_units: int) -> np.dtype:
    """The integer type the ranks of ``n_units`` units are stored in: int16 up to 32,767 units,
    else int32. The Monte Carlo keeps runs x units ranks overall and per group column; int16
    halves their memory and what the ranking writes and the statistics read (issue 16)."""
    return np.dtype(np.int16 if n_units <= np.iinfo(np.int16).max else np.int32)


def ranking(disqualified: np.ndarray, codes: np.ndarray | None = None) -> Ranking:
    """Prepare the ranking of runs x units totals: overall (``codes`` None) or within groups
    given as integer codes per unit (a missing value already a code of its own)."""
    disq = np.asarray(disqualified, dtype=bool)
    n = len(disq)
    group = np.zeros(n, np.int64) if codes is None else np.asarray(codes, dtype=np.int64)
    cls = group * 2 + disq
    # sorted by class first, every group fills the same block of positions in every run
    counts = np.bincount(group, minlength=1) if n else np.zeros(0, np.int64)
    group_start = np.repeat(np.cumsum(counts) - counts, counts)
    position_rank = (np.arange(n) - group_start + 1).astype(rank_dtype(n))
    return Ranking(disq, None if codes is None else group, cls, position_rank)


class _Workspace(threading.local):
    """Per-thread scratch arrays for one block of rows: allocating fresh ~1 MB temporaries for
    every block made the allocator hand pages back to the kernel and fault them in again,
    which cost as much as the sort itself (measured: the key building 3x slower)."""

    def arrays(self, rows: int, n: int) -> dict[str, np.ndarray]:
        shape = (rows, n)
        if getattr(self, "shape", None) != shape:
            self.shape = shape
            self.buffers = {
                "scaled": np.empty(shape),
                "keys": np.empty(shape, np.int64),
                "packed": np.empty(shape, np.int64),
                "order": np.empty(shape, np.int64),
                "same": np.empty((rows, max(n - 1, 0)), bool),
                "small": np.empty(shape, np.int32),
                "positions": np.arange(n, dtype=np.int64),
            }
        return self.buffers


_workspace = _Workspace()


def rank_runs(
    total: np.ndarray, rankings: list[Ranking], outs: list[np.ndarray], rows: Sequence[int] | np.ndarray | None = None
) -> None:
    """Write the competition ranks of ``total`` (runs x units) under each of ``rankings`` into
    the matching ``outs`` (integer arrays at least :func:`rank_dtype` wide, with one C-contiguous
    row per run): row ``i`` of
    ``total`` goes to row ``rows[i]`` of each out (default: row ``i``, outs shaped like total).

    One sort per row orders the units by (disqualified, total); a ranking within groups that
    shares those disqualified units is that order partitioned by group, keeping the order
    inside each group: a counting pass instead of a second sort (issue 16)."""
    runs, n = total.shape
    if n == 0 or runs == 0:
        return
    if not all(out.flags.c_contiguous and out.shape[1:] == (n,) for out in outs) or (
        rows is None and not all(out.shape == total.shape for out in outs)
    ):
        raise ValueError("rank_runs writes into C-contiguous arrays with a row of every unit per run")
    overall = _overall(rankings)
    block_rows = max(1, BLOCK_ELEMENTS // n)
    for start in range(0, runs, block_rows):
        block = slice(start, min(start + block_rows, runs))
        targets = range(block.start, block.stop) if rows is None else rows[block]
        ws = _workspace.arrays(block.stop - start, n)
        keys = _keys(total[block], rankings if overall is None else [overall], ws)
        if keys is None:
            for r, out in zip(rankings, outs):
                for row, values in zip(targets, _generic(total[block], r)):
                    out[row] = values
            continue
        if overall is None:
            for i, (r, out) in enumerate(zip(rankings, outs)):
                # the last ranking of a block may sort the shared keys themselves
                order, ranks, _, _ = _sorted_ranks(*keys, r, ws, last=i == len(rankings) - 1)
                _scatter(out, targets, order, ranks)
            continue
        order, ranks, values, tied = _sorted_ranks(*keys, overall, ws, last=True)
        for r, out in zip(rankings, outs):
            if r.groups is None:
                _scatter(out, targets, order, ranks)
            else:
                _scatter(out, targets, *_partitioned(order, values, tied, r))


def _overall(rankings: list[Ranking]) -> Ranking | None:
    """The overall ranking the group rankings among ``rankings`` can be partitioned from (see
    :func:`rank_runs`), or None when they cannot: disqualified units that differ between
    rankings, or no group ranking to partition."""
    first = rankings[0]
    if not all(np.array_equal(r.disqualified, first.disqualified) for r in rankings):
        return None
    if not any(r.groups is not None for r in rankings):
        return None  # nothing to partition: the keys serve every ranking as they are
    return next((r for r in rankings if r.groups is None), None) or first.overall


def _partitioned(order: np.ndarray, values: np.ndarray, tied: bool, r: Ranking) -> tuple[np.ndarray, np.ndarray]:
    """(unit of each sorted position, its rank within its group) from the overall sorted
    ``order`` and its (disqualified, value) ``values``: a stable sort of the group codes in
    overall order keeps each group in overall order, which sorts it by (group, disqualified,
    total, position) exactly as the group's own keys would. The codes are 8 or 16 bits per
    digit, so NumPy sorts them by radix: linear passes instead of a comparison sort of
    (group | position) keys, ~6x cheaper per run at 10,000 units (issue 16)."""
    assert r.groups is not None and r.group_digits is not None
    rows, n = order.shape
    grouped = scratch.array("grouped", (rows, n), order.dtype)
    digits = [scratch.array(f"group digit {i}", (rows, n), d.dtype) for i, d in enumerate(r.group_digits)]
    for d, codes in zip(r.group_digits, digits):
        np.take(d, order, out=codes)
    if tied:
        in_group_order = scratch.array("values in group order", (rows, n), values.dtype)
    # long rows one at a time: a row's argsort comes from the heap, a block's would be fresh
    # pages (3x slower at 10,000 units); short rows a block at a time, saving calls
    pieces: Sequence[int | slice] = range(rows) if n >= rowsort.MIN_LENGTH else [slice(None)]
    for piece in pieces:
        perm = _stable_order([codes[piece] for codes in digits])
        _gather(order[piece], perm, grouped[piece])
        if tied:
            _gather(values[piece], perm, in_group_order[piece])
    ranks = np.broadcast_to(r.position_rank, grouped.shape)
    if tied:  # equal (disqualified, value) next to each other in the same group
        group_of = np.take(r.groups, grouped)  # the group of each position in group order
        same = (in_group_order[:, 1:] == in_group_order[:, :-1]) & (group_of[:, 1:] == group_of[:, :-1])
        ranks = _tie_ranks(ranks, same)
    return grouped, ranks


def _stable_order(digits: list[np.ndarray]) -> np.ndarray:
    """The stable order along the last axis by ``digits`` (least significant first): a least
    significant digit radix sort, one stable argsort per digit."""
    perm = np.argsort(digits[0], axis=-1, kind="stable")
    for d in digits[1:]:
        perm = np.take_along_axis(perm, np.argsort(np.take_along_axis(d, perm, -1), axis=-1, kind="stable"), -1)
    return perm


def _gather(source: np.ndarray, perm: np.ndarray, out: np.ndarray) -> None:
    """``out`` = ``source`` taken at ``perm`` along the last axis."""
    if perm.ndim == 1:
        np.take(source, perm, out=out)
    else:
        out[...] = np.take_along_axis(source, perm, axis=-1)


def _scatter(out: np.ndarray, targets: Sequence[int] | np.ndarray, order: np.ndarray, ranks: np.ndarray) -> None:
    """Row ``targets[i]`` of ``out`` gets ``ranks[i]`` at the units ``order[i]``."""
    # into a row that stays in cache, then copied whole: scattered writes straight into the
    # stored rows missed the cache at every element
    buf = scratch.array("scatter", out.shape[1:], out.dtype)
    for row, o, k in zip(targets, order, ranks):
        buf[o] = k
        out[row] = buf


def mean_abs_shift(total: np.ndarray, r: Ranking, nominal_rank: np.ndarray) -> np.ndarray:
    """Per run (row of ``total``): the mean over units of |rank - nominal rank|.

    Read in sorted order (a gather of the nominal ranks), so the ranks are never scattered
    back to unit order.
    """
    runs, n = total.shape
    out = np.empty(runs)
    if n == 0:
        out[:] = np.nan
        return out
    nominal = np.asarray(nominal_rank, dtype=np.int32)
    rows = max(1, BLOCK_ELEMENTS // n)
    for start in range(0, runs, rows):
        block = slice(start, min(start + rows, runs))
        ws = _workspace.arrays(block.stop - start, n)
        keys = _keys(total[block], [r], ws, fold=True)
        if keys is None:
            out[block] = np.abs(_generic(total[block], r) - nominal.astype(np.int64)).mean(axis=1)
            continue
        order, ranks, _, _ = _sorted_ranks(*keys, r, ws, last=True)
        shift = ws["small"]
        np.take(nominal, order, out=shift)
        shift -= ranks
        np.abs(shift, out=shift)
        out[block] = shift.sum(axis=1, dtype=np.int64) / n
    return out


def _keys(
    total: np.ndarray, rankings: list[Ranking], ws: dict[str, np.ndarray], fold: bool = False
) -> tuple[np.ndarray, int, int, bool] | None:
    """(value | position) int64 keys per element, lowest for the highest total, the number of
    position bits, the bit where the class goes and whether the class of ``rankings[0]`` is in
    the keys already (asked for by ``fold``); None when the rounded totals, positions and
    classes do not fit in 63 bits (then the engine's generic ranking is used)."""
    # np.round(x, 9) is rint(x * 1e9) / 1e9, and below 2**52 distinct integers stay distinct
    # after the division: equal rounded totals <=> equal integers here
    scaled = ws["scaled"]
    np.multiply(total, 10.0**TIE_DECIMALS, out=scaled)
    np.rint(scaled, out=scaled)
    top, bottom = scaled.max(), scaled.min()
    if not (np.isfinite(top) and np.isfinite(bottom)) or max(abs(top), abs(bottom)) >= 2.0**52:
        return None
    n = total.shape[1]
    idx_bits = max(1, (n - 1).bit_length())
    key_bits = max(1, int(top - bottom).bit_length())
    cls_bits = max(max(1, int(r.class_bits.max()).bit_length()) for r in rankings)
    cls_shift = idx_bits + key_bits
    if cls_shift + cls_bits > 63:
        return None
    keys = ws["keys"]
    if max(abs(top), abs(bottom)) * 2.0**idx_bits < 2.0**52 and cls_shift + cls_bits <= 52:
        # The same integers in two passes instead of four: (top - v) * 2**idx + position
        # (+ class * 2**shift) computed in float64, where every operand and result is a whole
        # number below 2**53 and so exact, then cast (exactly) to int64
        folded = fold and bool(rankings[0].class_bits.any())
        addend = np.add(ws["positions"], top * 2.0**idx_bits, out=scratch.array("addend", (n,)))
        if folded:
            addend += np.multiply(rankings[0].class_bits, 2.0**cls_shift, out=scratch.array("class addend", (n,)))
        np.multiply(scaled, -(2.0**idx_bits), out=scaled)
        np.add(scaled, addend, out=keys, casting="unsafe")
        return keys, idx_bits, cls_shift, folded
    np.subtract(top, scaled, out=scaled)  # highest total -> smallest key
    np.copyto(keys, scaled, casting="unsafe")  # whole numbers already: the cast is exact
    keys <<= idx_bits
    keys |= ws["positions"]
    return keys, idx_bits, cls_shift, False


def _sorted_ranks(
    keys: np.ndarray,
    idx_bits: int,
    cls_shift: int,
    folded: bool,
    r: Ranking,
    ws: dict[str, np.ndarray],
    last: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(unit of each sorted position, its competition rank, its (class, value) key, whether
    any of those keys tie), all runs x units; the first is a workspace array the caller may
    change. ``last``: ``keys`` are not needed afterwards and are sorted in place (one copy
    less); ``folded``: they hold ``r``'s class already."""
    packed = keys if last else ws["packed"]
    # the class goes above the value: one int64 sort of (class | value | position)
    if folded:
        assert last
    elif r.class_bits.any():
        np.bitwise_or(keys, r.shifted_classes(cls_shift), out=packed)
    elif not last:
        np.copyto(packed, keys)
    packed = rowsort.sort_rows(packed)
    order = np.bitwise_and(packed, (1 << idx_bits) - 1, out=ws["order"])
    packed >>= idx_bits  # (class, value) of each sorted position
    ranks = np.broadcast_to(r.position_rank, packed.shape)
    same = np.equal(packed[:, 1:], packed[:, :-1], out=ws["same"])
    tied = bool(same.any())
    if tied:
        ranks = _tie_ranks(ranks, same)
    return order, ranks, packed, tied


def _tie_ranks(ranks: np.ndarray, same: np.ndarray) -> np.ndarray:
    """``ranks`` (runs x positions) where a position whose key equals the one before it
    (``same``, runs x positions - 1) takes the rank of the first position of its run of equal
    keys; ties are rare, so only their positions are visited."""
    tied = np.flatnonzero(same)
    n = ranks.shape[1]
    flat = tied + tied // (n - 1) + 1  # (row, position - 1) of the pairs -> flat position
    begins = np.ones(len(flat), bool)
    begins[1:] = flat[1:] != flat[:-1] + 1
    first = np.maximum.accumulate(np.where(begins, flat - 1, 0))
    ranks = ranks.copy()
    ranks.reshape(-1)[flat] = ranks.reshape(-1)[first]
    return ranks


def _generic(total: np.ndarray, r: Ranking) -> np.ndarray:
    return competition_rank(total, r.disqualified, None if r.groups is None else pd.Series(r.groups))
