"""The one "no value" vocabulary (docs/guarantees.md), through every method and every source.

Each missing marker must act exactly like a blank cell: the same points under every method and
missing policy, for text from CSV, from XLSX and from a pandas frame; `无` is 0 in a count column
only; `不适用` is kept apart from missing; Excel error values are problems, never values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import civscore
from civscore.validation.cells import NOT_APPLICABLE, parse_boolean, parse_number, parse_text, unit_labels
from tests.conftest import frame, one_indicator


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("CIVSCORE_LANG", "en")  # these tests quote the English messages


MARKERS = ["", " ", "NA", "n/a", "#N/A", "null", "None", "缺失", "/", "／", "-", "－", "--", "—", "——", "–"]
METHODS = {
    "linear": "{id: a, name: A, value: x, method: linear, zero: 0, full: 10, points: 10}",
    "boolean": "{id: a, name: A, value: x, method: boolean, points: 10}",
    "categorical": "{id: a, name: A, value: x, method: categorical, map: {甲: 10, 乙: 5}, points: 10}",
    "bands": "{id: a, name: A, value: x, method: bands, bands: [{at_least: 5, points: 10}], points: 10}",
    "deduction": "{id: a, name: A, value: x, method: deduction, per_item: 2, points: 10}",
    "count": "{id: a, name: A, value: x, method: count, per_item: 2, points: 10}",
}
PRESENT = {"linear": "5", "boolean": "是", "categorical": "乙", "bands": "6", "deduction": "1", "count": "1"}


@pytest.mark.parametrize("policy", ["zero", "exclude", "mean"])
@pytest.mark.parametrize("method", METHODS)
def test_every_marker_scores_like_a_blank_cell(method, policy):
    indicator = METHODS[method][:-1] + f", missing: {policy}}}"
    rubric = one_indicator(indicator)
    blank = civscore.score(frame(x=[PRESENT[method], None]), rubric).table
    for marker in MARKERS:
        got = civscore.score(frame(x=[PRESENT[method], marker]), rubric).table
        pd.testing.assert_frame_equal(got, blank, obj=f"{method} / {policy} / {marker!r}")


@pytest.mark.parametrize("marker", MARKERS)
def test_markers_are_missing_in_every_parser(marker):
    col = pd.Series([marker], dtype=object)
    assert parse_number(col).missing.all() and not parse_number(col).bad.any()
    assert parse_boolean(col).missing.all() and not parse_boolean(col).bad.any()
    assert parse_text(col).missing.all()


def test_none_is_zero_in_a_count_column_only():
    for method in ("count", "deduction"):
        rubric = one_indicator(METHODS[method])
        as_words = civscore.score(frame(x=["无", "没有", "2"]), rubric).table
        as_zero = civscore.score(frame(x=["0", "0", "2"]), rubric).table
        pd.testing.assert_frame_equal(as_words, as_zero)
    linear = one_indicator(METHODS["linear"])
    report = civscore.validate(frame(x=["无", "5"]), linear)
    assert report.problems["rule"].tolist() == ["must be a number"]
    boolean = one_indicator(METHODS["boolean"])
    assert civscore.score(frame(x=["无", "有"]), boolean).table.set_index("uid").loc[
        ["u1", "u2"], "total"
    ].tolist() == [0.0, 10.0]


def test_not_applicable_is_kept_apart_from_missing():
    col = pd.Series(["3", NOT_APPLICABLE, " 不适用 ", None], dtype=object)
    for parse in (parse_number, parse_boolean, parse_text):
        parsed = parse(col)
        assert parsed.not_applicable is not None
        assert parsed.not_applicable.tolist() == [False, True, True, False]
        assert not parsed.missing[1:3].any()
    assert parse_number(pd.Series(["3", None], dtype=object)).not_applicable is None


def test_markers_from_xlsx_act_as_in_csv(tmp_path):
    rubric = one_indicator(METHODS["linear"])
    data = frame(x=["5", "—", "／", "－"])
    data.to_excel(tmp_path / "d.xlsx", index=False)
    data.to_csv(tmp_path / "d.csv", index=False)
    from_xlsx = civscore.score(civscore.read_data(tmp_path / "d.xlsx", rubric), rubric).table
    from_csv = civscore.score(civscore.read_data(tmp_path / "d.csv", rubric), rubric).table
    pd.testing.assert_frame_equal(from_xlsx, from_csv)
    assert from_csv.set_index("uid")["total"].tolist() == [5.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("error", ["#REF!", "#NULL!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!"])
def test_excel_error_values_are_problems_in_every_column(error):
    rubric = civscore.parse_rubric_text(
        """\
id: t
name: 测试
version: "1"
unit: {id_column: uid, name_column: 名称, group_columns: [街道]}
total_points: 10
dimensions:
  - {id: d, name: D, indicators: [{id: a, name: A, value: x, method: linear, zero: 0, full: 10, points: 10}]}
""",
        "t.yaml",
    )
    data = pd.DataFrame(
        {"uid": ["u1", "u2", "u3"], "名称": ["甲", error, "丙"], "街道": ["s", "s", error], "x": [1, 2, error]}
    )
    problems = civscore.validate(data, rubric).problems
    assert problems[["row", "column"]].values.tolist() == [
        [1, "名称"],
        [2, "x"],
        [2, "街道"],
    ]  # rows of a frame count from 0
    assert problems["rule"].str.startswith("is an Excel error value").all()


def test_ids_are_compared_as_people_see_them():
    typed = pd.Series(
        ["SQ001", "ＳＱ００１", "SQ001\u200b", " SQ001\u3000", "\u200b", "SQ\x1b001", 1001.0], dtype=object
    )
    assert unit_labels(typed).tolist() == ["SQ001", "SQ001", "SQ001", "SQ001", None, "SQ001", "1001"]
    # a missing-value word typed as an id is an id (reported if duplicated), not a blank
    assert unit_labels(pd.Series(["NA", "-"], dtype=object)).tolist() == ["NA", "-"]


def test_duplicate_ids_show_both_as_typed_and_ids_are_normalised_in_the_result():
    rubric = one_indicator(METHODS["linear"])
    data = pd.DataFrame({"uid": ["SQ001", "ＳＱ００２", "SQ001\u200b"], "x": [1, 2, 3]})
    problems = civscore.validate(data, rubric).problems
    assert problems["value"].tolist() == ["SQ001", "SQ001\u200b"]
    assert problems["rule"].str.contains("full-width").all()
    ok = pd.DataFrame({"uid": ["SQ001", "ＳＱ００２"], "x": [1, 2]})
    assert sorted(civscore.score(ok, rubric).table["uid"]) == ["SQ001", "SQ002"]


def test_vectorised_on_200k_rows():
    # not a timing test: it would take minutes if any step walked the rows in Python
    n = 200_000
    rubric = one_indicator(METHODS["count"])
    data = pd.DataFrame({"uid": [f"u{i}" for i in range(n)], "x": np.where(np.arange(n) % 3, "无", "—").astype(object)})
    table = civscore.score(data, rubric).table
    assert len(table) == n and set(table["total"]) == {0.0}
