"""score() shares the caller's number columns instead of copying them (issue 16); what it keeps
must still not change when the caller later writes into their DataFrame."""

from __future__ import annotations

import numpy as np
import pandas as pd

import civscore

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
      - {id: a, name: 甲, value: a, method: linear, points: 60, zero: 0, full: 1, missing: mean}
      - {id: b, name: 乙, value: b, method: count, points: 40, per_item: 10, missing: exclude}
"""


def test_values_and_points_do_not_follow_later_writes_into_the_data():
    rubric = civscore.parse_rubric_text(RUBRIC, "t.yaml")
    data = pd.DataFrame({"uid": ["u1", "u2", "u3"], "a": [0.5, np.nan, 1.0], "b": [1.0, 2.0, np.nan]})
    result = civscore.score(data, rubric)
    before = result.table.copy()
    data.loc[0, "a"] = 0.0  # the caller edits their frame after scoring
    data.loc[1, "b"] = 4.0
    assert result.values.loc["u1", "a"] == 0.5
    assert result.values.loc["u2", "b"] == 2.0
    pd.testing.assert_frame_equal(result.table, before)
    assert result.points.loc["u1", "a"] == 30.0
    assert result.imputed.loc["u2", "a"] and not result.applicable.loc["u3", "b"]


def test_the_input_frame_is_left_writable_and_unchanged():
    rubric = civscore.parse_rubric_text(RUBRIC, "t.yaml")
    data = pd.DataFrame({"uid": ["u1", "u2"], "a": [0.5, np.inf], "b": [1.0, 2.0]})
    kept = data.copy()
    civscore.validate(data, rubric)  # inf is a bad cell: reported, not written back as NaN
    pd.testing.assert_frame_equal(data, kept)
    data.loc[0, "a"] = 0.25
    assert data.loc[0, "a"] == 0.25
