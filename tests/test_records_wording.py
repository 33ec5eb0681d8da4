"""explain and gaps for indicators fed by measures (issue 11, part 4), against hand-worked numbers.

explain names the measure, its n, its standard error and the records' file; gaps says the next
step in records: how many more respondents must answer 满意 (a share), how many fewer problem
points a count may hold (also through a value that falls as the count rises), how much a
shortfall sum must fall, and how many more records a measure below ``min_records`` needs.
"""

from __future__ import annotations

import pandas as pd
import pytest

import civscore
from civscore.words import using_language

RUBRIC = """
id: wording
name: 记录措辞
version: "1"
unit: {id_column: 区域代码, name_column: 区域}
total_points: 40
records:
  survey:
    unit_column: 区域代码
    columns:
      评价: {values: [满意, 基本满意, 不满意]}
  problems:
    unit_column: 区域代码
  stops:
    unit_column: 区域代码
measures:
  - {id: 满意率, from: survey, aggregate: share, of: 评价 == "满意", min_records: 10}
  - {id: 问题点位数, from: problems, aggregate: count}
  - {id: 广告缺口, from: stops, aggregate: sum, of: "max(0, 2 - 条数)"}
dimensions:
  - id: d
    name: d
    indicators:
      - id: satisfaction
        name: 满意率
        value: 满意率 * 100
        method: bands
        bands: [{at_least: 90, points: 10}, {at_least: 70, points: 6}]
        otherwise: 0
        points: 10
      - {id: problems, name: 问题点位, value: 问题点位数, method: deduction, per_item: 2, points: 10}
      - id: tidy
        name: 整洁
        value: 10 - 问题点位数
        method: bands
        bands: [{at_least: 8, points: 10}]
        otherwise: 0
        points: 10
      - {id: ads, name: 公益广告, value: 广告缺口, method: deduction, per_item: 3, points: 10}
"""


def answers(unit: str, satisfied: int, other: int) -> list[dict]:
    return [{"区域代码": unit, "评价": "满意"} for _ in range(satisfied)] + [
        {"区域代码": unit, "评价": "基本满意"} for _ in range(other)
    ]


@pytest.fixture
def result(tmp_path):
    rubric = civscore.parse_rubric_text(RUBRIC)
    units = pd.DataFrame({"区域代码": ["A", "B", "C", "D"], "区域": ["甲", "乙", "丙", "丁"]})
    # A: 12 of 20 满意 (0.6); B: 13 of 20 (0.65, where 0.7 * 20 is 14.000000000000002 in floats);
    # C: 19 of 20 (0.95, the top band); D: 6 of 8, fewer than min_records 10
    survey = pd.DataFrame(answers("A", 12, 8) + answers("B", 13, 7) + answers("C", 19, 1) + answers("D", 6, 2))
    problems = pd.DataFrame({"区域代码": ["A"] * 3 + ["B"] * 5})
    # A's stops hold 0, 1, 2, 3 and 1 ads: a shortfall of 2 + 1 + 0 + 0 + 1 = 4
    stops = pd.DataFrame({"区域代码": ["A"] * 5 + ["B"], "条数": [0, 1, 2, 3, 1, 2]})
    files = {}
    for name, frame in (("survey", survey), ("problems", problems), ("stops", stops)):
        files[name] = tmp_path / f"{name}.csv"
        frame.to_csv(files[name], index=False)
    return civscore.score(units, rubric, records={k: str(v) for k, v in files.items()})


def step(result, unit: str, item: str) -> str:
    g = result.gaps(unit)
    return g.loc[g["item"] == item, "next_step"].item()


def test_gaps_say_how_many_more_respondents_a_share_needs(result):
    with using_language("en"):
        # A: 0.6 -> 0.7 needs 14 of 20: 2 more; B: 0.65 -> 14 of 20: 1 more (not 2 by a float)
        assert step(result, "A", "satisfaction").endswith(
            'that is, 满意率 is now 12 of 20 (record table survey): 2 more of the same 20 records must satisfy 评价 == "满意"'
        )
        assert "1 more of the same 20 records" in step(result, "B", "satisfaction")
        # C is in the top band: nothing to do there
        assert "satisfaction" not in set(result.gaps("C")["item"])
    with using_language("zh"):
        assert step(result, "A", "satisfaction").endswith(
            '即 满意率 现为 12/20（记录表 survey）：同样 20 条记录中还需 2 条满足 评价 == "满意"'
        )


def test_gaps_say_how_many_fewer_problem_points_a_count_may_hold(result):
    with using_language("en"):
        # deduction to 0: A clears its 3 problem points
        assert step(result, "A", "problems").endswith(
            "that is, 3 fewer records of record table problems counted in 问题点位数 (now 3)"
        )
        # 10 - count >= 8 means count <= 2: B (5 points) must lose 3; the slope of -1 turns >= into <=
        assert step(result, "B", "tidy").endswith(
            "that is, 3 fewer records of record table problems counted in 问题点位数 (now 5)"
        )
        # A: 10 - 3 = 7 < 8, one problem point too many
        assert step(result, "A", "tidy").endswith(
            "that is, 1 fewer records of record table problems counted in 问题点位数 (now 3)"
        )
    with using_language("zh"):
        assert step(result, "B", "tidy").endswith("即记录表 problems 中计入 问题点位数 的记录须减少 3 条（现 5 条）")


def test_gaps_say_how_much_a_shortfall_sum_must_fall(result):
    with using_language("en"):
        assert step(result, "A", "ads").endswith(
            "that is, 广告缺口 (the sum of max(0, 2 - 条数) over record table stops) must fall by 4 (now 4)"
        )


def test_a_measure_below_min_records_asks_for_more_records(result):
    with using_language("en"):
        text = step(result, "D", "satisfaction")
    assert "满意率 rests on 8 records, fewer than min_records 10, so it is missing: collect at least 2 more" in text


def test_explain_names_the_measure_its_n_standard_error_and_file(result, tmp_path):
    with using_language("en"):
        table = result.explain("A").set_index("item")
    # p = 0.6 of n = 20: standard error sqrt(0.6 * 0.4 / 20) = 0.10954...
    assert table.loc["satisfaction", "note"] == (
        f"满意率 = 0.6 (share of 20 records, standard error 0.1095; record table survey: {tmp_path / 'survey.csv'})"
    )
    assert table.loc["problems", "note"] == (
        f"问题点位数 = 3 (count of 3 records; record table problems: {tmp_path / 'problems.csv'})"
    )
    with using_language("zh"):
        d = result.explain("D").set_index("item")
    assert d.loc["satisfaction", "note"] == (
        f"满意率 = 缺失（比例，8 条记录，标准误 缺失，少于 min_records 10，按缺失计；记录表 survey：{tmp_path / 'survey.csv'}）"
    )


def test_record_values_are_the_records_each_measure_aggregates(tmp_path):
    """For a bootstrap: resampling x with weights w per unit must give back the measure itself."""
    rubric = civscore.parse_rubric_text(RUBRIC)
    survey = pd.DataFrame(answers("A", 12, 8) + answers("B", 13, 7) + [{"区域代码": "Z", "评价": "满意"}])
    problems = pd.DataFrame({"区域代码": ["A"] * 3})
    stops = pd.DataFrame({"区域代码": ["A", "B"], "条数": [0, 1]})
    records = {"survey": survey, "problems": problems, "stops": stops}
    with pytest.raises(civscore.ValidationError):  # Z is not a unit: invalid records are refused here too
        civscore.record_values(rubric, records, units=["A", "B"])
    records["survey"] = survey[survey["区域代码"] != "Z"]
    values = civscore.record_values(rubric, records, units=["A", "B"])  # default: the share
    assert list(values.columns) == ["区域代码", "measure", "x", "w"]
    assert set(values["measure"]) == {"满意率"}
    per_unit = values.groupby("区域代码")["x"].agg(["sum", "count"])
    assert per_unit.loc["A"].tolist() == [12, 20] and per_unit.loc["B"].tolist() == [13, 20]
    assert (values["w"] == 1.0).all()
    measured = civscore.measure(rubric, records, units=["A", "B"]).set_index("区域代码")
    assert values.groupby("区域代码")["x"].mean().tolist() == measured["满意率"].tolist()
    sums = civscore.record_values(rubric, records, units=["A", "B"], measures=["广告缺口"])
    assert sorted(sums["x"].tolist()) == [1.0, 2.0]  # max(0, 2 - 条数) for 0 and 1 ads
    with pytest.raises(ValueError, match="no such measures: nope"), using_language("en"):
        civscore.record_values(rubric, records, measures=["nope"])
