"""Validation's whole-column shortcuts (issue 16) give the answers of the slow, obvious way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import civscore
from civscore.validation.arrow_text import to_numbers
from civscore.validation.cells import NOT_APPLICABLE, ColumnCache, count_columns, rubric_kinds
from civscore.validation.check import _arithmetic_summaries
from civscore.validation.schema import build_schema

ODD_CELLS = [
    "1", "1.", ".5", "+5", "-5", "1e5", "1E-5", "-.5e+3", "inf", "-inf", "nan", "NaN", "Infinity",
    "  12 ", "12 ", " 12", "1,000", "１２", "0x10", "1_000", "", " ", "--", "1e500", "-0", "00012",
    "1.2.3", "e5", "5e", ".", "+", "-", "123456789012345678901234567890", "9007199254740993",
    "0.1000000000000000055511151231257827", "True", "NA", "٣", None, NOT_APPLICABLE, "是",
]  # fmt: skip


@pytest.mark.parametrize("cells", [ODD_CELLS, ["1.5", "", None, "2"], ["3", "4"], ["x", "y"]])
def test_numbers_from_arrow_text_are_pandas_numbers(cells):
    col = pd.Series(cells * 3, dtype="str")
    expected = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    got = to_numbers(col)
    assert got.dtype == np.float64 and got.flags.writeable
    np.testing.assert_array_equal(got, expected)
    assert (np.signbit(got) == np.signbit(expected)).all()  # -0 stays -0


def test_numbers_from_other_columns_are_pandas_numbers():
    col = pd.Series([1, "2", None, 3.5, "x"], dtype=object)
    np.testing.assert_array_equal(to_numbers(col), [1.0, 2.0, np.nan, 3.5, np.nan])


RUBRIC = """
id: t
name: 测试
version: "1"
unit: {id_column: uid}
total_points: 100
tiers: [{name: 达标, min: 60}, {name: 不达标, min: 0}]
dimensions:
  - id: d
    name: 维度
    indicators:
      - {id: a, name: 甲, value: a, method: linear, points: 40, zero: 0, full: 100}
      - {id: b, name: 乙, value: b, method: linear, points: 30, zero: 0, full: 100}
      - {id: c, name: 丙, value: c, method: count, points: 30, per_item: 10}
"""


def _reference_summaries(X: np.ndarray) -> np.ndarray:
    """The rule as first written: one units x columns matrix, every row compared at once."""
    complete = np.isfinite(X).all(axis=1)
    total = np.nansum(X, axis=0)
    count = np.isfinite(X).sum(axis=0)
    others = total - np.nan_to_num(X)
    mean_others = others / (count - 1)
    is_sum = np.isclose(X, others, rtol=1e-6, atol=1e-9).all(axis=1)
    is_mean = np.isclose(X, mean_others, rtol=1e-6, atol=1e-9).all(axis=1)
    nonzero = (np.abs(np.nan_to_num(X)) > 0).any(axis=1)
    return np.flatnonzero(complete & nonzero & (is_sum | is_mean))


def _summaries(frame: pd.DataFrame) -> np.ndarray:
    rubric = civscore.parse_rubric_text(RUBRIC, "t.yaml")
    cache = ColumnCache(frame, rubric_kinds(rubric), frozenset(), count_columns(rubric))
    return _arithmetic_summaries(frame, rubric, cache)


@pytest.mark.parametrize("seed", range(6))
def test_total_and_average_rows_are_found_as_the_matrix_rule_finds_them(seed):
    rng = np.random.default_rng(seed)
    n = 40
    X = rng.integers(0, 5, size=(n, 3)).astype(float)
    X[rng.random((n, 3)) < 0.05] = np.nan
    if seed % 3 == 0:  # a 合计 row: every number the sum of the other rows'
        X[7] = np.nansum(np.delete(X, 7, axis=0), axis=0)
    if seed % 3 == 1:  # a 平均 row
        X[11] = np.nanmean(np.delete(X, 11, axis=0), axis=0)
    if seed == 5:  # columns too alike to say anything: constant, or too few numbers
        X[:, 0] = 2.0
    frame = pd.DataFrame({"uid": [f"u{i}" for i in range(n)], "a": X[:, 0], "b": X[:, 1], "c": X[:, 2]})
    used = [j for j in range(3) if np.isfinite(X[:, j]).sum() >= 4 and np.nanstd(X[:, j]) > 0]
    expected = _reference_summaries(X[:, used]) if len(used) >= 2 else np.zeros(0, int)
    np.testing.assert_array_equal(_summaries(frame), expected)
    if seed in (0, 3):
        assert 7 in _summaries(frame)
    if seed in (1, 4):
        assert 11 in _summaries(frame)


def test_the_schema_alone_reports_what_check_reports():
    """build_schema() is a pandera schema of its own: validating with it finds the same cells."""
    import pandera.pandas as pa

    rubric = civscore.parse_rubric_text(RUBRIC, "t.yaml")
    data = pd.DataFrame(
        {
            "uid": ["u1", "u2", "u2", ""],
            "a": ["1", "x", "3", "4"],
            "b": [1.0, 2.0, np.inf, 4.0],
            "c": ["1", "2", "是", "#REF!"],
        }
    )
    report = civscore.validate(data, rubric)
    with pytest.raises(pa.errors.SchemaErrors) as info:
        build_schema(rubric).validate(data, lazy=True)
    cases = info.value.failure_cases
    alone = sorted(zip(cases["column"], cases["index"].astype(int), cases["check"]))
    found = sorted(zip(report.problems["column"], report.problems["row"].astype(int), report.problems["rule"]))
    assert alone == found and len(found) >= 5


@pytest.mark.parametrize("dtype", [object, "str"])
def test_summary_words_are_found_with_spaces_and_in_any_text_column(dtype):
    import re

    from civscore.validation.check import _SUMMARY, _summary_rows

    names = ["东街", "合 计", "全街道合计", "平均值：", "小\u3000计", "合计A", "均衡社区", "本社区汇总", None, "累计"]
    rubric = civscore.parse_rubric_text(
        RUBRIC.replace("{id_column: uid}", "{id_column: uid, name_column: nm}"), "t.yaml"
    )
    frame = pd.DataFrame(
        {
            "uid": pd.Series([f"u{i}" for i in range(len(names))], dtype=dtype),
            "nm": pd.Series(names, dtype=dtype),
            "a": np.arange(len(names), dtype=float),
            "b": 1.0,
            "c": 2.0,
        }
    )
    cache = ColumnCache(frame, rubric_kinds(rubric), frozenset(), count_columns(rubric))
    found = sorted(p["row"] for p in _summary_rows(frame, rubric, cache))
    expected = [i for i, v in enumerate(names) if v is not None and re.fullmatch(_SUMMARY, re.sub(r"\s+", "", v))]
    assert found == expected == [1, 2, 3, 4, 7, 9]


BLOCKS_RUBRIC = """
id: blocks
name: 分块
version: "1"
unit: {id_column: uid, group_columns: [grp]}
total_points: 100
tiers: [{name: 好, min: 60}, {name: 差, min: 0}]
dimensions:
  - id: d1
    name: 一
    indicators:
      - {id: a, name: 甲, value: a, method: linear, points: 30, zero: 0, full: 1, missing: mean}
      - {id: b, name: 乙, value: b, method: deduction, points: 20, per_item: 5, missing: exclude, only_if: "pop > 100"}
  - id: d2
    name: 二
    indicators:
      - {id: c, name: 丙, value: c, method: categorical, points: 30, map: {A: 30, B: 15, C: 0}, missing: mean}
      - {id: e, name: 丁, value: e, method: boolean, points: 20, missing: zero}
bonus:
  cap: 5
  indicators:
    - {id: x, name: 加, value: x, method: count, points: 5, per_item: 1}
vetoes:
  - {id: v, name: 否决, when: e < 0, effect: fail}
"""


def test_scoring_in_blocks_of_rows_gives_the_same_bits(monkeypatch):
    """score() works on blocks of rows (issue 16); the blocks must not show in any number."""
    from civscore.scoring import points_pass

    rng = np.random.default_rng(3)
    n = 61
    a = rng.uniform(0, 1, n).astype(object)
    a[rng.random(n) < 0.15] = None
    a[[4, 30]] = NOT_APPLICABLE
    data = pd.DataFrame(
        {
            "uid": [f"u{i:03d}" for i in range(n)],
            "grp": rng.choice(["东", "西"], n),
            "a": a,
            "b": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 6, n).astype(float)),
            "pop": rng.integers(50, 200, n).astype(float),
            "c": rng.choice(np.array(["A", "B", "C", None], dtype=object), n),
            "e": rng.choice(np.array(["是", "否", ""], dtype=object), n),
            "x": rng.integers(0, 3, n).astype(float),
        }
    )
    rubric = civscore.parse_rubric_text(BLOCKS_RUBRIC, "blocks.yaml")
    whole = civscore.score(data, rubric)
    monkeypatch.setattr(points_pass, "BLOCK_ROWS", 7)
    blocks = civscore.score(data, rubric)
    assert blocks.not_applicable.to_numpy().any() and blocks.gated.to_numpy().any()
    for part in ("table", "points", "missing", "not_applicable", "gated", "stages", "applicable", "imputed"):
        pd.testing.assert_frame_equal(getattr(blocks, part), getattr(whole, part), check_exact=True)
    assert np.array_equal(np.signbit(blocks.points.to_numpy()), np.signbit(whole.points.to_numpy()))
