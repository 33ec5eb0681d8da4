"""Whole-column work spread over the machine's cores, in threads.

NumPy lets go of the GIL inside its loops over large arrays, so blocks of rows or whole columns
worked on in threads run side by side; Python's own bookkeeping between the calls is what the
threads share. Used where each piece writes its own part of the output, so the result is the
same, bit for bit, however many threads run and in whatever order they finish.

``CIVSCORE_THREADS`` caps the threads (``1``: everything in the calling thread), e.g. when many
civscore processes share one machine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from civscore.words import say

T = TypeVar("T")
R = TypeVar("R")

# Threads beyond four only wait for memory on the machines civscore runs on (2-8 cores).
MAX_THREADS = 4


def thread_count(wanted: int | None = None) -> int:
    """``wanted`` if given, else one thread per core, at most :data:`MAX_THREADS`; never more
    than ``CIVSCORE_THREADS`` when that is set. At least 1."""
    cap = os.environ.get("CIVSCORE_THREADS", "").strip()
    limit = None
    if cap:
        try:
            limit = int(cap)
        except ValueError:
            limit = 0  # not a number: the same message as a number below 1
        if limit < 1:
            raise ValueError(
                say(
                    f"环境变量 CIVSCORE_THREADS 必须是正整数，不能是 {cap!r}",
                    f"CIVSCORE_THREADS must be a whole number >= 1, not {cap!r}",
                )
            )
    count = max(1, int(wanted)) if wanted is not None else min(MAX_THREADS, os.cpu_count() or 1)
    return min(count, limit) if limit is not None else count


def each(work: Callable[[T], R], items: Iterable[T], threads: int | None = None) -> list[R]:
    """``[work(item) for item in items]``, the items shared among :func:`thread_count` threads.

    Results come back in the items' order; the first exception a piece raises is raised here,
    after the pieces already started have finished. One thread, or one item, runs in the
    calling thread with no pool at all.
    """
    pieces = list(items)
    count = min(thread_count(threads), len(pieces))
    if count <= 1:
        return [work(piece) for piece in pieces]
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work, piece) for piece in pieces]
        return [future.result() for future in futures]


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
# a forked child has the pools' objects but none of their threads: it starts its own
os.register_at_fork(after_in_child=_pools.clear)


def shared_pool(threads: int) -> ThreadPoolExecutor:
    """A process-wide pool of ``threads`` worker threads, started on first use and then kept.

    The robustness analyses run their chunks on it, so a worker keeps its scratch arrays
    (:mod:`civscore.robustness.scratch`) from one analysis to the next instead of faulting
    tens of megabytes of fresh pages in for every call (issue 16). Work submitted to it must
    not wait for work submitted after it, which could be queued behind it.
    """
    with _pools_lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="civscore")
        return pool


def wait_all(futures: Sequence[Future[None]]) -> None:
    """Wait for ``futures`` in order; on the first exception (or an interrupt) cancel the ones
    not yet started, so that a shared pool is not left working for nobody, and re-raise."""
    try:
        for future in futures:
            future.result()
    except BaseException:
        for future in futures:
            future.cancel()
        raise
