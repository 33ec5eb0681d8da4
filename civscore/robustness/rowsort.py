"""Sorting every row of a block, by whichever of two exact ways is faster on this CPU.

The Monte Carlo and Sobol analyses sort one row of keys per run (one per unit, packed with its
position so that no two are equal). NumPy's vectorised quicksort does that fast on most CPUs,
but on some it is the slowest step by far: on the AMD EPYC (Zen 4) machines of issue 16, NumPy
2.4 picks its AVX-512 kernel, whose compress-stores are slow there, and a row of 10,000 int64
keys takes ~300 us, over half of a Sobol analysis. The other way:

1. a 16-bit bucket of each value, rising with the value (its place between the row's least
   and greatest, 65,535 steps);
2. a stable argsort of the buckets, which NumPy does as a radix sort (two linear passes);
3. the row gathered in that order: now in order except among values that share a bucket;
4. a stable sort (timsort), which runs over stretches already in order in linear time.

That is ~120 us on those machines. Both ways give the same rows (the final sort is a full sort;
the buckets only make it cheap); equal values, which the rows of keys never hold, may end up in
another order, so -0.0 and 0.0 may swap. Which way a process uses for a kind of row (dtype,
length) is measured on the first rows it sorts (:data:`TRIALS` blocks each way), so a CPU
where the quicksort is fast keeps it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from civscore.robustness.scratch import scratch

# Rows shorter than this are sorted by NumPy alone: the per-row steps of the bucketed way cost
# more in calls than they save.
MIN_LENGTH = 2048
# Blocks timed each way before a kind of row keeps the faster. The fastest of them decides:
# other work only ever adds time, and a way's first block also pays for its scratch arrays.
TRIALS = 3
# Below 2**16 - 1, so that the largest value's bucket never rounds up past the uint16 range.
TOP_BUCKET = 65534.0
METHOD: str | None = None
"""``"quick"`` or ``"bucketed"`` forces one way (tests, benchmarks); None measures."""


def _quick(block: np.ndarray) -> np.ndarray:
    block.sort(axis=1)
    return block


def _bucketed(block: np.ndarray) -> np.ndarray:
    lo = block.min(axis=1).astype(np.float64)
    span = block.max(axis=1).astype(np.float64) - lo
    if not np.isfinite(span).all():  # NaN or infinity in a float row: no buckets to draw
        return _quick(block)
    scale = np.divide(TOP_BUCKET, span, out=np.zeros_like(span), where=span > 0)
    # (value - least) * scale never decreases as the value grows (each step rounds
    # monotonically) and lies in [0, TOP_BUCKET]: the truncating cast gives rising buckets
    place = scratch.array("rowsort place", block.shape)
    np.subtract(block, lo[:, None], out=place)
    place *= scale[:, None]
    buckets = scratch.array("rowsort buckets", block.shape, np.uint16)
    np.copyto(buckets, place, casting="unsafe")
    out = scratch.array("rowsort out", block.shape, block.dtype)
    # one row at a time: a row's argsort (80 KB at 10,000 units) comes from the heap and goes
    # back to it, where a whole block's would be fresh pages from the kernel each time
    for row in range(block.shape[0]):
        np.take(block[row], np.argsort(buckets[row], kind="stable"), out=out[row])
    out.sort(axis=1, kind="stable")
    return out


METHODS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"quick": _quick, "bucketed": _bucketed}


class _Choice:
    """Per kind of row: seconds per element each way took on its first blocks, then the way kept."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.trials: dict[tuple[str, int], dict[str, list[float]]] = {}
        self.kept: dict[tuple[str, int], str] = {}

    def sort(self, block: np.ndarray) -> np.ndarray:
        kind = (block.dtype.str, block.shape[1].bit_length())
        kept = self.kept.get(kind)
        if kept is not None:
            return METHODS[kept](block)
        with self.lock:
            times = self.trials.setdefault(kind, {name: [] for name in METHODS})
            name = min(times, key=lambda m: len(times[m]))  # the way with fewer trials next
        start = time.perf_counter()
        out = METHODS[name](block)
        seconds = (time.perf_counter() - start) / block.size
        with self.lock:
            times[name].append(seconds)
            if kind not in self.kept and all(len(t) >= TRIALS for t in times.values()):
                self.kept[kind] = min(times, key=lambda m: min(times[m]))
        return out


_choice = _Choice()


def sort_rows(block: np.ndarray) -> np.ndarray:
    """Every row of the 2-D C-contiguous ``block`` sorted ascending: ``block`` itself, sorted in
    place, or this thread's scratch array (valid until its next call), ``block`` then left as it
    was. Rows of distinct values come out the same to the bit either way.
    """
    if block.ndim != 2 or not block.flags.c_contiguous:
        raise ValueError("sort_rows sorts the rows of a 2-D C-contiguous array")
    if block.size == 0 or block.shape[1] < MIN_LENGTH or block.dtype.kind not in "iuf" or block.dtype.itemsize < 4:
        return _quick(block)  # 8- and 16-bit rows: NumPy's own sort is already cheap
    if METHOD is not None:
        return METHODS[METHOD](block)
    return _choice.sort(block)


def kept() -> dict[str, str]:
    """The way this process sorts each kind of row, once measured (``"int64 rows of < 16,384"``:
    ``"bucketed"``)."""
    return {f"{np.dtype(dtype).name} rows of < {2**bits:,}": name for (dtype, bits), name in _choice.kept.items()}
