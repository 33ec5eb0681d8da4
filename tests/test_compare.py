"""civscore.compare(): rubric versions and years, planted changes found, nothing silently dropped."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import ROOT, frame, make_rubric
from matplotlib import pyplot as plt

import civscore
from civscore.analysis.compare import CompareError, compare, rubric_changes
from civscore.cli import main
from civscore.plots import change as charts
from civscore.tables.compare import write_comparison

TOL = 1e-9
R2025 = ROOT / "rubrics" / "civilized-community-2025.yaml"
R2026 = ROOT / "rubrics" / "civilized-community-2026.yaml"


@pytest.fixture(scope="module")
def rubrics():
    return civscore.load_rubric(R2025), civscore.load_rubric(R2026)


@pytest.fixture(scope="module")
def data(rubrics):
    r = rubrics[0]
    return (
        civscore.read_data(ROOT / "data" / "communities_2024.csv", r),
        civscore.read_data(ROOT / "data" / "communities_2025.csv", r),
    )


@pytest.fixture(scope="module")
def results(rubrics, data):
    r25, r26 = rubrics
    d24, d25 = data
    # the 2026 rubric reads last year's 创建知晓率 (previous()): 2024 is 2025's previous period
    return {
        "2024": civscore.score(d24, r25),
        "2025": civscore.score(d25, r25),
        "2026": civscore.score(d25, r26, previous=d24),
    }


def set_cells(df: pd.DataFrame, changes: dict[tuple[str, str], object], idc: str = "社区代码") -> pd.DataFrame:
    out = df.copy()
    for (uid, col), value in changes.items():
        out[col] = out[col].astype(object)
        out.loc[out[idc] == uid, col] = value
    return out


def assert_reconciles(comp):
    units = comp.units[comp.units["status"] == "both"]
    assert np.allclose(units["total_change"], units["indicator_change"] + units["adjustments"])
    split = comp.contributions[comp.contributions["split"]]
    assert np.allclose(split["rule_change"] + split["data_change"], split["change"], atol=TOL)


# --- planted changes --------------------------------------------------------------------------


def test_planted_data_changes_are_found(rubrics, data, results):
    r25, _ = rubrics
    d25 = data[1]
    base = results["2025"]
    planted = set_cells(
        d25, {("SQ010", "垃圾分类参与率"): "60", ("SQ020", "成立创建领导小组"): "否", ("SQ030", "市级以上表彰数"): "2"}
    )
    comp = compare(base, civscore.score(planted, r25), labels=("原", "改"))
    assert comp.kind == "data" and comp.labels == ("原", "改")
    assert_reconciles(comp)
    units = comp.units.set_index("社区代码")
    moved = units.index[units["total_change"].abs() > TOL]
    assert set(moved) <= {"SQ010", "SQ020", "SQ030"} and {"SQ010", "SQ020"} <= set(moved)
    drivers = comp.drivers("SQ010")
    assert drivers.iloc[0]["indicator"] == "sorting_participation"
    before = base.points.loc["SQ010", "sorting_participation"]
    assert drivers.iloc[0]["change"] == pytest.approx(1 - before)  # 60% is the lowest band: 1 point
    assert (comp.contributions["rule_change"] == 0).all()
    assert comp.drivers("SQ020").iloc[0]["indicator"] == "leading_group"
    assert units.loc["SQ020", "drivers"].startswith("成立创建工作领导小组，职责分工明确 −2")
    # rank moves are the difference of the two rankings
    assert (units["rank_change"] == units["rank_a"] - units["rank_b"]).all()
    assert units.loc["SQ040", "drivers"] == ""


def test_planted_rule_change_is_attributed_to_the_rule(rubrics, results):
    r25, _ = rubrics
    text = R2025.read_text(encoding="utf-8").replace(
        "          - {at_least: 90, points: 4}\n              - {at_least: 80, points: 3}",
        "          - {at_least: 90, points: 4}\n              - {at_least: 80, points: 3.5}",
    )
    assert text != R2025.read_text(encoding="utf-8")
    changed = civscore.parse_rubric_text(text.replace('version: "2025.1"', 'version: "2025.2"'), "changed.yaml")
    base = results["2025"]
    other = civscore.score(civscore.read_data(ROOT / "data" / "communities_2025.csv", changed), changed)
    comp = compare(base, other)
    assert comp.kind == "rubric" and comp.labels == ("2025.1", "2025.2")
    assert_reconciles(comp)
    assert (comp.contributions["data_change"].abs() <= TOL).all()
    in_band = base.points.index[base.points["sorting_participation"] == 3]
    assert len(in_band) > 0
    moved = comp.contributions[comp.contributions["change"].abs() > TOL]
    rows = moved.set_index(["社区代码", "indicator"])
    assert set(rows.index) == {(u, "sorting_participation") for u in in_band}
    assert (rows["rule_change"] == 0.5).all()
    # the others did not change, so relative to the mean they lost ground on that indicator
    others = comp.contributions[(comp.contributions["change"].abs() <= TOL)]
    assert set(others["indicator"]) == {"sorting_participation"}
    assert np.allclose(others["vs_mean"], -0.5 * len(in_band) / 60)
    assert "生活垃圾分类居民参与率 +0.5（平均 +" in comp.units.set_index("社区代码").loc[in_band[0], "rank_drivers"]
    changes = rubric_changes(r25, changed)
    assert changes[["item", "change"]].values.tolist() == [["sorting_participation", "rule"]]


def test_rule_and_data_both_changed_split_exactly(rubrics, data, results):
    """2024 data under the 2025 rubric vs 2025 data under the 2026 rubric: every change splits."""
    comp = compare(results["2024"], results["2026"])
    assert comp.kind == "both"
    assert_reconciles(comp)
    rows = comp.contributions.set_index(["社区代码", "indicator"])
    # consultation is new in 2026: a rule change worth its points
    new = rows.xs("consultation", level="indicator")
    assert (new["rule_change"] == new["points_b"]).all() and (new["data_change"] == 0).all()
    # volunteer_ratio: same values, tighter bands (rule) + a year of data (data)
    both = rows.xs("volunteer_ratio", level="indicator")
    assert (both["rule_change"].abs() > TOL).any() and (both["data_change"].abs() > TOL).any()


def test_sample_rubric_versions(rubrics, results):
    comp = compare(results["2025"], results["2026"])
    assert comp.kind == "rubric" and len(comp.units) == 60 and not comp.only_a and not comp.only_b
    assert_reconciles(comp)
    # same data: no data part anywhere; the one item whose gate (only_if) is new is not split
    contrib = comp.contributions
    assert (contrib["data_change"].abs().fillna(0) <= TOL).all()
    assert set(contrib.loc[~contrib["split"], "indicator"]) == {"volunteer_hours"}
    # the new indicator adds exactly its points; only rows that changed are listed
    per = comp.contributions.pivot_table(index="社区代码", columns="indicator", values="rule_change")
    consultation = per["consultation"].reindex(results["2026"].points.index).fillna(0)
    assert (consultation == results["2026"].points["consultation"]).all()
    changes = rubric_changes(*rubrics)
    kinds = set(map(tuple, changes[["item", "change"]].values.tolist()))
    assert {
        ("consultation", "added"),
        ("volunteer_ratio", "rule"),
        ("sorting_participation", "points"),
        ("affairs_disclosure", "renamed"),
        # the rubric language of section 9: weights, a gate, ranges and percentages are rule changes
        ("organization", "weight"),
        ("volunteer_hours", "gate"),
        ("creation_awareness", "range"),
        ("party_org_grade", "rule"),
        ("awareness_gain", "added"),
    } <= kinds
    assert "moved" not in set(changes["change"])  # a renamed dimension is not a move


def test_year_over_year(results):
    comp = compare(results["2024"], results["2025"], labels=("2024", "2025"))
    assert comp.kind == "data"
    assert_reconciles(comp)
    units = comp.units.set_index("社区代码")
    # planted: SQ052 had a fail in 2024, SQ023 and SQ041 in 2025
    assert units.loc["SQ052", "vetoes_a"] == "major_safety_accident" and units.loc["SQ052", "rank_change"] > 0
    assert units.loc["SQ023", "rank_b"] == 59 or units.loc["SQ023", "rank_b"] == 60
    fallers = comp.fallers(5)["社区代码"].tolist()
    assert {"SQ023", "SQ041"} <= set(fallers)
    # the gate caps SQ009 in 2025: most of its fall is the cap, not its indicators
    assert units.loc["SQ009", "adjustments"] < -10
    # district trend: one row per dimension, means from the result tables
    dims = comp.dimensions.set_index("dimension")
    assert dims.loc["culture", "mean_b"] == pytest.approx(results["2025"].table["culture"].mean())
    assert np.allclose(dims["mean_change"], dims["mean_b"] - dims["mean_a"])


# --- units on one side, bad input -------------------------------------------------------------


def test_units_on_one_side_are_reported(rubrics, data, results):
    r25, _ = rubrics
    d25 = data[1]
    fewer = d25[~d25["社区代码"].isin(["SQ001", "SQ002"])].copy()
    extra = fewer.iloc[[0]].copy()
    extra["社区代码"] = "SQ999"
    extra["社区名称"] = "新建社区"
    after = civscore.score(pd.concat([fewer, extra], ignore_index=True), r25)
    comp = compare(results["2025"], after)
    assert comp.only_a == ["SQ001", "SQ002"] and comp.only_b == ["SQ999"]
    units = comp.units.set_index("社区代码")
    assert len(units) == 61
    assert units.loc["SQ001", "status"] == "only_a" and pd.isna(units.loc["SQ001", "rank_b"])
    assert units.loc["SQ999", "status"] == "only_b" and units.loc["SQ999", "社区名称"] == "新建社区"
    assert pd.isna(units.loc["SQ999", "total_change"]) and units.loc["SQ999", "drivers"] == ""


def test_different_id_columns_is_an_error(results):
    rubric = civscore.load_rubric(ROOT / "rubrics" / "safe-compound-2025.yaml")
    compounds = civscore.score(civscore.read_data(ROOT / "data" / "compounds_2025.csv", rubric), rubric)
    with pytest.raises(CompareError, match=r"编号列不同.*小区代码.*社区代码"):
        compare(compounds, results["2025"])


def test_no_common_units_is_an_error():
    rubric = make_rubric(
        """\
        total_points: 1
        dimensions:
          - {id: d, name: 维度, indicators: [{id: a, name: A, value: x, method: boolean, points: 1}]}
        """
    )
    a = civscore.score(frame(x=["是", "否"]), rubric)
    b = civscore.score(pd.DataFrame({"uid": ["v1", "v2"], "x": ["是", "否"]}), rubric)
    with pytest.raises(CompareError, match="没有哪个 uid 同时出现在两边的结果中"):
        compare(a, b)
    assert isinstance(CompareError("x"), civscore.CivscoreError)


def test_changed_value_expression_is_not_split():
    def rubric(expr: str, version: str):
        return make_rubric(
            f"""\
            total_points: 4
            dimensions:
              - id: d
                name: 维度
                indicators:
                  - {{id: a, name: A, value: "{expr}", method: linear, zero: 0, full: 1, points: 4}}
            """,
            header=f'id: t\nname: T\nversion: "{version}"\nunit: {{id_column: uid}}\n',
        )

    data = frame(x=[0.5, 1.0], y=[1.0, 2.0])
    comp = compare(civscore.score(data, rubric("x", "1")), civscore.score(data, rubric("x / y", "2")))
    row = comp.contributions.set_index("uid").loc["u2"]
    assert not row["split"] and np.isnan(row["rule_change"]) and row["change"] == -2
    assert "算式改变" in comp.units.set_index("uid").loc["u2", "drivers"]


# --- output -----------------------------------------------------------------------------------


def test_write_comparison(results, tmp_path):
    comp = compare(results["2024"], results["2025"], labels=("2024", "2025"))
    path = write_comparison(comp, tmp_path / "yoy.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["单位对比", "指标变化", "维度趋势", "说明"]
    sheet = book["单位对比"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    top = next(i for i, r in enumerate(rows) if r[0] == "社区名称")
    header = rows[top]
    assert {"排名（2024）", "排名（2025）", "名次变化", "总分（2024）", "总分（2025）", "主要变化"} <= set(header)
    assert not [h for h in header if h and any(c.isascii() and c.isalpha() for c in h)]  # no English ids
    assert "2024与2025对比" in rows[0][0] and sheet.print_title_cols == "$A:$A"
    points = [c.value for c in book["指标变化"][1]]
    assert "得分（2024）" in points and "points_a" not in points
    csv = write_comparison(comp, tmp_path / "yoy.csv")
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(back) == 60 and "total_change" in back.columns


def test_cli_compare(tmp_path, capsys):
    out = tmp_path / "c.csv"
    code = main(
        [
            "compare",
            "-r",
            str(R2025),
            "-d",
            str(ROOT / "data/communities_2024.csv"),
            "-d",
            str(ROOT / "data/communities_2025.csv"),
            "--labels",
            "2024",
            "2025",
            "-o",
            str(out),
        ]
    )
    assert code == 0 and "（数据变化）" in capsys.readouterr().out
    assert "rank (2024)" in pd.read_csv(out, encoding="utf-8-sig").columns
    code = main(
        [
            "compare",
            "-r",
            str(R2025),
            "-r",
            str(R2026),
            "-d",
            str(ROOT / "data/communities_2025.csv"),
            "--previous",
            str(ROOT / "data/communities_2024.csv"),
            "-o",
            str(tmp_path / "r.xlsx"),
        ]
    )
    assert code == 0 and "（测评体系变化）" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["compare", "-r", str(R2025), "-d", str(ROOT / "data/communities_2025.csv"), "-o", str(out)])
    assert exc.value.code == 2
    bad = tmp_path / "bad.csv"
    code = main(
        [
            "compare",
            "-r",
            str(ROOT / "rubrics/safe-compound-2025.yaml"),
            "-r",
            str(R2025),
            "-d",
            str(ROOT / "data/compounds_2025.csv"),
            "-d",
            str(ROOT / "data/communities_2025.csv"),
            "-o",
            str(bad),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "编号列不同" in err and "Traceback" not in err and not bad.exists()


# --- charts -----------------------------------------------------------------------------------


def test_change_charts(results):
    comp = compare(results["2024"], results["2025"], labels=("2024", "2025"))
    fig = charts.slope_chart(comp, n=4)
    ax = fig.axes[0]
    named = [t.get_text() for t in ax.texts]
    assert len(named) == 8 and any("梨园社区" in t for t in named)  # 4 risers + 4 fallers labelled
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024", "2025"]
    plt.close(fig)
    fig = charts.movers_chart(comp, n=3)
    assert len(fig.axes[0].patches) == 6
    plt.close(fig)
    fig = charts.dimension_trend_chart(comp)
    assert len(fig.axes[0].patches) == 2 * len(comp.dimensions)
    plt.close(fig)
    fig = charts.drivers_chart(comp, "SQ009", n=5)
    assert len(fig.axes[0].get_yticklabels()) == 5 and "解放路社区" in fig.axes[0].get_title()
    plt.close(fig)
    fig = charts.profile_radar(results["2025"], "SQ009")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["解放路社区", "城关街道平均", "全部平均"]
    plt.close(fig)
    # label spreading keeps labels apart and in order
    y = charts.spread_labels(np.array([5.0, 5.0, 5.2, 30.0]), min_gap=1.0)
    assert np.all(np.diff(np.sort(y)) >= 1.0 - 1e-12) and list(np.argsort(y)) == [0, 1, 2, 3]
