"""civscore.robustness.rowsort: both ways of sorting rows agree with np.sort, and the faster is kept."""

from __future__ import annotations

import numpy as np
import pytest

from civscore.robustness import rowsort


def _rows(kind: str) -> np.ndarray:
    rng = np.random.default_rng(11)
    shape = (5, 3_000)
    if kind == "keys":  # what the ranking sorts: distinct (value | position) keys
        return (rng.integers(0, 2**35, shape) << 12) | np.arange(shape[1])
    if kind == "wide":  # a span past 2**62, and negative values
        return rng.integers(-(2**62), 2**62, shape)
    if kind == "outlier":  # nearly everything in one bucket: correct, only slower
        rows = rng.integers(0, 1000, shape)
        rows[:, 7] = 2**60
        return rows
    if kind == "int32":
        return rng.integers(-(2**31), 2**31 - 1, shape).astype(np.int32)
    if kind == "float ties":  # equal values, -0.0 beside 0.0, a constant row
        rows = np.round(rng.normal(50, 10, shape), 1)
        rows[1, ::3] = -0.0
        rows[1, 1::3] = 0.0
        rows[2] = 7.25
        return rows
    if kind == "float specials":  # NaN and infinities: sorted by NumPy as they are
        rows = rng.normal(0, 1, shape)
        rows[0, 5] = np.nan
        rows[3, 9] = np.inf
        rows[4, 2] = -np.inf
        return rows
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["keys", "wide", "outlier", "int32", "float ties", "float specials"])
@pytest.mark.parametrize("method", ["quick", "bucketed"])
def test_each_way_sorts_rows_as_numpy_does(kind, method, monkeypatch):
    monkeypatch.setattr(rowsort, "METHOD", method)
    block = _rows(kind)
    original = block.copy()
    expected = np.sort(block, axis=1)
    got = rowsort.sort_rows(block)
    assert got.dtype == block.dtype and got.shape == block.shape
    np.testing.assert_array_equal(got, expected, strict=True)
    if kind in ("keys", "wide", "int32"):  # distinct values: the same bits either way
        assert got.tobytes() == expected.tobytes()
    if got is not block:  # the scratch array holds the rows; the input is left as it was
        np.testing.assert_array_equal(block, original)


def test_short_narrow_and_empty_rows_are_numpys_own_sort(monkeypatch):
    monkeypatch.setattr(rowsort, "METHOD", "bucketed")
    rng = np.random.default_rng(1)
    for block in (
        rng.integers(0, 9, (3, rowsort.MIN_LENGTH - 1)),
        rng.integers(0, 9, (3, 5_000)).astype(np.int16),
        np.zeros((0, 5_000)),
    ):
        assert rowsort.sort_rows(block) is block and (np.diff(block, axis=1) >= 0).all()
    with pytest.raises(ValueError, match="2-D C-contiguous"):
        rowsort.sort_rows(np.zeros((4, 5_000)).T)


def test_the_faster_way_is_kept_after_its_trials(monkeypatch):
    """A fake clock: each way advances it by its own cost per call; the cheaper is kept, per kind of row."""
    clock = [0.0]
    cost = {"quick": 3.0, "bucketed": 1.0}
    calls: list[str] = []

    def way(name):
        def sort(block):
            calls.append(name)
            clock[0] += cost[name] * block.size
            block.sort(axis=1)
            return block

        return sort

    monkeypatch.setattr(rowsort.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(rowsort, "METHODS", {name: way(name) for name in cost})
    choice = rowsort._Choice()
    rng = np.random.default_rng(2)
    for _ in range(2 * rowsort.TRIALS):
        choice.sort(rng.integers(0, 100, (2, 4_000)))
    assert sorted(calls) == sorted(["quick", "bucketed"] * rowsort.TRIALS)  # each tried in turn
    assert choice.kept == {("<i8", 12): "bucketed"}
    calls.clear()
    choice.sort(rng.integers(0, 100, (2, 4_000)))
    assert calls == ["bucketed"]
    cost["quick"] = 0.5  # another kind of row (float64) on which the quicksort is faster
    for _ in range(2 * rowsort.TRIALS):
        choice.sort(rng.normal(size=(2, 4_000)))
    assert choice.kept[("<f8", 12)] == "quick" and choice.kept[("<i8", 12)] == "bucketed"
