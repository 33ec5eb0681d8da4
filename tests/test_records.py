"""Records and measures (rubric-contract section 8): each aggregate against a plain pandas group-by,
where / weight / min_records, units without records, standard errors, and the API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import civscore
from civscore.words import using_language

HEAD = """
id: rec
name: 记录测试
version: "1"
unit: {id_column: 区域代码, name_column: 区域}
total_points: 10
records:
  survey:
    unit_column: 区域代码
"""
DIMS = """
dimensions:
  - id: d
    name: d
    indicators:
      - {id: i1, name: i1, value: m_count, method: count, per_item: 1, points: 10}
"""


def rubric_with(measures: str, records: str = "") -> civscore.Rubric:
    return civscore.parse_rubric_text(HEAD + records + "measures:\n" + measures + DIMS)


def random_records(seed: int = 7, n: int = 3000, units: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, units + 1, n)
    answers = rng.choice(["满意", "基本满意", "不满意", ""], n, p=[0.5, 0.3, 0.15, 0.05])
    score = rng.integers(0, 101, n).astype(float)
    score_text = np.where(rng.random(n) < 0.05, "", score.astype(int).astype(str))
    return pd.DataFrame(
        {
            "区域代码": [f"U{i:03d}" for i in ids],
            "评价": answers,
            "得分": score_text,
            "有效": np.where(rng.random(n) < 0.9, "是", "否"),
            "权重": rng.choice(["0.5", "1", "2", "3.5"], n),
        }
    )


MEASURES = """
  - {id: m_count, from: survey, aggregate: count, where: 有效 == "是"}
  - {id: m_sum, from: survey, aggregate: sum, of: 得分 / 10, weight: 权重}
  - {id: m_mean, from: survey, aggregate: mean, of: 得分, where: 有效 == "是"}
  - {id: m_wmean, from: survey, aggregate: mean, of: 得分, weight: 权重, where: 有效 == "是"}
  - {id: m_share, from: survey, aggregate: share, of: 评价 == "满意" or 评价 == "基本满意", min_records: 40}
  - {id: m_wshare, from: survey, aggregate: share, of: 评价 == "满意", weight: 权重}
  - {id: m_min, from: survey, aggregate: min, of: 得分 - 50, where: 评价 == "不满意"}
  - {id: m_max, from: survey, aggregate: max, of: "max(得分, 90)"}
  - {id: m_median, from: survey, aggregate: median, of: 得分}
  - {id: m_distinct, from: survey, aggregate: distinct, of: 100 * (评价 == "满意") + 60 * (评价 == "基本满意"), where: 有效 == "是"}
  - {id: m_score, from: survey, aggregate: mean, of: 100 * (评价 == "满意") + 60 * (评价 == "基本满意"), min_records: 45}
"""


def reference(records: pd.DataFrame, units: list[str]) -> pd.DataFrame:
    """The same measures by hand: a plain pandas group-by over the records."""
    r = records.copy()
    r["x"] = pd.to_numeric(r["得分"].replace("", np.nan))
    r["w"] = r["权重"].astype(float)
    r["valid"] = r["有效"] == "是"
    r["ok"] = r["评价"].isin(["满意", "基本满意"])
    r["yes"] = r["评价"] == "满意"
    r["points"] = 100.0 * r["yes"] + 60.0 * (r["评价"] == "基本满意")
    out = pd.DataFrame(index=pd.Index(units, name="区域代码"))
    out["m_count"] = r[r.valid].groupby("区域代码").size()
    out["m_count_n"] = out["m_count"]
    s = r[r.x.notna()]
    out["m_sum"] = (s.x / 10 * s.w).groupby(s["区域代码"]).sum()
    out["m_sum_n"] = s.groupby("区域代码").size()
    v = r[r.valid & r.x.notna()]
    gv = v.groupby("区域代码")
    out["m_mean"] = gv.x.mean()
    out["m_mean_n"] = gv.size()
    out["m_mean_se"] = gv.x.std(ddof=1) / np.sqrt(gv.size())
    wm = (v.w * v.x).groupby(v["区域代码"]).sum() / gv.w.sum()
    out["m_wmean"] = wm
    out["m_wmean_n"] = gv.size()
    sw, sww = gv.w.sum(), (v.w**2).groupby(v["区域代码"]).sum()
    n_eff = sw**2 / sww
    dev = (v.w * (v.x - v["区域代码"].map(wm)) ** 2).groupby(v["区域代码"]).sum()
    out["m_wmean_se"] = np.sqrt(dev / (sw - sww / sw) / n_eff)
    # a blank answer makes `评价 == ...` missing (as in a value), so the record is left out
    a = r[r["评价"] != ""]
    ga = a.groupby("区域代码")
    share = ga.ok.mean()
    n = ga.size()
    out["m_share"] = share.where(n >= 40)
    out["m_share_n"] = n
    out["m_share_se"] = np.sqrt(share * (1 - share) / n).where(n >= 40)
    ws = (a.w * a.yes).groupby(a["区域代码"]).sum() / ga.w.sum()
    out["m_wshare"] = ws
    out["m_wshare_n"] = n
    wn_eff = ga.w.sum() ** 2 / (a.w**2).groupby(a["区域代码"]).sum()
    out["m_wshare_se"] = np.sqrt(ws * (1 - ws) / wn_eff)
    d = r[(r["评价"] == "不满意") & r.x.notna()]
    out["m_min"] = (d.x - 50).groupby(d["区域代码"]).min()
    out["m_min_n"] = d.groupby("区域代码").size()
    out["m_max"] = np.maximum(s.x, 90).groupby(s["区域代码"]).max()
    out["m_max_n"] = s.groupby("区域代码").size()
    out["m_median"] = s.groupby("区域代码").x.median()
    out["m_median_n"] = s.groupby("区域代码").size()
    va = a[a.valid]
    out["m_distinct"] = va.groupby("区域代码").points.nunique()
    out["m_distinct_n"] = va.groupby("区域代码").size()
    out["m_score"] = ga.points.mean().where(n >= 45)
    out["m_score_n"] = n
    out["m_score_se"] = (ga.points.std(ddof=1) / np.sqrt(n)).where(n >= 45)
    zero = [c for c in out.columns if c.endswith("_n")] + ["m_count", "m_sum", "m_distinct"]
    out[zero] = out[zero].fillna(0)
    return out.reset_index()


def test_every_aggregate_equals_a_plain_pandas_group_by():
    records = random_records()
    rubric = rubric_with(MEASURES)
    units = [f"U{i:03d}" for i in range(1, 66)]  # U061-U065 have no records at all
    got = civscore.measure(rubric, records={"survey": records}, units=units)
    want = reference(records, units)
    assert list(got.columns) == list(want.columns)
    assert got["区域代码"].tolist() == units
    for col in want.columns[1:]:
        np.testing.assert_allclose(
            got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9, atol=1e-12, err_msg=col
        )
    # min_records left some shares missing while n still counts their records
    assert got["m_share"].isna().sum() > 5 and (got.loc[got["m_share"].isna(), "m_share_n"] > 0).any()


def test_units_without_records_get_zero_counts_and_missing_means():
    records = pd.DataFrame({"区域代码": ["A"], "评价": ["满意"], "得分": ["80"], "有效": ["是"], "权重": ["1"]})
    rubric = rubric_with(MEASURES)
    got = civscore.measure(rubric, records={"survey": records}, units=["A", "B"]).set_index("区域代码")
    b = got.loc["B"]
    assert b["m_count"] == 0 and b["m_sum"] == 0 and b["m_distinct"] == 0
    for col in ("m_mean", "m_wmean", "m_share", "m_wshare", "m_min", "m_max", "m_median", "m_score"):
        assert np.isnan(b[col]), col
    assert (got.filter(like="_n").loc["B"] == 0).all()
    # one record: n_eff < 2, so no standard error; the share's min_records (40) makes it missing
    a = got.loc["A"]
    assert a["m_mean"] == 80 and np.isnan(a["m_mean_se"]) and a["m_mean_n"] == 1
    assert np.isnan(a["m_share"]) and a["m_share_n"] == 1


def test_without_units_every_unit_id_found_in_the_records_gets_a_row_sorted_by_id():
    records = pd.DataFrame({"区域代码": ["b2", " a1", "a1 ", "1001.0"], "评价": ["满意"] * 4})
    rubric = rubric_with("  - {id: m_count, from: survey, aggregate: count}\n")
    got = civscore.measure(rubric, records={"survey": records})
    assert got["区域代码"].tolist() == ["1001", "a1", "b2"]
    assert got["m_count"].tolist() == [1, 2, 1]
    assert list(got.columns) == ["区域代码", "m_count", "m_count_n"]


def test_numbers_typed_as_ids_match_text_ids_of_the_unit_table():
    units = pd.DataFrame({"区域代码": [1001, 1002], "区域": ["甲", "乙"]})
    records = pd.DataFrame({"区域代码": [1001.0, 1001.0, 1002.0], "评价": ["满意"] * 3})
    rubric = rubric_with("  - {id: m_count, from: survey, aggregate: count}\n")
    got = civscore.measure(rubric, records={"survey": records}, units=units)
    assert got["m_count"].tolist() == [2, 1]


def test_missing_cells_comparisons_and_division_by_zero_follow_section_2():
    records = pd.DataFrame(
        {
            "区域代码": ["A"] * 5,
            "a": ["1", "", "3", "NA", "4"],
            "b": ["0", "1", "1", "1", "2"],
            "t": ["x", "", "y", "x", "x"],
        }
    )
    rubric = rubric_with(
        """
  - {id: m_count, from: survey, aggregate: count}
  - {id: ratio, from: survey, aggregate: sum, of: a / b}
  - {id: ratio_count, from: survey, aggregate: count, of: a / b}
  - {id: is_x, from: survey, aggregate: sum, of: t == "x"}
  - {id: big, from: survey, aggregate: count, where: a > 2}
"""
    )
    got = civscore.measure(rubric, records={"survey": records}).iloc[0]
    assert got["ratio"] == 3 + 2  # 1/0 is missing (left out); blank and NA are missing
    assert got["ratio_count"] == 2
    assert got["is_x"] == 3  # a blank makes the comparison missing (as in a value): left out
    assert got["is_x_n"] == 4
    assert got["big"] == 2  # a missing a > 2 is false


def test_score_with_records_as_paths_and_as_frames_gives_the_same_result(tmp_path):
    units = pd.DataFrame({"区域代码": ["A", "B", "C"], "区域": ["甲", "乙", "丙"]})
    records = pd.DataFrame({"区域代码": ["A", "A", "B", "A"], "评价": ["满意"] * 4})
    rubric = rubric_with("  - {id: m_count, from: survey, aggregate: count}\n")
    path = tmp_path / "问卷.csv"
    records.to_csv(path, index=False, encoding="gbk")
    before = records.copy()
    by_frame = civscore.score(units, rubric, records={"survey": records})
    by_path = civscore.score(units, rubric, records={"survey": str(path)})
    pd.testing.assert_frame_equal(by_frame.table, by_path.table)
    assert by_frame.table.set_index("区域代码")["total"].to_dict() == {"A": 3.0, "B": 1.0, "C": 0.0}
    pd.testing.assert_frame_equal(records, before)  # never modified
    assert by_path.measures is not None and by_path.measures.attrs["sources"] == {"survey": str(path)}


def test_score_refuses_missing_and_undeclared_record_tables():
    units = pd.DataFrame({"区域代码": ["A"], "区域": ["甲"]})
    rubric = rubric_with("  - {id: m_count, from: survey, aggregate: count}\n")
    with pytest.raises(civscore.CivscoreError, match="survey"):
        civscore.score(units, rubric)
    with pytest.raises(civscore.CivscoreError, match="other"):
        civscore.score(units, rubric, records={"survey": pd.DataFrame({"区域代码": ["A"]}), "other": "x.csv"})


def test_a_unit_table_column_named_like_a_measure_is_a_data_problem():
    units = pd.DataFrame({"区域代码": ["A"], "区域": ["甲"], "m_count": [5]})
    rubric = rubric_with("  - {id: m_count, from: survey, aggregate: count}\n")
    report = civscore.validate(units, rubric, records={"survey": pd.DataFrame({"区域代码": ["A"]})})
    assert not report.ok
    assert report.problems["column"].tolist() == ["m_count"]
    assert "m_count" in report.problems["rule"].iloc[0]


def test_measures_go_through_the_unit_tables_checks():
    """A measure is checked like a data column: a negative sum fed to a deduction is a data error."""
    rubric = civscore.parse_rubric_text(
        HEAD
        + """
measures:
  - {id: net, from: survey, aggregate: sum, of: 得分}
dimensions:
  - id: d
    name: d
    indicators:
      - {id: i1, name: i1, value: net, method: deduction, per_item: 1, points: 10}
"""
    )
    units = pd.DataFrame({"区域代码": ["A", "B"], "区域": ["甲", "乙"]})
    records = pd.DataFrame({"区域代码": ["A", "B"], "得分": ["-3", "2"]})
    report = civscore.validate(units, rubric, records={"survey": records})
    assert report.problems[["unit", "column"]].values.tolist() == [["A", "net"]]
    assert report.problems["table"].tolist() == [""]


def test_read_records_folder_glob_and_differing_schemas(tmp_path):
    folder = tmp_path / "pts"
    folder.mkdir()
    pd.DataFrame({"区域代码": ["A", "B"], "n": [1, 2]}).to_parquet(folder / "a.parquet")
    pd.DataFrame({"区域代码": ["A"], "n": [5]}).to_parquet(folder / "b.parquet")
    rubric = rubric_with("  - {id: m_count, from: survey, aggregate: sum, of: n}\n")
    for source in (folder, str(folder / "*.parquet")):
        got = civscore.measure(rubric, records={"survey": civscore.read_records(source)})
        assert got.set_index("区域代码")["m_count"].to_dict() == {"A": 6.0, "B": 2.0}
    pd.DataFrame({"区域代码": ["A"], "m": [5]}).to_parquet(folder / "c.parquet")
    with pytest.raises(civscore.DataError, match=r"c\.parquet"):
        civscore.read_records(folder)
    with pytest.raises(civscore.DataError):
        civscore.read_records(tmp_path / "nothing-here")
    (tmp_path / "empty.csv").write_text("区域代码,n\n", encoding="utf-8")
    with using_language("en"), pytest.raises(civscore.DataError, match="no data rows"):
        civscore.read_records(tmp_path / "empty.csv")


def test_the_sample_rubric_equals_a_hand_pivot_of_the_sample_records():
    """The shipped design, computed by hand from the raw files with pandas."""
    root = "data/records/"
    rubric = civscore.load_rubric("rubrics/area-satisfaction-2019.yaml")
    units = civscore.read_data(root + "areas.csv", rubric)
    records = {
        "survey": root + "survey.csv",
        "surveyors": root + "surveyors.xlsx",
        "points": root + "points",
        "problems": root + "problems.csv",
    }
    got = civscore.measure(rubric, records=records, units=units).set_index("区域代码")
    survey = pd.read_csv(root + "survey.csv", encoding="gb18030", dtype=str)
    valid = survey[survey["有效"] == "是"]
    points = valid["评价"].map({"满意": 100.0, "基本满意": 60.0, "不满意": 0.0})
    n = valid.groupby("区域代码").size()
    score = points.groupby(valid["区域代码"]).mean().where(n >= 15)
    np.testing.assert_allclose(got["满意度得分"], score.reindex(got.index), rtol=1e-12)
    pts = pd.read_parquet(root + "points")
    stops = pts[pts["点位类型"] == "公交车站"]
    gap = np.maximum(0, 2 - stops["公益广告条数"]).groupby(stops["区域代码"]).sum()
    np.testing.assert_allclose(got["公益广告缺口"], gap.reindex(got.index).fillna(0), rtol=1e-12)
    result = civscore.score(units, rubric, records=records)
    assert len(result.table) == 100
    small = got.index[got["满意度得分_n"] < 15]
    assert len(small) >= 5 and got.loc[small, "满意度得分"].isna().all()
