"""Per-thread scratch arrays, reused from one chunk of runs to the next.

A fresh multi-megabyte temporary per chunk is handed back to the kernel when it is freed (the
worker threads' malloc arenas trim their top) and faulted in again, zeroed, for the next chunk:
in the Monte Carlo that zeroing was the largest single item of a profile (issue 16). Each
thread keeps one buffer per name instead, grown when a chunk needs more.
"""

from __future__ import annotations

import math
import threading

import numpy as np


class Scratch(threading.local):
    """One flat buffer per (name, dtype) and thread; :meth:`array` hands out a view of it."""

    def __init__(self) -> None:
        self.buffers: dict[tuple[str, np.dtype], np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: type | np.dtype = np.float64) -> np.ndarray:
        """A C-contiguous array of ``shape`` (contents undefined), valid until this thread asks
        for ``name`` again."""
        key = (name, np.dtype(dtype))
        size = math.prod(shape)
        buf = self.buffers.get(key)
        if buf is None or buf.size < size:
            buf = self.buffers[key] = np.empty(size, key[1])
        return buf[:size].reshape(shape)

    def positions(self, n: int, dtype: type | np.dtype = np.int64) -> np.ndarray:
        """``np.arange(n, dtype=dtype)``, made once per thread."""
        key = (f"positions {n}", np.dtype(dtype))
        if key not in self.buffers:
            self.buffers[key] = np.arange(n, dtype=dtype)
        return self.buffers[key]


scratch = Scratch()
