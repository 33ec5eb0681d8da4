"""Contract section 9, worked by hand: weights, gates, functions, 不适用, range, yes/no in
arithmetic and previous(). Every expected number below is computed in the comment beside it."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import civscore
from civscore.words import using_language

HEADER = """\
id: lang
name: 语言测试
version: "1"
unit: {id_column: uid}
"""


def rubric(body: str) -> civscore.Rubric:
    return civscore.parse_rubric_text(HEADER + textwrap.dedent(body), "lang.yaml")


def problems(body: str, lang: str = "en") -> list[str]:
    with using_language(lang):
        with pytest.raises(civscore.RubricError) as exc:
            rubric(body)
    return [str(p) for p in exc.value.problems]


WEIGHTED = """\
total_points: 100
missing: exclude
dimensions:
  - id: mat
    name: 材料审核
    weight: 40
    indicators:
      - {id: i1, name: 台账, value: flag, method: boolean, points: 10}
      - {id: i2, name: 知晓率, value: rate, method: linear, zero: 0, full: 100, points: 10}
  - id: field
    name: 实地考察
    weight: 40
    indicators:
      - {id: i3, name: 点位, value: n, method: count, per_item: 2, points: 6}
  - id: survey
    name: 问卷调查
    weight: 20
    indicators:
      - id: i4
        name: 满意度
        value: sat
        method: bands
        bands: [{at_least: 90, points: 5}, {at_least: 80, points: 3}]
        points: 5
"""


def test_weights_with_exclusions_and_a_dimension_with_nothing_applicable():
    data = pd.DataFrame(
        {
            "uid": ["U1", "U2", "U3"],
            "flag": ["是", "否", None],
            "rate": [50, None, None],
            "n": [2, 5, None],
            "sat": [85, None, None],
        }
    )
    table = civscore.score(data, rubric(WEIGHTED)).table.set_index("uid")
    # U1: mat E=10+5 of A=20 -> 40*15/20 = 30; field 4 of 6 -> 40*4/6; survey 3 of 5 -> 20*3/5 = 12
    u1 = 30 + 40 * 4 / 6 + 12
    # U2: rate and sat missing (exclude): mat 0 of 10 -> 0; field 6 of 6 -> 40; survey A=0 is left
    # out: base = 100 * (0 + 40) / (40 + 40) = 50; coverage = (40*10/20 + 40*6/6 + 0) / 100 = 0.6
    # U3: nothing applies anywhere: base 0, coverage 0
    np.testing.assert_allclose(table["base"], [u1, 50, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(table["total"], [u1, 50, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(table["coverage"], [1.0, 0.6, 0.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(table["mat"], [30, 0, 0], atol=1e-9)
    np.testing.assert_allclose(table["field"], [40 * 4 / 6, 40, 0], atol=1e-9)
    np.testing.assert_allclose(table["survey"], [12, 0, 0], atol=1e-9)


def test_weights_are_all_or_none_and_add_up_to_total_points():
    half = WEIGHTED.replace("    weight: 20\n", "")
    assert problems(half) == [
        "lang.yaml:19 dimensions[2] (survey): has no weight, but mat, field have one; "
        "give every top-level dimension a weight, or none"
    ]
    assert problems(half, "zh") == [
        "lang.yaml:19 dimensions[2] (survey): 没有 weight，但 mat, field 有；要么每个一级维度都写 weight，要么都不写"
    ]
    wrong = WEIGHTED.replace("weight: 20", "weight: 25")
    assert problems(wrong) == [
        "lang.yaml:5 total_points: the top-level dimension weights add up to 105, not total_points 100"
    ]
    assert problems(wrong, "zh") == ["lang.yaml:5 total_points: 一级维度的权重之和为 105，不等于 total_points 100"]


def test_a_weight_on_a_sub_dimension_is_refused():
    body = """\
    total_points: 10
    dimensions:
      - id: top
        name: 顶层
        dimensions:
          - id: sub
            name: 下级
            weight: 10
            indicators:
              - {id: a, name: A, value: x, method: boolean, points: 10}
    """
    assert problems(body) == [
        "lang.yaml:12 dimensions[0].dimensions[0] (sub).weight: weight is allowed on top-level dimensions only; "
        "a sub-dimension counts by its indicator points"
    ]


def test_a_v1_rubric_without_weights_scores_as_before():
    plain = (
        WEIGHTED.replace("    weight: 40\n", "")
        .replace("    weight: 20\n", "")
        .replace("total_points: 100", "total_points: 31")
    )
    data = pd.DataFrame({"uid": ["U1", "U2"], "flag": ["是", "否"], "rate": [50, None], "n": [2, 5], "sat": [85, None]})
    table = civscore.score(data, rubric(plain)).table.set_index("uid")
    # U1: E = 10 + 5 + 4 + 3 = 22 of 31; U2: E = 0 + 6 = 6 of A = 31 - 10 - 5 = 16 -> 6 * 31 / 16
    np.testing.assert_allclose(table["base"], [22, 6 * 31 / 16], atol=1e-9)
    np.testing.assert_allclose(table["coverage"], [1, 16 / 31], atol=1e-9)
    np.testing.assert_allclose(table["mat"], [15, 0], atol=1e-9)


GATED = """\
total_points: 20
dimensions:
  - id: d
    name: 宣传
    indicators:
      - id: updates
        name: 宣传栏更新
        value: 更新次数
        method: count
        per_item: 2
        points: 10
        only_if: 有宣传栏
      - id: grade
        name: 宣传栏等次
        value: 等次
        method: categorical
        map: {A: 10, B: 6, C: 0}
        points: 10
        only_if: 有宣传栏 and 面积 >= 2
"""


def test_only_if_earns_zero_where_the_gate_is_closed_or_missing_and_keeps_the_points_in_A():
    data = pd.DataFrame(
        {
            "uid": ["A", "B", "C", "D"],
            "有宣传栏": ["是", "否", None, "是"],
            "更新次数": [4, 7, 3, None],
            "等次": ["A", "A", "B", "B"],
            "面积": [3, 3, 3, 1],
        }
    )
    result = civscore.score(data, rubric(GATED))
    table = result.table.set_index("uid")
    # A: 4*2 = 8 and A = 10 -> 18; B: gate closed -> 0 and 0; C: gate missing -> 0 and 0;
    # D: updates missing (zero) -> 0, grade gated by 面积 1 < 2 -> 0. Everywhere A = 20.
    np.testing.assert_allclose(table["total"], [18, 0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(table["coverage"], [1, 1, 1, 1], atol=1e-9)
    assert result.gated.loc[["A", "B", "C", "D"], "updates"].tolist() == [False, True, True, False]
    assert result.gated.loc[["A", "B", "C", "D"], "grade"].tolist() == [False, True, True, True]


def test_only_if_must_be_a_condition():
    assert problems(GATED.replace("only_if: 有宣传栏\n", "only_if: 更新次数 + 1\n")) == [
        "lang.yaml:16 dimensions[0].indicators[0] (updates).only_if: expression '更新次数 + 1' "
        "must be a condition (a comparison, and/or/not, or a yes/no column)"
    ]


NA = """\
total_points: 20
missing: zero
dimensions:
  - id: d
    name: 维度
    indicators:
      - {id: x, name: X, value: 停车位 / 户数 * 100, method: linear, zero: 0, full: 50, points: 10}
      - {id: y, name: Y, value: y, method: boolean, points: 10, missing: error}
bonus:
  cap: 5
  indicators:
    - {id: b, name: B, value: 特色, method: count, per_item: 1, points: 5}
vetoes:
  - {id: v, name: V, when: 事故 > 0, effect: {deduct: 3}}
  - {id: w, name: W, when: not (事故 > 0), effect: {cap: 100}}
"""


def test_not_applicable_per_unit_excludes_whatever_the_policy():
    data = pd.DataFrame(
        {
            "uid": ["P", "Q", "R"],
            "停车位": [20, "不适用", None],
            "户数": [100, 50, 50],
            "y": ["是", " 不适用 ", "否"],
            "特色": [3, "不适用", 2],
            "事故": [0, "不适用", 1],
        }
    )
    result = civscore.score(data, rubric(NA))
    table = result.table.set_index("uid")
    # P: x = 20/100*100 = 20 -> 10*20/50 = 4; y 10; bonus 3; total 17
    # Q: x and y 不适用 -> nothing applies: base 0, coverage 0; bonus 不适用 earns 0;
    #    veto v's comparison is false (not triggered)
    # R: x missing under zero -> 0; y 否 -> 0; bonus 2; veto v fires: 2 - 3 -> 0
    np.testing.assert_allclose(table["base"], [14, 0, 0], atol=1e-9)
    np.testing.assert_allclose(table["bonus"], [3, 0, 2], atol=1e-9)
    np.testing.assert_allclose(table["total"], [17, 0, 0], atol=1e-9)
    np.testing.assert_allclose(table["coverage"], [1, 0, 1], atol=1e-9)
    # Q's 不适用 makes the comparison 事故 > 0 false, so `not (...)` holds: w fires, v does not
    assert table["vetoes"].tolist() == ["w", "w", "v"]
    assert result.not_applicable.loc["Q"].tolist() == [True, True, True]
    assert not result.missing.loc["Q"].any()
    assert result.missing.loc["R"].tolist() == [True, False, False]


def test_not_applicable_for_one_unit_does_not_exclude_real_non_submissions():
    body = """\
    total_points: 20
    dimensions:
      - id: d
        name: 维度
        indicators:
          - {id: x, name: X, value: x, method: linear, zero: 0, full: 100, points: 10}
          - {id: y, name: Y, value: y, method: linear, zero: 0, full: 100, points: 10}
    """
    data = pd.DataFrame({"uid": ["S1", "S2"], "x": ["不适用", None], "y": [80, 80]})
    table = civscore.score(data, rubric(body)).table.set_index("uid")
    # S1: x does not apply: base = 8 * 20 / 10 = 16; S2: x not submitted (zero): base = 8
    np.testing.assert_allclose(table["base"], [16, 8], atol=1e-9)


def test_a_categorical_map_that_scores_the_label_keeps_it():
    body = """\
    total_points: 10
    dimensions:
      - id: d
        name: 维度
        indicators:
          - {id: g, name: G, value: g, method: categorical, map: {A: 10, 不适用: 5}, points: 10}
    """
    data = pd.DataFrame({"uid": ["S1"], "g": ["不适用"]})
    assert civscore.score(data, rubric(body)).table["total"].tolist() == [5]


RANGED = """\
total_points: 10
dimensions:
  - id: d
    name: 维度
    indicators:
      - {id: sat, name: 满意率, value: 满意率, method: linear, zero: 60, full: 100, points: 5, range: [0, 100]}
      - {id: share, name: 占比, value: 志愿者 / 人口 * 100, method: linear, zero: 0, full: 20, points: 5, range: [0, 100]}
"""


def test_range_refuses_a_value_outside_naming_unit_columns_value_and_range():
    data = pd.DataFrame(
        {"uid": ["S1", "S2", "S3"], "满意率": [85, 855, "不适用"], "志愿者": [5, 300, None], "人口": [100, 200, 100]}
    )
    with using_language("en"):
        report = civscore.validate(data, rubric(RANGED))
        assert report.lines() == [
            "data, row 1, unit S2, column 志愿者, 人口, value 150.0: indicator share's value 志愿者 / 人口 * 100 = 150 "
            "must lie in [0, 100]",
            "data, row 1, unit S2, column 满意率, value 855: must lie in [0, 100] (range of indicator sat)",
        ]
    with using_language("zh"):
        report = civscore.validate(data, rubric(RANGED))
        assert report.problems["rule"].tolist() == [
            "指标 share 的值 志愿者 / 人口 * 100 = 150，应在 [0, 100] 之间",
            "应在 [0, 100] 之间（指标 sat 的 range）",
        ]


def test_range_with_lo_above_hi_is_a_rubric_error():
    assert problems(RANGED.replace("range: [0, 100]}\n      - {id: share", "range: [100, 0]}\n      - {id: share")) == [
        "lang.yaml:10 dimensions[0].indicators[0] (sat).range: the lower end 100 is above the upper end 0; "
        "write range as [lo, hi]"
    ]


def test_yes_no_columns_count_one_or_zero_in_arithmetic():
    body = """\
    total_points: 6
    dimensions:
      - id: d
        name: 维度
        indicators:
          - {id: k, name: 三项制度, value: 有台账 + 有制度 + 有公示, method: count, per_item: 2, points: 6}
    """
    data = pd.DataFrame(
        {"uid": ["S1", "S2", "S3"], "有台账": ["是", "否", "有"], "有制度": ["是", "是", "无"], "有公示": [1, 0, "否"]}
    )
    # S1: 1 + 1 + 1 = 3 -> 6; S2: 0 + 1 + 0 = 1 -> 2; S3: 1 + 0 + 0 = 1 -> 2
    assert civscore.score(data, rubric(body)).table.set_index("uid")["total"].tolist() == [6, 2, 2]
    mixed = pd.DataFrame({"uid": ["S1", "S2"], "有台账": ["是", "3"], "有制度": [1, 1], "有公示": [1, 1]})
    with using_language("en"):
        lines = civscore.validate(mixed, rubric(body)).lines()
    assert lines == [
        "data, row 0, unit S1, column 有台账, value '是': must be a number "
        "(a column used in arithmetic may also be yes/no throughout, counted 1/0)"
    ]


def test_conditions_in_a_value_count_one_or_zero():
    body = """\
    total_points: 4
    dimensions:
      - id: d
        name: 维度
        indicators:
          - {id: k, name: 达标项数, value: (知晓率 >= 80) + (满意率 >= 90) + (not 投诉), method: count, per_item: 1, points: 4}
    """
    data = pd.DataFrame({"uid": ["S1", "S2"], "知晓率": [85, 70], "满意率": [95, 95], "投诉": ["否", "是"]})
    assert civscore.score(data, rubric(body)).table["total"].tolist() == [3, 1]


def test_min_max_abs_in_values():
    body = """\
    total_points: 10
    dimensions:
      - id: d
        name: 维度
        indicators:
          # 每少一处扣2分: shortfall below 5 stations, never negative
          - {id: k, name: 站点, value: "max(0, 5 - 站点数)", method: deduction, per_item: 2, points: 6}
          - id: m
            name: 偏差
            value: abs(实际 - 计划)
            method: bands
            bands: [{at_most: 1, points: 4}, {at_most: 3, points: 2}]
            points: 4
    """
    data = pd.DataFrame({"uid": ["S1", "S2", "S3"], "站点数": [7, 3, 4], "实际": [10, 12, 5], "计划": [10, 10, 9]})
    # S1: 0 short -> 6; |0| -> 4 = 10.  S2: 2 short -> 2; |2| -> 2 = 4.  S3: 1 short -> 4; |-4| -> 0 = 4
    assert civscore.score(data, rubric(body)).table.set_index("uid")["total"].tolist() == [10, 4, 4]


PREVIOUS = """\
total_points: 10
missing: zero
dimensions:
  - id: d
    name: 维度
    indicators:
      - id: up
        name: 知晓率提升
        value: 知晓率 - previous(知晓率)
        method: bands
        bands: [{at_least: 5, points: 10}, {at_least: 0, points: 6}]
        points: 10
"""


def test_previous_reads_last_years_table_by_unit_id():
    data = pd.DataFrame({"uid": ["S1", "S2", "S3", "S4"], "知晓率": [80, 70, 90, 60]})
    last = pd.DataFrame({"uid": ["S2", "S1", "S3", "S9"], "知晓率": [72, 74, "不适用", 50]})
    result = civscore.score(data, rubric(PREVIOUS), previous=last)
    table = result.table.set_index("uid")
    # S1: 80 - 74 = 6 -> 10; S2: 70 - 72 = -2 -> 0; S3: 不适用 last year -> missing -> 0;
    # S4: absent last year -> missing -> 0
    assert table.loc[["S1", "S2", "S3", "S4"], "total"].tolist() == [10, 0, 0, 0]
    np.testing.assert_array_equal(result.values["up"].loc[["S1", "S2", "S3", "S4"]], [6, -2, np.nan, np.nan])
    np.testing.assert_array_equal(result.previous.loc[["S1", "S2", "S3", "S4"], "知晓率"], [74, 72, np.nan, np.nan])


def test_previous_ids_match_as_in_the_unit_table(tmp_path):
    data = pd.DataFrame({"uid": ["1001", "1002"], "知晓率": [80, 70]})
    path = tmp_path / "2025.csv"
    path.write_text("uid,知晓率\n1001,70\n1002,70\n", encoding="utf-8")
    table = civscore.score(data, rubric(PREVIOUS), previous=str(path)).table.set_index("uid")
    assert table["total"].tolist() == [10, 6]


def test_previous_without_a_previous_table_is_a_clear_error():
    data = pd.DataFrame({"uid": ["S1"], "知晓率": [80]})
    with using_language("en"):
        report = civscore.validate(data, rubric(PREVIOUS))
        assert report.lines() == [
            "data, column previous(知晓率): up uses previous(知晓率), which needs the previous period's unit table "
            "(--previous FILE on the command line, previous= in Python)"
        ]
        with pytest.raises(civscore.ValidationError):
            civscore.score(data, rubric(PREVIOUS))


def test_problems_of_the_previous_table_name_its_file_and_rows(tmp_path):
    data = pd.DataFrame({"uid": ["S1", "S2"], "知晓率": [80, 70]})
    path = tmp_path / "2025.csv"
    path.write_text("uid,知晓率\nS1,七十\nS1,70\n,60\n", encoding="utf-8")
    with using_language("en"):
        lines = civscore.validate(data, rubric(PREVIOUS), previous=str(path)).lines()
    label = str(path)
    assert lines == [
        f"{label}, row 2, unit S1, column uid, value 'S1': unit id must be unique (previous period's table)",
        f"{label}, row 2, unit S1, column 知晓率, value '七十': must be a number",
        f"{label}, row 3, unit S1, column uid, value 'S1': unit id must be unique (previous period's table)",
        f"{label}, row 4, column uid: unit id must not be empty",
    ]


def _weighted_sample(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "uid": [f"U{i:02d}" for i in range(n)],
            "flag": rng.choice(["是", "否"], n),
            "rate": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0, 100, n).round(1)),
            "n": rng.integers(0, 5, n),
            "sat": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(60, 100, n).round()),
        }
    )


def test_uncertainty_perturbs_dimension_weights_exactly_as_score_would():
    data = _weighted_sample()
    u = civscore.uncertainty(data, rubric(WEIGHTED), runs=5, weight_noise=0.3, level="dimension", seed=3)
    W = u.dimension_weights
    np.testing.assert_allclose(W.sum(axis=1), 100, atol=1e-9)
    assert W.std().min() > 0  # the weights really move
    for run in range(3):
        w = W.iloc[run]
        text = WEIGHTED
        for dim, label in (("mat", "材料审核"), ("field", "实地考察"), ("survey", "问卷调查")):
            old = f"id: {dim}\n    name: {label}\n    weight: "
            at = text.index(old) + len(old)
            text = text[:at] + repr(float(w[dim])) + text[text.index("\n", at) :]
        again = civscore.score(data, rubric(text)).table.set_index("uid")["total"]
        np.testing.assert_allclose(u.totals.iloc[run].to_numpy(), again.loc[u.totals.columns].to_numpy(), atol=1e-9)


def test_zero_noise_reproduces_a_weighted_ranking_and_sensitivity_names_the_weights():
    data = _weighted_sample()
    nominal = civscore.score(data, rubric(WEIGHTED)).table.set_index("uid")["total"]
    for level in ("indicator", "dimension"):
        u = civscore.uncertainty(data, rubric(WEIGHTED), runs=4, weight_noise=0, level=level)
        expected = np.broadcast_to(nominal.loc[u.totals.columns].to_numpy(), u.totals.shape)
        np.testing.assert_allclose(u.totals.to_numpy(), expected, atol=1e-9)
    s = civscore.sensitivity(data, rubric(WEIGHTED), samples=16)
    assert s.indices["factor"].tolist() == ["weight:mat", "weight:field", "weight:survey"]


def test_previous_on_the_command_line(tmp_path, capsys):
    from civscore.cli import main

    (tmp_path / "r.yaml").write_text(HEADER + textwrap.dedent(PREVIOUS), encoding="utf-8")
    (tmp_path / "now.csv").write_text("uid,知晓率\nS1,80\nS2,70\n", encoding="utf-8")
    (tmp_path / "before.csv").write_text("uid,知晓率\nS1,74\nS2,72\n", encoding="utf-8")
    r, now, before, out = (str(tmp_path / f) for f in ("r.yaml", "now.csv", "before.csv", "out.csv"))
    assert main(["score", r, now, "--previous", before, "-o", out]) == 0
    assert pd.read_csv(out, encoding="utf-8-sig").set_index("uid")["total"].tolist() == [10, 0]
    assert main(["validate", r, now, "--previous", before]) == 0
    capsys.readouterr()
    assert main(["score", r, now, "-o", out + ".2.csv"]) == 1
    assert "previous(知晓率)" in capsys.readouterr().err
    comp = str(tmp_path / "comp.csv")
    assert (
        main(["compare", "-r", r, "-d", before, "-d", now, "--previous", before, "--previous", before, "-o", comp]) == 0
    )


# --- explain, gaps and compare understand every addition -------------------------------------


def test_explain_shows_a_closed_gate_and_gaps_asks_to_meet_it():
    data = pd.DataFrame(
        {"uid": ["A", "B"], "有宣传栏": ["是", "否"], "更新次数": [4, 7], "等次": ["A", "A"], "面积": [3, 3]}
    )
    result = civscore.score(data, rubric(GATED))
    with using_language("zh"):
        rows = result.explain("B").set_index("item")
        assert rows.loc["updates", "rule"] == "未满足前提：有宣传栏 → 0/10 分"
        assert rows.loc["updates", "earned"] == 0 and rows.loc["updates", "available"] == 10
        todo = result.gaps("B").set_index("item")
    # the step is to meet the gate, never "raise 更新次数": 7 updates already earn 10 once it holds
    assert todo.loc["updates", "next_step"] == "先满足前提：有宣传栏（未满足时此项不得分）：+10"
    assert todo.loc["updates", "target_op"] == "only_if" and todo.loc["updates", "target"] == "有宣传栏"
    assert todo.loc["updates", "total_change"] == pytest.approx(10)
    assert todo.loc["grade", "next_step"].startswith("先满足前提：有宣传栏 and 面积 >= 2")
    with using_language("en"):
        assert (
            result.gaps("B").set_index("item").loc["updates", "next_step"].startswith("first meet the gate: 有宣传栏")
        )


def test_explain_shows_not_applicable_as_such_and_coverage_drops():
    data = pd.DataFrame(
        {
            "uid": ["P", "Q"],
            "停车位": [20, "不适用"],
            "户数": [100, 50],
            "y": ["是", "是"],
            "特色": [3, 1],
            "事故": [0, 0],
        }
    )
    result = civscore.score(data, rubric(NA))
    rows = result.explain("Q").set_index("item")
    assert rows.loc["x", "value"] == "不适用"
    assert rows.loc["x", "rule"].startswith("不适用")
    assert bool(rows.loc["x", "excluded"]) and not bool(rows.loc["x", "missing"])
    assert result.table.set_index("uid").loc["Q", "coverage"] == pytest.approx(0.5)
    assert "x" not in set(result.gaps("Q")["item"])  # nothing to fix where the item does not apply


def test_explain_shows_each_weighted_dimension_with_its_weight_and_rescaled_score():
    data = pd.DataFrame({"uid": ["U1", "U2"], "flag": ["是", "否"], "rate": [50, None], "n": [2, 5], "sat": [85, None]})
    result = civscore.score(data, rubric(WEIGHTED))
    for uid in ("U1", "U2"):
        table = result.explain(uid)
        assert table["contribution"].sum() == pytest.approx(result.table.set_index("uid").loc[uid, "total"], abs=1e-9)
    with using_language("zh"):
        rows = result.explain("U1").set_index("item")
    assert rows.loc["weight:mat", "name"] == "材料审核（权重 40）"
    assert rows.loc["weight:mat", "rule"] == "权重 40 × 得分 15 / 20 = 维度得分 30"
    assert rows.loc["weight:field", "earned"] == pytest.approx(40 * 4 / 6)
    with using_language("zh"):
        survey = result.explain("U2").set_index("item").loc["weight:survey", "rule"]
    assert survey == "权重 20：本维度没有适用的指标，不计入"


def test_explain_shows_both_years_for_previous():
    data = pd.DataFrame({"uid": ["S1", "S2"], "知晓率": [80, 70]})
    last = pd.DataFrame({"uid": ["S1"], "知晓率": [74]})
    result = civscore.score(data, rubric(PREVIOUS), previous=last)
    with using_language("zh"):
        assert result.explain("S1").set_index("item").loc["up", "note"] == "知晓率：本期 80，上期 74"
        assert result.explain("S2").set_index("item").loc["up", "note"] == "知晓率：本期 70，上期 缺失"
    with using_language("en"):
        assert result.explain("S1").set_index("item").loc["up", "note"] == "知晓率: this period 80, previous period 74"


def test_compare_reports_changed_weights_gates_and_ranges_as_rule_changes():
    from civscore.analysis.compare import rubric_changes

    old = rubric(WEIGHTED)
    new = rubric(
        WEIGHTED.replace("weight: 40\n    indicators:\n      - {id: i1", "weight: 50\n    indicators:\n      - {id: i1")
        .replace("weight: 20", "weight: 10")
        .replace("method: count, per_item: 2, points: 6}", "method: count, per_item: 2, points: 6, only_if: flag}")
        .replace("full: 100, points: 10}", "full: 100, points: 10, range: [0, 100]}")
    )
    changes = rubric_changes(old, new)
    got = changes[changes["change"].isin(["weight", "gate", "range"])][["item", "change", "before", "after"]]
    assert got.values.tolist() == [
        ["mat", "weight", "40", "50"],
        ["survey", "weight", "20", "10"],
        ["i2", "range", "", "[0, 100]"],
        ["i3", "gate", "", "flag"],
    ]


PERCENT = """\
total_points: 10
dimensions:
  - id: d
    name: 维度
    indicators:
      - {id: g, name: 等次, value: g, method: categorical, points: 6, map: {A: 100%, B: 66%, C: 33%, C#: 0%}}
      - id: b
        name: 档次
        value: x
        method: bands
        points: 4
        bands: [{at_least: 90, points: 100%}, {at_least: 80, points: 50%}]
        otherwise: 10%
"""


def test_points_as_percentages_of_the_indicator_points():
    r = rubric(PERCENT)
    g, b = r.dimensions[0].indicators
    # p = P x percent / 100: 6 x 66 / 100 = 3.96, 6 x 33 / 100 = 1.98; 4 x 50 / 100 = 2, 4 x 10 / 100 = 0.4
    assert g.map == {"A": 6, "B": pytest.approx(3.96, abs=1e-12), "C": pytest.approx(1.98, abs=1e-12), "C#": 0}
    assert [band.points for band in b.bands or []] == [4, 2] and b.otherwise == pytest.approx(0.4, abs=1e-12)
    data = pd.DataFrame({"uid": ["S1", "S2", "S3"], "g": ["A", "B", "C#"], "x": [95, 85, 10]})
    totals = civscore.score(data, r).table.set_index("uid")["total"]
    np.testing.assert_allclose(totals.loc[["S1", "S2", "S3"]], [10, 3.96 + 2, 0.4], atol=1e-9)


def test_a_percentage_above_100_is_a_rubric_error_naming_the_key():
    bad = PERCENT.replace("B: 66%", "B: 150%").replace("otherwise: 10%", "otherwise: -5%")
    assert problems(bad) == [
        "lang.yaml:10 dimensions[0].indicators[0] (g).map: 'B' -> 150% is above 100% (a percentage of the points)",
        "lang.yaml:17 dimensions[0].indicators[1] (b).otherwise: -5% is below 0%",
    ]


def test_the_json_schema_covers_every_new_key():
    schema = civscore.rubric_json_schema()["$defs"]
    assert {"only_if", "range"} <= set(schema["Indicator"]["properties"])
    assert "weight" in schema["Dimension"]["properties"]
    points = schema["Band"]["properties"]["points"]
    assert {"type": "number"} in points["anyOf"] and any(x.get("pattern") for x in points["anyOf"])


def test_gaps_in_a_weighted_rubric_state_the_gain_in_the_total():
    data = pd.DataFrame({"uid": ["U1"], "flag": ["是"], "rate": [50], "n": [2], "sat": [85]})
    result = civscore.score(data, rubric(WEIGHTED))
    with using_language("zh"):
        row = result.gaps("U1").set_index("item").loc["i3"]
    # i3: 2 items of 3 -> 4 of 6; one more item -> 6 of 6: field 40 * 6/6 = 40 instead of 40 * 4/6
    assert row["gain"] == pytest.approx(2)
    assert row["total_change"] == pytest.approx(40 - 40 * 4 / 6, abs=1e-9)
    assert "维度加权：此项每 1 分计入总分 6.667" in row["note"]
