"""score() adds its totals up without keeping the points (issue 16); the points it shows later,
made on first read, are the ones the totals came from, to the last bit.

Each case is scored twice: the default way (sums first, matrices on first read) and with
``keep_matrices=True`` (matrices and sums in one pass, the way every score() ran before), with
blocks of a few rows and in one or two threads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import civscore
from civscore.scoring import points_pass
from civscore.scoring.engine import score_checked
from civscore.scoring.missing import column_mean, fill_column, fill_with_mean

NA = "不适用"

RUBRIC = """
id: pass
name: 两遍
version: "1"
unit: {id_column: uid, group_columns: [grp]}
total_points: 100
tiers: [{name: 好, min: 60}, {name: 差, min: 0}]
dimensions:
  - id: d1
    name: 一
    indicators:
      - {id: a, name: 甲, value: a, method: linear, points: 20, zero: 0, full: 1, missing: mean}
      - {id: b, name: 乙, value: b, method: deduction, points: 15, per_item: 5, missing: exclude, only_if: "pop > 100"}
      - {id: h, name: 寅, value: h, method: linear, points: 10, zero: 10, full: 2, missing: exclude}
  - id: d2
    name: 二
    indicators:
      - {id: c, name: 丙, value: c, method: categorical, points: 25, map: {A: 25, B: 15, C: 0}, missing: mean}
      - {id: e, name: 丁, value: e, method: boolean, points: 15, missing: zero}
      - {id: f, name: 戊, value: f, method: bands, points: 10, missing: mean,
         bands: [{at_least: 0.8, points: 10}, {at_least: 0.5, points: 5}]}
      - {id: g, name: 己, value: g, method: count, points: 5, per_item: 1, missing: exclude}
bonus:
  cap: 5
  indicators:
    - {id: x, name: 加, value: x, method: count, points: 5, per_item: 1, missing: zero}
vetoes:
  - {id: v, name: 否决, when: pop < 55, effect: fail}
  - {id: w, name: 扣分, when: x >= 4, effect: {deduct: 3}}
"""


def _data(n: int, seed: int = 0, all_missing: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)

    def holes(values: np.ndarray, rate: float = 0.15) -> np.ndarray:
        out = values.astype(object)
        out[rng.random(n) < rate] = None
        return out

    a = holes(rng.uniform(0, 1, n))
    a[rng.random(n) < 0.1] = NA
    f = np.full(n, None, dtype=object) if all_missing else holes(rng.uniform(0, 1, n), 0.3)
    return pd.DataFrame(
        {
            "uid": [f"u{i:04d}" for i in range(n)],
            "grp": rng.choice(np.array(["东", "西", "南"], dtype=object), n),
            "a": a,
            "b": holes(rng.integers(0, 6, n).astype(float)),
            "h": rng.integers(0, 12, n).astype(float),  # 10 exactly: (10 - 10) / -8 = -0.0
            "pop": rng.integers(50, 200, n).astype(float),
            "c": holes(rng.choice(np.array(["A", "B", "C"], dtype=object), n)),
            "e": rng.choice(np.array(["是", "否", "", NA], dtype=object), n),
            "f": f,
            "g": holes(rng.poisson(2, n).astype(float), 0.4),
            "x": rng.poisson(2, n).astype(float),
        }
    )


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=float).tobytes()


PARTS = ("table", "points", "missing", "not_applicable", "gated", "stages", "applicable", "imputed", "vetoes", "values")


@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("block_rows", [5, 64, None])
@pytest.mark.parametrize("all_missing", [False, True])
def test_the_sums_pass_gives_the_bits_of_the_matrices_pass(threads, block_rows, all_missing, monkeypatch):
    monkeypatch.setenv("CIVSCORE_THREADS", threads)
    if block_rows:
        monkeypatch.setattr(points_pass, "BLOCK_ROWS", block_rows)
    rubric = civscore.parse_rubric_text(RUBRIC, "pass.yaml")
    data = _data(613, all_missing=all_missing)
    checked = civscore.check(data, rubric)
    assert checked.report.ok, checked.report.problems
    lazy = score_checked(data, rubric, checked)
    eager = score_checked(data, rubric, checked, keep_matrices=True)
    assert "points" not in vars(lazy)  # nothing has read the matrices yet
    for stage in eager.stages.columns:
        assert _bits(lazy.stages[stage].to_numpy()) == _bits(eager.stages[stage].to_numpy()), stage
    for part in PARTS:
        pd.testing.assert_frame_equal(getattr(lazy, part), getattr(eager, part), check_exact=True)
    # the case really has what each path must get right
    assert eager.not_applicable.to_numpy().any() and eager.gated.to_numpy().any()
    assert (~eager.applicable.to_numpy()).any() and eager.imputed.to_numpy()[:, 0].any()
    assert np.signbit(eager.points["h"].to_numpy()).any()  # -0.0 kept through both
    assert np.array_equal(np.signbit(lazy.points.to_numpy()), np.signbit(eager.points.to_numpy()))


def test_the_threads_and_blocks_do_not_show(monkeypatch):
    rubric = civscore.parse_rubric_text(RUBRIC, "pass.yaml")
    data = _data(997, seed=3)
    monkeypatch.setenv("CIVSCORE_THREADS", "1")
    alone = civscore.score(data, rubric)
    monkeypatch.setenv("CIVSCORE_THREADS", "3")
    monkeypatch.setattr(points_pass, "BLOCK_ROWS", 11)
    spread = civscore.score(data, rubric)
    for part in PARTS:
        pd.testing.assert_frame_equal(getattr(spread, part), getattr(alone, part), check_exact=True)


def test_a_restricted_result_keeps_its_units_matrices():
    rubric = civscore.parse_rubric_text(RUBRIC, "pass.yaml")
    result = civscore.score(_data(40), rubric)
    ids = list(result.points.index[::3])
    part = result.restrict(ids)
    pd.testing.assert_frame_equal(part.points, result.points.loc[ids])
    pd.testing.assert_frame_equal(part.gated, result.gated.loc[ids])


@pytest.mark.parametrize(
    "cells, na",
    [
        ([1.0, np.nan, 3.0, np.nan], None),
        ([1.0, np.nan, 3.0, np.nan], [False, True, False, False]),
        ([np.nan, np.nan], [True, True]),  # NaN only where 不适用: nothing to fill
        ([np.nan, np.nan], None),  # nothing has points: the mean is 0
        ([-0.0, 2.0], None),  # no NaN at all: untouched
    ],
)
def test_a_mean_filled_block_by_block_is_the_column_filled_whole(cells, na):
    column = np.array(cells)
    mask = None if na is None else np.array(na)
    whole = column.copy()
    fill_column(whole, "mean", mask)
    mean = column_mean(column, mask)
    for cut in (slice(0, 1), slice(1, None)):
        part = column[cut].copy()
        fill_with_mean(part, mean, None if mask is None else mask[cut])
        assert _bits(part) == _bits(whole[cut])


@pytest.mark.parametrize("value", ["0", "-2", "x"])
def test_a_bad_thread_count_is_named(value, monkeypatch):
    from civscore.parallel import thread_count

    monkeypatch.setenv("CIVSCORE_THREADS", value)
    with pytest.raises(ValueError, match="CIVSCORE_THREADS"):
        thread_count()
