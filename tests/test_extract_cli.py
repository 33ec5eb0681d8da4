"""`civscore extract` as a user runs it: files written, exit codes, and the round trip
reports -> candidate sheet -> review -> `civscore score` (issue 7)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT

import civscore
from civscore.evidence.sheet import CHECK_SUFFIX, CONFLICT, SOURCE_SUFFIX, evidence_columns
from civscore.writers.output import write_table

RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
DATA = ROOT / "data" / "communities_2025.csv"
REPORTS = sorted((ROOT / "data" / "reports").glob("SQ*.txt"))
MISSING = ROOT / "data" / "reports" / "SQ999_no_such_report.txt"
ID = "社区代码"


def start(*args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "civscore.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def read_csv(path) -> pd.DataFrame:
    """A written sheet as pandas reads it: empty cells are NaN, numbers are numbers."""
    return pd.read_csv(path, encoding="utf-8-sig", dtype={ID: str}).set_index(ID)


def digest(paths) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.fixture(scope="module")
def rubric():
    return civscore.load_rubric(RUBRIC)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The `civscore extract` runs the tests check, started together: each is a fresh Python
    process whose start-up dominates its time, so running them side by side keeps this file
    fast. Name -> (completed process, output path)."""
    before = digest(REPORTS)
    folder = tmp_path_factory.mktemp("extract")
    outputs = {
        "csv": folder / "candidates.csv",
        "xlsx": folder / "candidates.xlsx",
        "missing": folder / "not_written.csv",
        "bad_ext": folder / "candidates.json",
    }
    procs = {
        "csv": start("extract", "--rubric", RUBRIC, *REPORTS, "-o", outputs["csv"]),
        "xlsx": start("extract", "--rubric", RUBRIC, REPORTS[0], REPORTS[-1], "-o", outputs["xlsx"], "--evidence-only"),
        "missing": start("extract", "--rubric", RUBRIC, REPORTS[0], MISSING, "-o", outputs["missing"]),
        "bad_ext": start("extract", "--rubric", RUBRIC, REPORTS[0], "-o", outputs["bad_ext"]),
    }
    done = {name: (finish(proc), outputs[name]) for name, proc in procs.items()}
    assert digest(REPORTS) == before, "extract must not modify its inputs"
    return done


@pytest.fixture(scope="module")
def extracted(runs):
    return runs["csv"]


def test_extract_writes_csv(extracted, rubric):
    r, out = extracted
    assert r.returncode == 0, r.stderr
    assert f"读取 {len(REPORTS)} 份总结" in r.stdout and "处冲突" in r.stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    assert not list(out.parent.glob(".*tmp*"))  # written atomically: no temp file left
    sheet = read_csv(out)
    assert list(sheet.index) == [p.stem for p in REPORTS]  # one row per report, in order
    for col in evidence_columns(rubric):
        assert {col.column, col.column + SOURCE_SUFFIX, col.column + CHECK_SUFFIX} <= set(sheet.columns)
    assert {"街道", "成立创建领导小组"} <= set(sheet.columns)  # template: every column the rubric reads
    row = sheet.loc["SQ001"]
    assert row["调解成功率"] == 90.6
    assert "调解成功率为90.6%" in row["调解成功率" + SOURCE_SUFFIX]
    # "重复信访4件，其中越级上访1件": two disagreeing facts are flagged and left empty
    assert sheet.loc["SQ040", "重复信访件数" + CHECK_SUFFIX] == CONFLICT
    assert pd.isna(sheet.loc["SQ040", "重复信访件数"])


def test_extract_writes_xlsx_evidence_only(runs, extracted, rubric):
    r, out = runs["xlsx"]
    assert r.returncode == 0, r.stderr
    book = pd.read_excel(out, sheet_name=None)
    assert list(book) == ["候选数据"]  # the sheet is named in the language of messages
    sheet = book["候选数据"].set_index(ID)
    triples = [
        c
        for col in evidence_columns(rubric)
        for c in (col.column, col.column + SOURCE_SUFFIX, col.column + CHECK_SUFFIX)
    ]
    assert list(sheet.columns) == triples  # --evidence-only: no template columns
    assert list(sheet.index) == [REPORTS[0].stem, REPORTS[-1].stem]
    # the same values as the CSV written from all reports
    csv = read_csv(extracted[1])
    values = [col.column for col in evidence_columns(rubric)]
    pd.testing.assert_frame_equal(sheet[values], csv.loc[sheet.index, values], check_dtype=False)


def test_missing_report_file_exit_1_one_line(runs):
    assert not MISSING.exists()
    r, out = runs["missing"]
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(MISSING) in lines[0] and "找不到这份工作总结文件" in lines[0]
    assert "Traceback" not in r.stdout + r.stderr
    assert not out.exists()


def test_bad_output_extension_exit_2(runs):
    r, out = runs["bad_ext"]
    assert r.returncode == 2
    assert ".csv" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_reviewed_sheet_scores_with_civscore_score(tmp_path, extracted, rubric):
    """The analyst's part, simulated: every empty or conflicting cell is completed from the
    sample data; the values read from the reports are kept. Then `civscore score` it."""
    sheet = read_csv(extracted[1])
    data = pd.read_csv(DATA, encoding="utf-8-sig", dtype={ID: str}).set_index(ID).loc[sheet.index]
    columns = [c for c in sheet.columns if c in data.columns]
    conflict = pd.DataFrame(False, index=sheet.index, columns=columns)
    for col in evidence_columns(rubric):
        conflict[col.column] = sheet[col.column + CHECK_SUFFIX].eq(CONFLICT)
    to_fill = sheet[columns].isna() | conflict
    assert to_fill.to_numpy().any() and not to_fill.to_numpy().all()
    reviewed = sheet.copy()
    reviewed[columns] = sheet[columns].astype(object).where(~to_fill, data[columns].astype(object))
    assert reviewed.loc["SQ001", "调解成功率"] == 90.6  # the report's value, not the data's
    assert data.loc["SQ001", "调解成功率"] != 90.6
    assert reviewed.loc["SQ040", "重复信访件数"] == data.loc["SQ040", "重复信访件数"]  # conflict resolved
    path = write_table(reviewed.reset_index(), tmp_path / "reviewed.csv")

    out = tmp_path / "ranking.csv"
    r = finish(start("score", RUBRIC, path, "-o", out))
    assert r.returncode == 0, r.stdout + r.stderr
    table = civscore.read_data(out, rubric)
    assert sorted(table[ID]) == sorted(p.stem for p in REPORTS)  # one row per report unit
    # the file round trip changes nothing: the same totals as scoring the frame in memory
    expected = civscore.score(civscore.read_data(path, rubric), rubric).table.set_index(ID)["total"]
    got = table.set_index(ID)["total"].astype(float)
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_dtype=False, check_index_type=False)
