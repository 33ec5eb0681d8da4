"""The issuing body (制表单位) of hand-outs: ``--issuer TEXT`` over CIVSCORE_ISSUER, else a blank;
always printed as text, never run as a spreadsheet formula."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

import civscore
from civscore.tables.book import BLANK_ISSUER, issue_line, issuer_name

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
DATA = ROOT / "data" / "communities_2025.csv"
HOSTILE = '=HYPERLINK("http://example.invalid","区文明办")'


@pytest.fixture(autouse=True)
def no_issuer_in_environment(monkeypatch):
    monkeypatch.delenv("CIVSCORE_ISSUER", raising=False)


def issue_lines(path: Path) -> list[str]:
    """The 制表单位 lines of every sheet of a workbook, after checking that no cell is a formula."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
    found = []
    for sheet in openpyxl.load_workbook(path).worksheets:
        for row in sheet.iter_rows(max_row=8):
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str) and "制表单位：" in cell.value:
                    found.append(cell.value)
    return found


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    return "\n".join(p.text for p in document.paragraphs)


def test_the_argument_wins_then_using_issuer_then_the_environment(monkeypatch):
    assert issuer_name() == BLANK_ISSUER
    monkeypatch.setenv("CIVSCORE_ISSUER", " 环境单位 ")
    assert issuer_name() == "环境单位"
    with civscore.using_issuer("选项单位"):
        assert issuer_name() == "选项单位" and issuer_name("参数单位") == "参数单位"
        with civscore.using_issuer(None):  # None or blank: no change
            assert issuer_name() == "选项单位"
        with civscore.using_issuer("  "):
            assert issuer_name() == "选项单位"
        assert issue_line(on=None).startswith("制表单位：选项单位　　制表日期：")
    assert issuer_name() == "环境单位"


@pytest.mark.parametrize("env", [None, "环境单位"])
def test_score_xlsx_prints_the_option_over_the_environment(run, tmp_path, monkeypatch, env):
    if env:
        monkeypatch.setenv("CIVSCORE_ISSUER", env)
    out = tmp_path / "ranking.xlsx"
    assert run(["score", RUBRIC, DATA, "-o", out, "--issuer", HOSTILE], tmp_path).returncode == 0
    [line] = issue_lines(out)
    assert line.startswith(f"制表单位：{HOSTILE}　　制表日期：")


def test_the_environment_still_works_and_nothing_gives_a_blank(run, tmp_path, monkeypatch):
    out = tmp_path / "blank.xlsx"
    assert run(["score", RUBRIC, DATA, "-o", out], tmp_path).returncode == 0
    lines = issue_lines(out)
    assert lines and all(line.startswith(f"制表单位：{BLANK_ISSUER}　　") for line in lines)
    monkeypatch.setenv("CIVSCORE_ISSUER", "=环境里的单位")
    out = tmp_path / "env.xlsx"
    assert run(["score", RUBRIC, DATA, "-o", out], tmp_path).returncode == 0
    [line] = issue_lines(out)
    assert line.startswith("制表单位：=环境里的单位　　")


def test_gaps_workbook_and_document_print_the_issuer(run, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVSCORE_ISSUER", "环境单位")
    book = tmp_path / "gaps.xlsx"
    assert run(["gaps", RUBRIC, DATA, "-o", book, "--issuer", HOSTILE], tmp_path).returncode == 0
    lines = issue_lines(book)
    assert len(lines) == 5 and all(line.startswith(f"制表单位：{HOSTILE}　　") for line in lines)  # a sheet per 街道
    document = tmp_path / "gaps.docx"
    assert run(["gaps", RUBRIC, DATA, "-o", document, "--issuer", HOSTILE], tmp_path).returncode == 0
    text = docx_text(document)
    assert HOSTILE in text and "环境单位" not in text


def test_the_comparison_workbook_prints_the_issuer(run, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVSCORE_ISSUER", "环境单位")
    out = tmp_path / "compare.xlsx"
    before = ROOT / "data" / "communities_2024.csv"
    ran = run(["compare", "-r", RUBRIC, "-d", before, "-d", DATA, "-o", out, "--issuer", HOSTILE], tmp_path)
    assert ran.returncode == 0, ran.stderr
    lines = issue_lines(out)
    assert lines and all(line.startswith(f"制表单位：{HOSTILE}　　") for line in lines)


def test_word_report_prints_the_issuer(run, tmp_path):
    out = tmp_path / "通报.docx"
    assert run(["report", RUBRIC, DATA, "-o", out, "--issuer", "某某区文明办"], tmp_path).returncode == 0
    assert "某某区文明办" in docx_text(out) and BLANK_ISSUER not in docx_text(out)


def test_the_report_passes_the_issuer_to_its_notebook(run, tmp_path, monkeypatch):
    seen = {}

    def fake(rubric, data, output, **kwargs):
        from civscore.report.render import ReportFiles

        seen["issuer"] = issuer_name()  # render_report reads it where it builds the parameters
        return ReportFiles(Path(output), tmp_path / "ranking.csv", tmp_path / "ranking.xlsx", 0.1)

    monkeypatch.setattr(civscore, "render_report", fake)
    assert run(["report", RUBRIC, DATA, "-o", tmp_path / "r.html", "--issuer", "区文明办"], tmp_path).returncode == 0
    assert seen == {"issuer": "区文明办"}


@pytest.mark.parametrize("bad", ["", "   ", "第一行\n第二行", "制表\x07单位", "长" * 101])
def test_an_issuer_that_is_not_one_short_line_is_wrong_usage(run, tmp_path, bad):
    ran = run(["score", RUBRIC, DATA, "-o", tmp_path / "r.xlsx", "--issuer", bad], tmp_path, lang="zh")
    assert ran.returncode == 2 and "制表单位须是一行不超过 100 个字符的文字" in ran.stderr
    assert not (tmp_path / "r.xlsx").exists()
    ran = run(["score", RUBRIC, DATA, "-o", tmp_path / "r.xlsx", "--issuer", bad], tmp_path, lang="en")
    assert ran.returncode == 2 and "the issuing body must be one line of at most 100 characters" in ran.stderr


@pytest.mark.parametrize("command", ["score", "gaps", "report", "compare"])
def test_help_offers_issuer(run, tmp_path, command):
    assert "--issuer TEXT" in run([command, "--help"], tmp_path, lang="zh").stdout
    assert "CIVSCORE_ISSUER" in run([command, "--help"], tmp_path, lang="en").stdout
