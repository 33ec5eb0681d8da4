"""civscore.parallel: the shared worker pool and waiting on its work."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from civscore.parallel import shared_pool, wait_all


def test_the_pool_is_kept_and_its_threads_with_it():
    pool = shared_pool(2)
    assert shared_pool(2) is pool and shared_pool(3) is not pool
    first = {pool.submit(threading.get_ident).result() for _ in range(20)}
    again = {pool.submit(threading.get_ident).result() for _ in range(20)}
    assert again <= first and len(first) <= 2  # the same worker threads, so their scratch arrays


def _in_child(queue):
    queue.put(shared_pool(2).submit(sum, [1, 2, 3]).result(timeout=20))


def test_a_forked_child_gets_a_pool_of_its_own():
    shared_pool(2).submit(int).result()  # the parent's threads exist before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_child, args=(queue,))
    child.start()
    child.join(30)
    assert child.exitcode == 0 and queue.get(timeout=1) == 6


def test_waiting_cancels_the_work_not_started_after_an_error():
    pool = shared_pool(1)
    release = threading.Event()

    def fail():
        raise RuntimeError("broken chunk")

    # the one worker can start at most one of the queued pieces before the error is seen: that
    # one waits for the release, so the others are still queued and get cancelled
    futures = [pool.submit(fail), *(pool.submit(release.wait, 10) for _ in range(5))]
    try:
        with pytest.raises(RuntimeError, match="broken chunk"):
            wait_all(futures)
        assert sum(not f.cancelled() for f in futures[1:]) <= 1
    finally:
        release.set()
