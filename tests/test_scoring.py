"""Each method, each missing policy, bonus, vetoes, tiers, ties and group ranks, by hand-checked cases."""

import numpy as np
import pandas as pd
import pytest
from conftest import frame, make_rubric, one_indicator

import civscore


def points(indicator: str, total: float = 10, **columns) -> list[float]:
    result = civscore.score(frame(**columns), one_indicator(indicator, total))
    ind_id = result.points.columns[0]
    return result.points[ind_id].tolist()


def test_boolean_accepts_the_contract_vocabulary():
    words = ["true", "FALSE", "1", "0", "是", "否", "有", "无", "yes", "No", "True"]
    got = points("{id: a, name: A, value: x, method: boolean, points: 10}", x=words)
    assert got == [10, 0, 10, 0, 10, 0, 10, 0, 10, 0, 10]


def test_boolean_from_real_booleans_and_numbers():
    assert points("{id: a, name: A, value: x, method: boolean, points: 10}", x=[True, False]) == [10, 0]
    assert points("{id: a, name: A, value: x, method: boolean, points: 10}", x=[1, 0]) == [10, 0]


def test_linear_clips_and_supports_lower_is_better():
    ind = "{id: a, name: A, value: x, method: linear, zero: 0.5, full: 0.9, points: 10}"
    assert points(ind, x=[0.4, 0.5, 0.7, 0.9, 1.2]) == pytest.approx([0, 0, 5, 10, 10])
    ind = "{id: a, name: A, value: x, method: linear, zero: 10, full: 2, points: 8}"
    assert points(ind, total=8, x=[12, 10, 6, 2, 0]) == pytest.approx([0, 0, 4, 8, 8])


def test_bands_first_band_met_wins_and_otherwise():
    ind = (
        "{id: a, name: A, value: x, method: bands, points: 6, otherwise: 1, "
        "bands: [{at_least: 0.9, points: 6}, {at_least: 0.8, points: 4}, {at_least: 0.6, points: 2}]}"
    )
    assert points(ind, total=6, x=[0.95, 0.9, 0.85, 0.8, 0.6, 0.59]) == [6, 6, 4, 4, 2, 1]
    ind = (
        "{id: a, name: A, value: x, method: bands, points: 4, "
        "bands: [{at_most: 0, points: 4}, {at_most: 2, points: 2}]}"
    )
    assert points(ind, total=4, x=[0, 1, 2, 3]) == [4, 2, 2, 0]


def test_deduction_floors_at_zero():
    ind = "{id: a, name: A, value: x, method: deduction, per_item: 0.5, points: 3}"
    assert points(ind, total=3, x=[0, 1, 4, 6, 100]) == [3, 2.5, 1, 0, 0]


def test_count_is_capped_at_points():
    ind = "{id: a, name: A, value: x, method: count, per_item: 0.5, points: 3}"
    assert points(ind, total=3, x=[0, 1, 5, 6, 100]) == [0, 0.5, 2.5, 3, 3]


def test_categorical_maps_labels_including_numbers_from_excel():
    ind = "{id: a, name: A, value: g, method: categorical, points: 3, map: {A: 3, B: 2, C: 1, D: 0, 1: 3}}"
    assert points(ind, total=3, g=["A", "B", " C ", "D", "1"]) == [3, 2, 1, 0, 3]
    assert points(ind, total=3, g=pd.Series(["A", 1.0], dtype=object)) == [3, 3]


def test_value_expressions_of_several_columns():
    ind = "{id: a, name: A, value: v / pop * 100, method: linear, zero: 0, full: 10, points: 10}"
    assert points(ind, v=[5, 20, 1], pop=[100, 100, 0]) == pytest.approx([5, 10, 0])


# --- missing values ---------------------------------------------------------------------------

TWO = """\
total_points: 10
missing: {policy}
dimensions:
  - id: d
    name: 维度
    indicators:
      - {{id: a, name: A, value: x, method: linear, zero: 0, full: 1, points: 6}}
      - {{id: b, name: B, value: y, method: linear, zero: 0, full: 1, points: 4}}
"""


def two(policy: str, **cols):
    return civscore.score(frame(**cols), make_rubric(TWO.format(policy=policy)))


def test_missing_zero_earns_nothing():
    r = two("zero", x=[1.0, None, 0.5], y=[1.0, 1.0, ""])
    assert r.table.set_index("uid")["total"].to_dict() == pytest.approx({"u1": 10, "u2": 4, "u3": 3})
    assert r.missing.loc["u2", "a"] and not r.missing.loc["u1", "a"]


def test_missing_exclude_rescales_the_base_and_reports_coverage():
    r = two("exclude", x=[1.0, None, 0.5], y=[1.0, 0.5, None])
    t = r.table.set_index("uid")
    # u2: earned 2 of applicable 4 -> 2 * 10 / 4 = 5; u3: 3 of 6 -> 5
    assert t["base"].to_dict() == pytest.approx({"u1": 10, "u2": 5, "u3": 5})
    assert t["coverage"].to_dict() == pytest.approx({"u1": 1, "u2": 0.4, "u3": 0.6})
    assert not r.applicable.loc["u2", "a"]
    # dimension columns hold earned points, not rescaled
    assert t["d"].to_dict() == pytest.approx({"u1": 10, "u2": 2, "u3": 3})


def test_missing_exclude_everything_gives_zero_base():
    r = two("exclude", x=[None, 1.0], y=[None, 1.0])
    t = r.table.set_index("uid")
    assert t.loc["u1", "base"] == 0 and t.loc["u1", "coverage"] == 0


def test_missing_mean_uses_the_mean_of_earned_points():
    r = two("mean", x=[1.0, 0.5, None], y=[1.0, 1.0, 1.0])
    assert r.points.loc["u3", "a"] == pytest.approx((6 + 3) / 2)
    assert r.imputed.loc["u3", "a"] and not r.imputed.loc["u1", "a"]


def test_missing_mean_when_missing_everywhere_is_zero():
    r = two("mean", x=[None, None], y=[1.0, 1.0])
    assert r.points["a"].tolist() == [0, 0]


def test_missing_error_is_a_validation_problem():
    with pytest.raises(civscore.ValidationError) as exc:
        two("error", x=[1.0, None], y=[1.0, 1.0])
    problems = exc.value.report.problems
    assert problems[["unit", "column", "rule"]].values.tolist() == [
        ["u2", "x", "不能为空：指标 a 设置了 missing: error"]
    ]


def test_missing_error_catches_division_by_zero_in_expressions():
    rubric = one_indicator(
        "{id: a, name: A, value: v / pop, method: linear, zero: 0, full: 1, points: 10, missing: error}"
    )
    report = civscore.validate(frame(v=[1, 2], pop=[4, 0]), rubric)
    assert report.problems[["unit", "column", "rule"]].values.tolist() == [
        ["u2", "v / pop", "无法计算（除数为零？）：指标 a 设置了 missing: error"]
    ]


def test_indicator_policy_overrides_rubric_default():
    rubric = make_rubric(TWO.format(policy="zero").replace("points: 4}", "points: 4, missing: exclude}"))
    r = civscore.score(frame(x=[1.0], y=[None]), rubric)
    assert r.table["base"].iloc[0] == pytest.approx(10)


# --- bonus, vetoes, tiers ---------------------------------------------------------------------

FULL = """\
total_points: 100
tiers: [{name: 标兵, min: 90}, {name: 先进, min: 80}, {name: 达标, min: 60}, {name: 不达标, min: 0}]
dimensions:
  - id: d
    name: 基础
    indicators:
      - {id: base, name: 基础, value: s, method: linear, zero: 0, full: 100, points: 100}
bonus:
  cap: 10
  indicators:
    - {id: b1, name: 特色一, value: h, method: count, per_item: 4, points: 8}
    - {id: b2, name: 特色二, value: k, method: boolean, points: 5, missing: exclude}
vetoes:
  - {id: accident, name: 重大事故, when: accidents > 0, effect: fail}
  - {id: gate, name: 门槛, when: minors < 85, effect: {cap: 79}}
  - {id: gate2, name: 门槛二, when: minors < 60, effect: {cap: 59}}
  - {id: bad_press, name: 负面舆情, when: press >= 1, effect: {deduct: 5}}
  - {id: bad_press2, name: 负面舆情二, when: press >= 2, effect: {deduct: 3}}
"""


def full(**cols):
    n = len(next(iter(cols.values())))
    defaults = dict(h=[0] * n, k=[0] * n, accidents=[0] * n, minors=[90] * n, press=[0] * n)
    defaults.update(cols)
    return civscore.score(frame(**defaults), make_rubric(FULL))


def test_bonus_is_capped():
    r = full(s=[80, 80, 80], h=[1, 2, 3], k=[1, 1, None])
    t = r.table.set_index("uid")
    assert t["bonus"].to_dict() == pytest.approx({"u1": 9, "u2": 10, "u3": 8})
    assert t["total"].to_dict() == pytest.approx({"u1": 89, "u2": 90, "u3": 88})
    assert (t["coverage"] == 1).all()  # bonus `exclude` earns 0, it never rescales the base


def test_deductions_then_smallest_cap():
    r = full(s=[100, 100, 100, 3, 70], minors=[90, 80, 50, 90, 80], press=[2, 1, 0, 1, 2])
    t = r.table.set_index("uid")
    assert t.loc["u1", "total"] == pytest.approx(92)  # 100 - 5 - 3
    assert t.loc["u2", "total"] == pytest.approx(79)  # 95, capped at 79
    assert t.loc["u3", "total"] == pytest.approx(59)  # smallest triggered cap
    assert t.loc["u4", "total"] == 0  # floor at 0
    assert t.loc["u5", "total"] == pytest.approx(62)  # 70 - 8 = 62 < cap 79
    assert t.loc["u1", "vetoes"] == "bad_press;bad_press2"
    assert t.loc["u3", "vetoes"] == "gate;gate2"
    assert not t["disqualified"].any()


def test_fail_disqualifies_ranks_last_and_gets_the_veto_tier():
    r = full(s=[100, 50, 95, 60], accidents=[1, 0, 1, 0])
    t = r.table
    assert t["uid"].tolist() == ["u4", "u2", "u1", "u3"]
    assert t["rank"].tolist() == [1, 2, 3, 4]
    assert t["tier"].tolist() == ["达标", "不达标", "不达标", "不达标"]
    assert t["disqualified"].tolist() == [False, False, True, True]
    assert t.set_index("uid").loc["u1", "total"] == pytest.approx(100)  # the total is still shown


def test_veto_tier_default_and_explicit():
    rubric = make_rubric(FULL + "veto_tier: 达标\n")
    r = civscore.score(frame(s=[100], h=[0], k=[0], accidents=[1], minors=[90], press=[0]), rubric)
    assert r.table["tier"].tolist() == ["达标"]


def test_tier_boundaries_with_tolerance():
    r = full(s=[90, 89.9999999999, 89.99, 80, 0])
    assert r.table.set_index("uid")["tier"].to_dict() == {
        "u1": "标兵",
        "u2": "标兵",
        "u3": "先进",
        "u4": "先进",
        "u5": "不达标",
    }


def test_no_tiers_gives_empty_tier():
    rubric = one_indicator("{id: a, name: A, value: x, method: linear, zero: 0, full: 1, points: 10}")
    assert civscore.score(frame(x=[1]), rubric).table["tier"].tolist() == [""]


# --- ranks ------------------------------------------------------------------------------------


def test_competition_ranks_with_ties_at_nine_decimals():
    s = [90, 80, 90 + 1e-11, 70, 80]
    r = full(s=s)
    t = r.table
    assert t["rank"].tolist() == [1, 1, 3, 3, 5]
    assert t["uid"].tolist() == ["u1", "u3", "u2", "u5", "u4"]  # ties ordered by id


GROUPED = """\
total_points: 10
dimensions:
  - id: d
    name: 维度
    indicators:
      - {id: a, name: A, value: x, method: linear, zero: 0, full: 10, points: 10}
vetoes:
  - {id: f, name: F, when: bad, effect: fail}
"""


def test_group_ranks_and_column_order():
    rubric = make_rubric(
        GROUPED,
        header='id: t\nname: T\nversion: "1"\nunit: {id_column: uid, name_column: 名称, group_columns: [街道, 片区]}\n',
    )
    data = frame(
        名称=["甲", "乙", "丙", "丁", "戊"],
        街道=["东", "东", "西", "西", "东"],
        片区=["1", "2", "1", "1", "2"],
        x=[5, 9, 7, 7, 10],
        bad=["否", "否", "否", "否", "是"],
    )
    t = civscore.score(data, rubric).table
    assert list(t.columns) == [
        "rank",
        "rank_in_街道",
        "rank_in_片区",
        "uid",
        "名称",
        "街道",
        "片区",
        "total",
        "base",
        "bonus",
        "tier",
        "disqualified",
        "vetoes",
        "coverage",
        "d",
    ]
    t = t.set_index("uid")
    assert t["rank"].to_dict() == {"u2": 1, "u3": 2, "u4": 2, "u1": 4, "u5": 5}
    assert t["rank_in_街道"].to_dict() == {"u2": 1, "u1": 2, "u5": 3, "u3": 1, "u4": 1}
    assert t["rank_in_片区"].to_dict() == {"u3": 1, "u4": 1, "u1": 3, "u2": 1, "u5": 2}


def test_result_keeps_the_points_matrix_and_input_is_untouched():
    data = frame(x=["1", "0.5", ""], y=["1", "1", "1"])
    before = data.copy(deep=True)
    r = two("zero", **{c: data[c] for c in ["x", "y"]})
    pd.testing.assert_frame_equal(data, before)
    assert r.points.shape == (3, 2)
    assert list(r.points.index) == ["u1", "u2", "u3"]
    np.testing.assert_allclose(
        r.points.sum(axis=1).to_numpy(), r.table.set_index("uid").loc[["u1", "u2", "u3"], "base"]
    )


def test_score_accepts_any_index_and_never_modifies_the_frame():
    data = frame(x=[1.0, 0.2], y=[0.5, 0.5])
    data.index = [10, 3]
    before = data.copy()
    r = two("zero", **{c: data[c] for c in ["x", "y"]})
    civscore.score(data, make_rubric(TWO.format(policy="zero")))
    pd.testing.assert_frame_equal(data, before)
    assert r.table["uid"].tolist() == ["u1", "u2"]
