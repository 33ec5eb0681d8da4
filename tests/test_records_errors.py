"""Bad records, bad record rubrics and bad command lines (rubric-contract section 8): every problem
named by record table, file, row, unit, column, value and rule, all at once, bounded; nothing
written; inputs unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import civscore
from civscore.records.validate import FIRST_ROWS
from civscore.words import using_language

RUBRIC = """
id: rec
name: 记录测试
version: "1"
unit: {id_column: 区域代码, name_column: 区域}
total_points: 10
records:
  survey:
    unit_column: 区域代码
    key: [问卷编号]
    columns:
      评价: {values: [满意, 基本满意, 不满意]}
      得分: {min: 0, max: 100}
measures:
  - {id: 满意度, from: survey, aggregate: mean, of: 100 * (评价 == "满意") + 60 * (评价 == "基本满意"), weight: 权重}
  - {id: 均分, from: survey, aggregate: mean, of: 得分 + 加分, where: 有效}
dimensions:
  - id: d
    name: d
    indicators:
      - {id: i1, name: i1, value: 满意度, method: linear, zero: 0, full: 100, points: 5}
      - {id: i2, name: i2, value: 均分, method: linear, zero: 0, full: 100, points: 5}
"""
UNITS = "区域代码,区域\nA1,甲\nA2,乙\n"
GOOD = "区域代码,问卷编号,评价,得分,加分,有效,权重\nA1,1,满意,90,0,是,1\nA2,2,不满意,70,1,是,2\n"
BAD = (
    "区域代码,问卷编号,评价,得分,加分,有效,权重\n"
    "A1,1,满意,90,0,是,1\n"  # row 2: fine
    ",2,满意,90,0,是,1\n"  # row 3: blank unit id
    "A9,3,满意,90,0,是,1\n"  # row 4: unknown unit
    "A2,3,满意,90,0,是,1\n"  # row 5: key 3 again (with row 4)
    "A2,5,满义,90,0,是,1\n"  # row 6: not in the vocabulary
    "A2,6,满意,101,0,是,1\n"  # row 7: above max
    "A2,7,满意,九十,0,是,1\n"  # row 8: not a number (columns: range)
    "A2,8,满意,90,x,是,1\n"  # row 9: not a number (used by of)
    "A2,9,满意,90,0,也许,1\n"  # row 10: not yes/no (bare condition)
    "A2,10,满意,90,0,是,0\n"  # row 11: weight not > 0
    "A2,11,满意,90,0,是,\n"  # row 12: weight missing
)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "r.yaml").write_text(RUBRIC, encoding="utf-8")
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.csv").write_bytes(BAD.encode("gbk"))  # as Excel on Chinese Windows saves it
    return tmp_path


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def test_every_record_problem_at_once_with_table_file_row_unit_column_value_rule(files):
    rubric = civscore.load_rubric(files / "r.yaml")
    units = civscore.read_data(files / "units.csv", rubric)
    with using_language("en"):
        report = civscore.validate(units, rubric, records={"survey": str(files / "bad.csv")})
    p = report.problems
    assert set(p["table"]) == {"survey"} and set(p["file"]) == {str(files / "bad.csv")}
    got = {(int(r.row), r.unit, r.column, "" if r.value is None else str(r.value), r.rule) for r in p.itertuples()}
    assert got == {
        (3, "", "区域代码", "", "unit id is blank: every record must name its unit"),
        (4, "A9", "区域代码", "A9", "unit id is not in the unit table"),
        (4, "A9", "问卷编号", "3", "key (问卷编号) is not unique"),
        (5, "A2", "问卷编号", "3", "key (问卷编号) is not unique"),
        (6, "A2", "评价", "满义", "must be one of: 满意, 基本满意, 不满意"),
        (7, "A2", "得分", "101", "must lie in [0, 100]"),
        (8, "A2", "得分", "九十", "must be a number"),
        (9, "A2", "加分", "x", "must be a number or yes/no (needed by measure 均分)"),
        (10, "A2", "有效", "也许", "must be yes/no: true/false, 1/0, 是/否, 有/无 or yes/no"),
        (11, "A2", "权重", "0", "weight must be a number > 0 (measure 满意度)"),
        (12, "A2", "权重", "", "weight must be a number > 0 (measure 满意度)"),
    }
    with using_language("zh"):
        zh = civscore.validate(units, rubric, records={"survey": str(files / "bad.csv")})
    assert "单位 id 为空：每条记录都须注明所属单位" in set(zh.problems["rule"])
    assert f"{files / 'bad.csv'}（记录表 survey）" in zh.lines()[0]


def test_cli_exit_codes_and_nothing_written(files, run):
    before = digest(files)
    base = ["score", "r.yaml", "units.csv", "-o", "out.csv"]
    bad = run([*base, "--records", "survey=bad.csv"], files)
    assert bad.returncode == 1
    assert "bad.csv (record table survey), row 3, column 区域代码: unit id is blank" in bad.stderr
    assert "out.csv was not written." in bad.stderr
    missing = run(base, files)
    assert missing.returncode == 2 and "record table survey is not given: add --records survey=FILE" in missing.stderr
    undeclared = run([*base, "--records", "survey=good.csv", "--records", "visits=good.csv"], files)
    assert undeclared.returncode == 2 and "record table 'visits' is not declared" in undeclared.stderr
    malformed = run([*base, "--records", "good.csv"], files)
    assert malformed.returncode == 2 and "--records needs NAME=FILE" in malformed.stderr
    twice = run([*base, "--records", "survey=good.csv", "--records", "survey=bad.csv"], files)
    assert twice.returncode == 2 and "given twice" in twice.stderr
    measure = run(["measure", "r.yaml", "units.csv", "--records", "survey=bad.csv", "-o", "m.csv"], files)
    assert measure.returncode == 1 and "m.csv was not written." in measure.stderr
    assert digest(files) == before  # inputs unchanged, nothing written
    ok = run([*base, "--records", "survey=good.csv"], files)
    assert ok.returncode == 0, ok.stderr


def test_measure_command_writes_the_section_8_columns_in_order(files, run):
    for out, read in (
        ("m.csv", lambda p: pd.read_csv(p, encoding="utf-8-sig")),
        ("m.parquet", pd.read_parquet),
        ("m.xlsx", pd.read_excel),
    ):
        proc = run(["measure", "r.yaml", "units.csv", "--records", "survey=good.csv", "-o", out], files)
        assert proc.returncode == 0, proc.stderr
        table = read(files / out)
        assert list(table.columns) == ["区域代码", "满意度", "满意度_n", "满意度_se", "均分", "均分_n", "均分_se"]
        assert table["区域代码"].tolist() == ["A1", "A2"]
        assert table["满意度"].tolist() == [100.0, 0.0] and table["均分"].tolist() == [90.0, 71.0]
    without_data = run(["measure", "r.yaml", "--records", "survey=good.csv", "-o", "m2.csv"], files)
    assert without_data.returncode == 0
    assert run(["measure", "r.yaml", "--records", "survey=good.csv", "-o", "m.json"], files).returncode == 2


def test_unit_column_absent_suggests_the_close_name_and_empty_files_are_refused(files, run):
    (files / "renamed.csv").write_text(GOOD.replace("区域代码", "区域代号", 1), encoding="utf-8")
    proc = run(["validate", "r.yaml", "units.csv", "--records", "survey=renamed.csv"], files)
    assert proc.returncode == 1
    assert (
        "column is missing from record table survey (needed by the unit_column); did you mean '区域代号'?"
        in proc.stdout
    )
    (files / "empty.csv").write_text("区域代码,问卷编号\n", encoding="utf-8")
    empty = run(["validate", "r.yaml", "units.csv", "--records", "survey=empty.csv"], files)
    assert empty.returncode == 1 and "empty.csv" in empty.stderr


def test_parquet_folder_with_differing_schemas_is_refused(files, run):
    folder = files / "survey"
    folder.mkdir()
    good = pd.read_csv(files / "good.csv", dtype=str)
    good.to_parquet(folder / "a.parquet")
    good.drop(columns=["加分"]).to_parquet(folder / "b.parquet")
    proc = run(["validate", "r.yaml", "units.csv", "--records", "survey=survey"], files)
    assert proc.returncode == 1
    assert "b.parquet" in proc.stderr and "lacks 加分" in proc.stderr


def test_a_million_problems_make_a_bounded_report(tmp_path):
    n = 1_000_000
    ids = np.where(np.arange(n) % 2 == 0, "A1", "ZZ")  # half the records name an unknown unit
    pq.write_table(
        pa.table(
            {"区域代码": ids, "问卷编号": np.arange(n).astype(str), "评价": ["满意"] * n, "得分": np.full(n, 90.0)}
        ),
        tmp_path / "big.parquet",
    )
    rubric = civscore.parse_rubric_text(
        RUBRIC.split("measures:")[0]
        + """measures:
  - {id: 满意度, from: survey, aggregate: share, of: 评价 == "满意"}
dimensions:
  - id: d
    name: d
    indicators:
      - {id: i1, name: i1, value: 满意度, method: linear, zero: 0, full: 1, points: 10}
"""
    )
    units = pd.DataFrame({"区域代码": ["A1"], "区域": ["甲"]})
    with using_language("en"):
        report = civscore.validate(units, rubric, records={"survey": str(tmp_path / "big.parquet")})
    p = report.problems
    unknown = p[p["rule"] == "unit id is not in the unit table"]
    assert len(unknown) == FIRST_ROWS and unknown["row"].tolist() == list(range(3, 3 + 2 * FIRST_ROWS, 2))
    more = p[p["rule"].str.startswith("... and")]
    assert more["rule"].tolist() == [
        f"... and {n // 2 - FIRST_ROWS:,} more records break the same rule ({n // 2:,} in all): unit id is not in the unit table"
    ]
    assert len(p) < 50


RUBRIC_ERRORS = """
id: bad
name: bad
version: "1"
unit: {id_column: 区域代码, name_column: 区域}
total_points: 10
records:
  survey: {unit_column: 区域代码}
  bad-name: {unit_column: x}
measures:
  - {id: m1, from: surveys, aggregate: mean, of: x}
  - {id: m2, from: survey, aggregate: average, of: x}
  - {id: m3, from: survey, aggregate: share}
  - {id: m4, from: survey, aggregate: max, of: x, weight: w}
  - {id: 区域, from: survey, aggregate: count}
  - {id: i1, from: survey, aggregate: count}
  - {id: m6, from: survey, aggregate: sum, of: __import__("os").system("x")}
  - {id: m1_n, from: survey, aggregate: count}
  - {id: m7, from: survey, aggregate: count, weight: w}
dimensions:
  - id: d
    name: d
    indicators:
      - {id: i1, name: i1, value: m1, method: linear, zero: 0, full: 100, points: 10}
"""


def test_every_rubric_problem_of_records_and_measures_at_once():
    with using_language("en"), pytest.raises(civscore.RubricError) as exc:
        civscore.parse_rubric_text(RUBRIC_ERRORS, "bad.yaml")
    text = str(exc.value)
    for expected in (
        "bad.yaml:11 measures[0] (m1).from: record table 'surveys' is not declared under records:; declared: bad-name, survey",
        "bad.yaml:12 measures[1] (m2).aggregate: must be 'count', 'sum', 'mean', 'share', 'min', 'max', 'median' or 'distinct', not 'average'",
        "bad.yaml:13 measures[2] (m3): aggregate share needs `of`",
        "bad.yaml:14 measures[3] (m4).weight: `weight` applies only to sum, mean and share, not to max",
        "bad.yaml:15 measures[4] (区域).id: measure id '区域' is also a unit-table column named under unit:",
        "bad.yaml:16 measures[5] (i1).id: id `i1` is already used",
        'bad.yaml:17 measures[6] (m6).of: expression \'__import__("os").system("x")\' uses a function that is not allowed',
        "bad.yaml:18 measures[7] (m1_n).id: measure id 'm1_n' is the name of measure m1's n or standard error column",
        "bad.yaml:19 measures[8] (m7).weight: `weight` applies only to sum, mean and share, not to count",
        "bad.yaml:9 records.bad-name: record table name 'bad-name' may only use letters, digits and '_'",
    ):
        assert expected in text, expected
