"""Workbooks and text files as offices send them (issue 13), beyond the corpus's exact messages:
what is said in the notes of files that are read, the sheet of every problem, structural
problems reported with the cell-level ones and written by --problems, row numbers that stay
true, and the workbook reader's bounds.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import civscore
from civscore.cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"
_spec = importlib.util.spec_from_file_location("corpus_fixtures", CORPUS / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)
RUBRIC = civscore.load_rubric(CORPUS / "base.yaml")


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("CIVSCORE_LANG", "en")  # these tests quote the English messages


def _read(name: str, tmp_path: Path, **kw) -> pd.DataFrame:
    return civscore.read_data(make_fixtures.build(name, tmp_path), RUBRIC, **kw)


@pytest.mark.parametrize(
    ("fixture", "notes"),
    [
        (
            "streets.xlsx",
            [
                "read only the first sheet '城关街道' (2 row(s)); 1 more sheet(s) with the same header were not read: "
                "'东城街道' (1 row(s)). To read them all, stacked, add --sheet '*'; to read one of them, --sheet NAME"
            ],
        ),
        (
            "title_two_rows.xlsx",
            [
                "sheet '2025年测评数据': rows 1–2 are a title ('2025年文明社区测评数据汇总表；填报单位：区文明办'); read row 3 as the header"
            ],
        ),
        (
            "two_row_header.xlsx",
            [
                "sheet '2025年测评数据': rows 1–2 are a two-row header (merged cells); column names are taken from "
                "row 2, or from row 1 where the cell below is empty"
            ],
        ),
        (
            "merged_group.xlsx",
            [
                "sheet '2025年测评数据': the merged cell C2:C3 in group column 街道 was read as '城关街道' in each of the 2 rows it covers"
            ],
        ),
        ("stale_dimension.xlsx", []),
        ("good.xlsx", []),
    ],
)
def test_what_was_interpreted_is_said(fixture, notes, tmp_path):
    report = civscore.validate(_read(fixture, tmp_path), RUBRIC)
    assert report.ok and report.notes == notes


def test_a_sheet_per_street_is_stacked_with_star(tmp_path):
    report = civscore.validate(_read("streets.xlsx", tmp_path, sheet="*"), RUBRIC)
    assert report.ok and report.notes == [
        "read 2 sheet(s): '城关街道' (2 row(s)), '东城街道' (1 row(s)); skipped '填表说明' (no table)"
    ]


def test_stacked_sheets_keep_their_sheet_and_row(tmp_path):
    data = _read("streets.xlsx", tmp_path, sheet="*")
    data.loc[2, "知晓率"] = "九十二"  # 东城街道's only community, row 2 of its sheet
    problems = civscore.validate(data, RUBRIC).problems
    assert problems[["sheet", "row", "unit", "column"]].values.tolist() == [["东城街道", 2, "SQ003", "知晓率"]]
    assert list(problems.columns) == ["file", "sheet", "row", "unit", "column", "value", "rule"]


def test_structural_problems_are_written_by_problems_with_the_others(tmp_path, monkeypatch, capsys):
    path = make_fixtures.build("streets_disagree.xlsx", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(CORPUS / "base.yaml"), str(path), "--sheet", "*", "--problems", "p.csv"]) == 1
    written = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")
    assert written["sheet"].tolist() == ["东城街道", "城关街道"]
    assert written["rule"].str.startswith("its columns differ").tolist() == [True, False]


def test_an_average_row_without_a_name_is_found_by_its_numbers(tmp_path):
    head, *rows = make_fixtures.good_rows()
    rows.append(["SQ004", "第四社区", "东城街道", "80", "是", "B", "2", "400", "5000", "0"])
    numeric = [3, 6, 7, 8, 9]
    mean = [""] * 10
    mean[0] = "SQ999"
    for j in numeric:
        mean[j] = str(np.mean([float(r[j]) for r in rows]))
    mean[1], mean[2], mean[4], mean[5] = "第五社区", "东城街道", "是", "A"
    frame = pd.DataFrame(rows + [mean], columns=head)
    problems = civscore.validate(frame, RUBRIC).problems
    assert problems["rule"].tolist() == [
        "every number in this row is the sum (or the mean) of the other rows: it looks like a total or "
        "average row, not a unit; delete it"
    ]


def test_csv_rows_keep_their_line_numbers_across_blank_lines(tmp_path):
    head, *rest = make_fixtures.good_text().strip().split("\n")
    text = "\n\n" + head + "\n\n" + rest[0] + "\n   \n" + rest[1].replace("70", "七十") + "\n" + rest[2] + "\n"
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    problems = civscore.validate(civscore.read_data(path, RUBRIC), RUBRIC).problems
    assert problems[["row", "unit"]].values.tolist() == [[7, "SQ002"]]
    assert text.split("\n")[6].startswith("SQ002")


def test_a_sheet_declaring_a_million_rows_is_read_in_little_memory(tmp_path):
    import tracemalloc

    path = make_fixtures.build("huge_dimension.xlsx", tmp_path)
    tracemalloc.start()
    data = civscore.read_data(path, RUBRIC)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(data) == 3 and peak < 50 * 1024 * 1024


def test_a_hidden_column_range_beyond_the_table_is_not_listed(tmp_path):
    book = make_fixtures.workbook()
    book.active.column_dimensions.group("K", "XFD", hidden=True)  # "hide unused columns"
    path = tmp_path / "d.xlsx"
    book.save(path)
    assert civscore.validate(civscore.read_data(path, RUBRIC), RUBRIC).notes == []


def test_a_big_workbook_is_read_whole(tmp_path):
    n = 20_000
    head = make_fixtures.good_rows()[0]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append(head)
    for i in range(n):
        sheet.append([f"SQ{i:05d}", "社区", "城关街道", 80.0, "是", "A", 1, 600, 5000, 0])
    book.save(tmp_path / "big.xlsx")
    table = civscore.score(civscore.read_data(tmp_path / "big.xlsx", RUBRIC), RUBRIC).table
    assert len(table) == n
    with zipfile.ZipFile(tmp_path / "big.xlsx") as zf:  # write-only mode stores no dimension
        assert b"<dimension" not in zf.read("xl/worksheets/sheet1.xml")[:500]
