"""The commands that take --records, end to end through the command line (contract section 8):
`compare` of two rubrics that declare different record tables, or of two years with their own
records; `report` rendered from a records rubric. The bundled synthetic sample (data/records/,
made by data/generate_records.py) is the input; a 2020 version of its rubric is derived here."""

from __future__ import annotations

import hashlib
import html
import importlib.util
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

import civscore

R2019 = ROOT / "rubrics" / "area-satisfaction-2019.yaml"
RECORDS = ROOT / "data" / "records"
AREAS = RECORDS / "areas.csv"
# what `make demo` passes (Makefile: AREA_RECORDS)
FILES = {
    "survey": RECORDS / "survey.csv",
    "surveyors": RECORDS / "surveyors.xlsx",
    "points": RECORDS / "points",
    "problems": RECORDS / "problems.csv",
}


def records_args(files: dict) -> list[str]:
    return [arg for name, path in files.items() for arg in ("--records", f"{name}={path}")]


def rubric_2020(folder: Path) -> Path:
    """The 2019 rubric one year on: the five surveyors' scores are dropped and complaints to the
    12345 hotline (a new record table, `hotline`) take their 21 points, 3 off per complaint."""
    tree = yaml.safe_load(R2019.read_text(encoding="utf-8"))
    tree.update(id="area-satisfaction-2020", version="2020.1")
    del tree["records"]["surveyors"]
    tree["records"]["hotline"] = {"unit_column": "区域代码", "key": ["工单编号"]}
    tree["measures"] = [m for m in tree["measures"] if m["from"] != "surveyors"]
    tree["measures"].append({"id": "投诉件数", "from": "hotline", "aggregate": "count"})
    satisfaction = tree["dimensions"][0]["indicators"]
    assert satisfaction[1]["id"] == "surveyor_score"
    satisfaction[1] = {
        "id": "hotline_complaints",
        "name": "12345 热线投诉（每件扣3分，扣完为止）",
        "value": "投诉件数",
        "method": "deduction",
        "per_item": 3,
        "points": 21,
    }
    path = folder / "area-satisfaction-2020.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def hotline_records(folder: Path) -> Path:
    """Synthetic hotline tickets (seeded): Poisson(1.5) per area, none for some areas."""
    ids = pd.read_csv(AREAS, encoding="utf-8-sig", dtype=str)["区域代码"]
    counts = np.random.default_rng(2020).poisson(1.5, len(ids))
    units = np.repeat(ids.to_numpy(), counts)
    path = folder / "hotline.csv"
    pd.DataFrame({"工单编号": [f"H{i:04d}" for i in range(len(units))], "区域代码": units}).to_csv(path, index=False)
    return path


def survey_one_year_on(folder: Path) -> Path:
    """The survey of the next year: every valid answer of YD001-YD010 is now 满意."""
    survey = pd.read_csv(FILES["survey"], encoding="gbk", dtype=str, keep_default_na=False)
    better = survey["区域代码"].isin([f"YD{i:03d}" for i in range(1, 11)])
    assert better.sum() > 100
    survey.loc[better, "评价"] = "满意"
    path = folder / "survey_2020.csv"
    survey.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def totals(rubric_path: Path, records: dict) -> pd.Series:
    rubric = civscore.load_rubric(rubric_path)
    result = civscore.score(civscore.read_data(AREAS, rubric), rubric, records=records)
    return result.table.set_index("区域代码")["total"]


def digest(*paths: Path) -> dict:
    files = [f for p in paths for f in (sorted(p.rglob("*")) if p.is_dir() else [p]) if f.is_file()]
    return {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def test_compare_gives_each_rubric_the_record_tables_it_declares(tmp_path, run):
    r2020, hotline = rubric_2020(tmp_path), hotline_records(tmp_path)
    given = {**FILES, "hotline": hotline}
    proc = run(
        ["compare", "-r", R2019, "-r", r2020, "-d", AREAS, *records_args(given), "--labels", "2019", "2020"]
        + ["-o", "cmp.parquet"],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "compared 100 units (rubric changed)" in proc.stdout
    assert "note:" not in proc.stderr  # one data file: nothing is shared between two periods
    got = pd.read_parquet(tmp_path / "cmp.parquet").set_index("区域代码")
    before = totals(R2019, FILES)
    after = totals(r2020, {n: given[n] for n in ("survey", "points", "problems", "hotline")})
    np.testing.assert_allclose(got["total (2019)"].to_numpy(float), before.reindex(got.index).to_numpy(float))
    np.testing.assert_allclose(got["total (2020)"].to_numpy(float), after.reindex(got.index).to_numpy(float))
    # the hotline decides the 2020 side: an area with complaints loses 3 points each
    tickets = pd.read_csv(hotline)["区域代码"].value_counts()
    assert tickets.max() >= 3 and not after.equals(before)


def test_compare_of_two_years_takes_a_record_table_twice_before_then_after(tmp_path, run):
    survey_2020 = survey_one_year_on(tmp_path)
    areas_2020 = tmp_path / "areas_2020.csv"
    areas_2020.write_bytes(AREAS.read_bytes())
    args = ["compare", "-r", R2019, "-d", AREAS, "-d", areas_2020, "--labels", "2019", "2020"]
    args += ["--records", f"survey={FILES['survey']}", "--records", f"survey={survey_2020}"]
    args += records_args({n: p for n, p in FILES.items() if n != "survey"}) + ["-o", "yoy.parquet"]
    proc = run(args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    got = pd.read_parquet(tmp_path / "yoy.parquet").set_index("区域代码")
    before = totals(R2019, FILES)
    after = totals(R2019, {**FILES, "survey": survey_2020})
    np.testing.assert_allclose(got["total (2019)"].to_numpy(float), before.reindex(got.index).to_numpy(float))
    np.testing.assert_allclose(got["total (2020)"].to_numpy(float), after.reindex(got.index).to_numpy(float))
    improved = [f"YD{i:03d}" for i in range(1, 11)]
    # an area below min_records (YD007 answered 8) earns the mean of the others (missing: mean),
    # and that mean rose with YD001-YD010
    measures = civscore.measure(civscore.load_rubric(R2019), records=FILES).set_index("区域代码")
    too_few = measures.index[measures["满意度得分"].isna()]
    assert "YD007" in too_few and (got.loc[too_few, "total_change"] > 0).all()
    assert (got.loc[improved].drop(index=too_few, errors="ignore")["total_change"] > 0).all()
    assert (got.drop(index=improved).drop(index=too_few, errors="ignore")["total_change"].abs() < 1e-9).all()
    # the tables given once serve both years, and the command says so
    for name in ("surveyors", "points", "problems"):
        assert f"note: record table {name}: {FILES[name]} is used for both sides" in proc.stderr
    assert "record table survey:" not in proc.stderr


def test_compare_record_usage_errors_name_the_table_and_the_rubric_in_both_languages(tmp_path, run):
    r2020, hotline = rubric_2020(tmp_path), hotline_records(tmp_path)
    base = ["compare", "-r", R2019, "-r", r2020, "-d", AREAS, "-o", "cmp.csv"]
    inputs = digest(RECORDS, R2019, r2020, hotline)
    everything = records_args({**FILES, "hotline": hotline})

    undeclared = run([*base, *everything, "--records", "visits=v.csv"], tmp_path)
    assert undeclared.returncode == 2
    assert (
        f"record table 'visits' is declared by neither rubric ({R2019} declares: points, problems, survey, "
        f"surveyors; {r2020}: hotline, points, problems, survey)" in undeclared.stderr
    )
    zh = run([*base, *everything, "--records", "visits=v.csv"], tmp_path, lang="zh")
    assert zh.returncode == 2
    assert f"记录表 'visits' 两个测评体系都没有声明（{R2019} 声明：points, problems, survey, surveyors；" in zh.stderr

    missing = run([*base, *records_args({n: p for n, p in FILES.items() if n != "surveyors"})], tmp_path)
    assert missing.returncode == 2
    # every problem at once, each naming the side whose rubric needs the table
    assert f"the rubric {R2019} (before) needs record table surveyors: add --records surveyors=FILE" in missing.stderr
    assert f"the rubric {r2020} (after) needs record table hotline: add --records hotline=FILE" in missing.stderr
    zh = run([*base, *records_args(FILES)], tmp_path, lang="zh")
    assert zh.returncode == 2
    assert f"测评体系 {r2020}（后者）需要记录表 hotline：请给出 --records hotline=FILE" in zh.stderr

    twice = run([*base, *everything, "--records", f"hotline={hotline}"], tmp_path)
    assert twice.returncode == 2
    assert f"record table hotline is declared only by the after rubric {r2020}: give --records hotline=..." in (
        twice.stderr
    )
    thrice = run([*base, *everything, *records_args({"survey": FILES["survey"]}) * 2], tmp_path)
    assert thrice.returncode == 2 and "--records survey=... is given more than 2 times" in thrice.stderr

    one_rubric = ["compare", "-r", R2019, "-d", AREAS, "-d", AREAS, "-o", "cmp.csv", *records_args(FILES)]
    alone = run([*one_rubric, "--records", "hotline=h.csv"], tmp_path)
    assert alone.returncode == 2
    assert f"record table 'hotline' is not declared by the rubric {R2019} (declared: points, " in alone.stderr
    spark_master = run([*base, *everything, "--spark-master", "local[1]"], tmp_path)
    assert spark_master.returncode == 2 and "--spark-master applies only with --engine spark" in spark_master.stderr

    assert not (tmp_path / "cmp.csv").exists()
    assert digest(RECORDS, R2019, r2020, hotline) == inputs


def test_a_changed_measure_is_a_change_of_the_rule_that_compare_does_not_split(tmp_path):
    """Same `value: 满意度得分` on both sides, but 基本满意 now counts 80 instead of 60: the points
    moved because the rule did, and the split into rule and data must not call it data."""
    tree = yaml.safe_load(R2019.read_text(encoding="utf-8"))
    tree["version"] = "2019.2"
    survey_score = next(m for m in tree["measures"] if m["id"] == "满意度得分")
    survey_score["of"] = survey_score["of"].replace("60 *", "80 *")
    tree["dimensions"][0]["indicators"][1]["full"] = 95  # 测评员评分: a rule change over an unchanged measure
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False), encoding="utf-8")
    a, b = civscore.load_rubric(R2019), civscore.load_rubric(changed)
    data = civscore.read_data(AREAS, a)
    comp = civscore.compare(civscore.score(data, a, records=FILES), civscore.score(data, b, records=FILES))
    rows = comp.contributions.set_index(["区域代码", "indicator"])
    survey = rows.xs("survey_score", level="indicator")
    assert len(survey) > 50 and not survey["split"].any()
    assert survey["rule_change"].isna().all() and survey["data_change"].isna().all()
    surveyors = rows.xs("surveyor_score", level="indicator")
    assert surveyors["split"].all()
    np.testing.assert_allclose(surveyors["rule_change"], surveyors["change"])
    np.testing.assert_allclose(surveyors["data_change"], 0.0)


def page_text(path: Path) -> str:
    """The words of an HTML page, as a reader sees them (scripts, styles and tags left out)."""
    page = path.read_text(encoding="utf-8")
    for pattern in (r"<script.*?</script>", r"<style.*?</style>", r"<[^>]+>"):
        page = re.sub(pattern, " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(page))


def check_report(folder: Path, engine: str) -> None:
    """The report of the 2019 sample: its ranking files are the scores computed from the records,
    and every unit's row of the printed ranking shows its measure-fed points."""
    rubric = civscore.load_rubric(R2019)
    expected = civscore.score(civscore.read_data(AREAS, rubric), rubric, records=FILES).table
    ranking = pd.read_csv(folder / "ranking.csv", encoding="utf-8-sig")
    assert ranking["区域代码"].tolist() == expected["区域代码"].tolist()
    for column in ("total", "satisfaction", "inspection"):
        np.testing.assert_allclose(ranking[column], expected[column], rtol=0, atol=1e-9, err_msg=column)
    text = page_text(folder / "report.html")
    names = {"duckdb": "DuckDB", "spark": "Apache Spark"}
    assert (
        "记录表 survey（ survey.csv ）、surveyors（ surveyors.xlsx ）、points（ points ）、problems（ problems.csv ）"
        f" 由 {names[engine]} 汇总为 6 个度量" in text
    )
    # the printed ranking (civ-print): rank, rank in town, name, town, total, tier, 群众满意度 (the
    # survey and surveyor measures), 实地考察 (the inspection-point measures), base, vetoes
    printed = text[text.index("各维度得分") :]
    for row in expected.itertuples():
        head = rf"(?<!\d){row.rank} {row.rank_in_镇街} {row.区域} {row.镇街} "
        found = re.search(head + r"([\d.]+) (\S+) ([\d.]+) ([\d.]+) ([\d.]+)( 不满意率超过25%)?", printed)
        assert found, head
        total, tier, satisfaction, inspection, base, vetoes = found.groups()
        assert tier == row.tier and bool(vetoes) == bool(row.vetoes), found.group(0)
        shown = np.array([total, satisfaction, inspection, base], dtype=float)
        # two decimals as printed (the report rounds once, from the scored values)
        np.testing.assert_allclose(shown, [row.total, row.satisfaction, row.inspection, row.base], atol=0.0051)
    assert (expected["vetoes"] != "").sum() >= 3  # the share measure 不满意率 triggers the cap


def test_report_from_records_shows_the_measure_fed_figures(tmp_path, run):
    proc = run(["report", R2019, AREAS, *records_args(FILES), "-o", "report.html"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    check_report(tmp_path, "duckdb")
    missing = run(["report", R2019, AREAS, "-o", "again.html"], tmp_path)
    assert missing.returncode == 2 and "record table survey is not given" in missing.stderr
    assert not (tmp_path / "again.html").exists()


def spark_ready() -> bool:
    """`make test` sets CIVSCORE_REQUIRE_SPARK=1: there, a missing PySpark or Java fails instead of skipping."""
    if os.environ.get("CIVSCORE_REQUIRE_SPARK") == "1":
        return True
    return importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


@pytest.mark.skipif(not spark_ready(), reason="Spark needs PySpark (civscore[spark]) and Java 17")
def test_report_on_spark_gives_the_same_report(tmp_path, run):
    proc = run(["report", R2019, AREAS, *records_args(FILES), "--engine", "spark", "-o", "report.html"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    check_report(tmp_path, "spark")


@pytest.mark.parametrize("command", ["validate", "score", "explain", "gaps", "measure", "compare", "report"])
def test_every_command_that_reads_records_takes_the_engine_and_says_so_in_both_languages(command, run, tmp_path):
    zh = run([command, "--help"], tmp_path, lang="zh")
    assert zh.returncode == 0
    text = re.sub(r"\s+", "", zh.stdout)  # argparse wraps lines
    for words in ("--recordsNAME=FILE", "记录表", "--engine{duckdb,spark}", "汇总记录表的引擎", "--spark-masterURL"):
        assert words in text, words
    en = run([command, "--help"], tmp_path, lang="en")
    assert "record table" in en.stdout and "where records are aggregated" in en.stdout
