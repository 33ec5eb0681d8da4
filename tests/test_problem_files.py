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


def _problem_sheet(path) -> tuple[str, str, list[tuple]]:
    """The problem list's sheet name, title and table (header row first): a title, a blank row, the table."""
    name, rows = _sheet(path)
    assert rows[1] == (None,) * len(rows[1])
    return name, rows[0][0], rows[2:]


@pytest.mark.parametrize(("lang", "name", "headers"), [("zh", "问题清单", CHINESE), ("en", "problems", MACHINE)])
def test_problems_workbook_speaks_the_language(problems, tmp_path, lang, name, headers):
    with using_language(lang):
        out = civscore.write_problems(problems, tmp_path / "p.xlsx")
    sheet, title, rows = _problem_sheet(out)
    assert sheet == name and list(rows[0]) == headers
    assert title == ("数据问题清单（共 8 条）" if lang == "zh" else "Data problems (8)") and len(problems) == 8
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
    _, _, rows = _problem_sheet(civscore.write_problems(problems, tmp_path / "p.xlsx"))
    assert rows[0][-1] == "记录表" and rows[1][-1] == "survey"


def test_validate_command_writes_the_chinese_workbook(tmp_path, capsys):
    out = tmp_path / "问题.xlsx"
    assert main(["validate", str(RUBRIC), str(BROKEN), "--problems", str(out)]) == 1
    sheet, _, rows = _problem_sheet(out)
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


def test_the_problem_list_prints_on_a4_and_filters_on_screen(problems, tmp_path):
    """One A4 landscape page wide, the header row on every page, 第 x 页 共 y 页 below, the rule
    text wrapped in rows tall enough for it, and an autofilter on the header row."""
    ws = openpyxl.load_workbook(civscore.write_problems(problems, tmp_path / "p.xlsx")).worksheets[0]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$3:$3" and ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.auto_filter.ref == f"A3:G{3 + len(problems)}" and ws.freeze_panes == "A4"
    rule = CHINESE.index("规则")
    assert ws.cell(4, rule + 1).alignment.wrap_text
    # the longest rule (a Latin word list) gets three lines: two left "yes/no" cut off in print
    longest = max(range(len(problems)), key=lambda i: len(problems["rule"].iloc[i]))
    assert "yes/no" in problems["rule"].iloc[longest] and ws.row_dimensions[4 + longest].height >= 3 * 16


def test_wide_data_sheets_print_over_pages_beside_their_key_column(tmp_path):
    """A data sheet too wide to shrink readably onto one page (60 columns) repeats its first
    column on every page; a narrow one is one page wide; both A4 landscape with page numbers."""
    from civscore.writers.output import write_table

    wide_table = pd.DataFrame({f"指标{i:02d}": [1.5, 2.0] for i in range(60)}).rename(columns={"指标00": "社区"})
    narrow_table = wide_table.iloc[:, :5]
    wide = openpyxl.load_workbook(write_table(wide_table, tmp_path / "w.xlsx")).worksheets[0]
    narrow = openpyxl.load_workbook(write_table(narrow_table, tmp_path / "n.xlsx")).worksheets[0]
    for ws in (narrow, wide):
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == "$1:$1" and ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert narrow.sheet_properties.pageSetUpPr.fitToPage and narrow.print_title_cols is None
    assert not (wide.sheet_properties.pageSetUpPr and wide.sheet_properties.pageSetUpPr.fitToPage)
    assert wide.print_title_cols == "$A:$A"
    with using_language("en"):
        english = openpyxl.load_workbook(write_table(narrow_table, tmp_path / "e.xlsx")).worksheets[0]
    assert english.oddFooter.center.text == "Page &P of &N"
