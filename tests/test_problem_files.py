"""The files people open to fix their data: the --problems workbook and the candidate sheet have
headers and sheet names in the language of messages; .csv keeps the machine names."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from conftest import ROOT

import civscore
from civscore.cli import main
from civscore.words import using_language

RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
BROKEN = ROOT / "data" / "communities_2025_broken.csv"
MACHINE = ["file", "sheet", "row", "unit", "column", "value", "rule"]
CHINESE = ["文件", "工作表", "行号", "单位", "列", "填写内容", "规则"]


@pytest.fixture(scope="module")
def problems() -> pd.DataFrame:
    rubric = civscore.load_rubric(RUBRIC)
    return civscore.validate(civscore.read_data(BROKEN, rubric), rubric).problems


def _sheet(path) -> tuple[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return book.sheetnames[0], list(book.worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize(("lang", "name", "headers"), [("zh", "问题清单", CHINESE), ("en", "problems", MACHINE)])
def test_problems_workbook_speaks_the_language(problems, tmp_path, lang, name, headers):
    with using_language(lang):
        out = civscore.write_problems(problems, tmp_path / "p.xlsx")
    sheet, rows = _sheet(out)
    assert sheet == name and list(rows[0]) == headers
    assert len(rows) == len(problems) + 1
    # the cells are the problems', row by row
    assert [r[CHINESE.index("规则")] for r in rows[1:]] == problems["rule"].tolist()
    assert [r[CHINESE.index("单位")] or "" for r in rows[1:]] == problems["unit"].fillna("").tolist()


def test_problems_csv_keeps_the_machine_names(problems, tmp_path):
    out = civscore.write_problems(problems, tmp_path / "p.csv")
    assert list(pd.read_csv(out, encoding="utf-8-sig").columns) == MACHINE


def test_record_problems_name_their_table(tmp_path):
    problems = pd.DataFrame(
        [["r.csv", "", 3, "SQ1", "分数", "abc", "必须是数字", "survey"]], columns=[*MACHINE, "table"]
    )
    _, rows = _sheet(civscore.write_problems(problems, tmp_path / "p.xlsx"))
    assert rows[0][-1] == "记录表" and rows[1][-1] == "survey"


def test_validate_command_writes_the_chinese_workbook(tmp_path, capsys):
    out = tmp_path / "问题.xlsx"
    assert main(["validate", str(RUBRIC), str(BROKEN), "--problems", str(out)]) == 1
    sheet, rows = _sheet(out)
    assert sheet == "问题清单" and list(rows[0]) == CHINESE and len(rows) == 9
    printed = capsys.readouterr()
    assert "全部问题已写入" in printed.out + printed.err


@pytest.mark.parametrize(("lang", "name"), [("zh", "候选数据"), ("en", "candidates")])
def test_candidate_workbook_sheet_name(tmp_path, lang, name):
    rubric = civscore.load_rubric(RUBRIC)
    reports = sorted((ROOT / "data" / "reports").glob("SQ*.txt"))[:2]
    sheet = civscore.candidate_sheet(reports, rubric)
    with using_language(lang):
        out = civscore.write_candidates(sheet, tmp_path / "c.xlsx")
    got, rows = _sheet(out)
    # the columns are the rubric's own names in either language: `civscore score` reads them back
    assert got == name and list(rows[0]) == list(sheet.columns)
