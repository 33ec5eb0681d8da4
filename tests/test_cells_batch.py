"""Columns parsed together (one batch per kind of column) come out as each column parsed alone.

ColumnCache parses the Arrow text columns of a CSV kind by kind in one pass (issue 16); every
cell's value, missing, bad and 不适用 flag, and every text column's labels and codes, must be
what parse_column gives that column on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civscore.validation import cells
from civscore.validation.cells import ColumnCache, Parsed, excel_errors, parse_column, parse_columns

CELLS = [
    "", " ", "1", " 2 ", "3.5", "1,000", "１２", "-4", "1e3", "inf", "nan", "NA", "/", "—", "无", "没有",
    "不适用", " 不适用 ", "是", "否", "true", "0", "1.0", "A", " A", "B ", "a", "#REF!", "x", "\u3000C", None,
]  # fmt: skip
KINDS = ["number", "quantity", "boolean", "text"]


def _same(a: Parsed, b: Parsed) -> None:
    if a.values.dtype == object or b.values.dtype == object:
        assert a.values.tolist() == b.values.tolist()
    else:
        np.testing.assert_array_equal(a.values, b.values)  # NaN equals NaN here
    for field in ("missing", "bad", "codes"):
        x, y = getattr(a, field), getattr(b, field)
        assert (x is None) == (y is None), field
        if x is not None:
            assert x.tolist() == y.tolist(), field
    assert (a.labels is None) == (b.labels is None)
    if a.labels is not None:
        assert a.labels.tolist() == b.labels.tolist()
    assert (a.not_applicable is None) == (b.not_applicable is None)
    assert a.na.tolist() == b.na.tolist()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.lists(st.lists(st.sampled_from(CELLS), min_size=n, max_size=n), min_size=1, max_size=4)
    ),
    st.sampled_from(KINDS),
    st.booleans(),
    st.booleans(),
)
def test_columns_parsed_together_are_parsed_as_alone(columns, kind, is_count, keep_na):
    cols = [pd.Series(c, dtype="str") for c in columns]
    together = parse_columns(cols, kind, is_count, keep_na)
    for col, parsed in zip(cols, together, strict=True):
        _same(parsed, parse_column(col, kind, is_count, keep_na))


@pytest.mark.parametrize("dtype", ["str", pd.StringDtype("pyarrow")])
def test_cache_parses_a_kind_of_column_in_one_batch(dtype, monkeypatch):
    frame = pd.DataFrame(
        {
            "a": pd.Series(["1", "", "2,000"], dtype=dtype),
            "b": pd.Series(["NA", "3", "x"], dtype=dtype),
            "c": pd.Series(["A", " B", "不适用"], dtype=dtype),
            "d": pd.Series(["B", "A", None], dtype=dtype),
            "e": [1.0, np.nan, 2.0],  # numbers in memory: parsed alone
        }
    )
    kinds = {"a": "number", "b": "number", "c": "text", "d": "text", "e": "number"}
    batches = []
    real = parse_columns

    def spy(cols, kind, *args):
        batches.append((kind, len(cols)))
        return real(cols, kind, *args)

    monkeypatch.setattr("civscore.validation.cells.parse_columns", spy)
    cache = ColumnCache(frame, kinds)
    for name in ["b", "a", "d", "c", "e"]:
        _same(cache[name], parse_column(frame[name], kinds[name]))
    assert sorted(batches) == [("number", 2), ("text", 2)]


def test_cache_finds_excel_errors_of_text_columns_together(monkeypatch):
    frame = pd.DataFrame(
        {
            "a": pd.Series(["#REF!", "A", " #div/0! "], dtype="str"),
            "b": pd.Series(["B", "#N/A", "#VALUE!"], dtype="str"),
            "c": pd.Series(["#NAME?", "", None], dtype="str"),
            "n": pd.Series(["#REF!", "1", "2"], dtype="str"),  # a number column: asked alone
        }
    )
    kinds = {"a": "text", "b": "text", "c": "text", "n": "number"}
    monkeypatch.setattr(cells, "_BATCH_CELLS", 6)  # two columns a batch: groups and their seams
    cache = ColumnCache(frame, kinds)
    for name in ["b", "n", "a", "c"]:
        assert cache.excel_errors(name).tolist() == excel_errors(frame[name]).tolist()
    assert cache.excel_errors("a").tolist() == [True, False, True]


@pytest.mark.parametrize("size", [1, 4, 7, 100])
def test_batches_of_any_size_parse_as_alone(size, monkeypatch):
    monkeypatch.setattr(cells, "_BATCH_CELLS", size)
    cols = [pd.Series(c, dtype="str") for c in (["1", "", "x"], ["NA", "2", "3"], ["不适用", "4", "1,000"])]
    for kind in KINDS:
        for col, parsed in zip(cols, parse_columns(cols, kind), strict=True):
            _same(parsed, parse_column(col, kind))
