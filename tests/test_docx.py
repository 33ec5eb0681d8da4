"""Word output: the 通报 (`report -o 通报.docx`) and the 整改清单 (`gaps -o 整改清单.docx`)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm

import civscore
from civscore.cli import main
from civscore.writers.docx import write_gaps_docx, write_report_docx

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics/civilized-community-2025.yaml"
DATA = ROOT / "data/communities_2025.csv"


@pytest.fixture(scope="module")
def sample():
    rubric = civscore.load_rubric(RUBRIC)
    return civscore.score(civscore.read_data(DATA, rubric), rubric)


@pytest.fixture(scope="module")
def report(sample, tmp_path_factory):
    path = write_report_docx(sample, tmp_path_factory.mktemp("docx") / "通报.docx")
    return docx.Document(str(path))


def east_asia(element) -> str | None:
    fonts = element.find(f".//{qn('w:rFonts')}")
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_report_is_a4_with_page_numbers_and_chinese_fonts(report):
    for section in report.sections:
        sizes = sorted([section.page_width, section.page_height])
        assert abs(sizes[0] - Cm(21.0)) < Cm(0.05) and abs(sizes[1] - Cm(29.7)) < Cm(0.05)
        footer = section.footer._element.xml
        assert "PAGE" in footer and "NUMPAGES" in footer and "第 " in footer
    assert {s.orientation for s in report.sections} == {0, 1}  # portrait text, landscape ranking
    assert east_asia(report.styles["Normal"].element) == "仿宋"
    runs = [r for p in report.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(east_asia(r._r) for r in runs)  # every run says its Chinese font


def test_report_content(report, sample):
    text = "\n".join(p.text for p in report.paragraphs)
    assert "文明社区创建测评体系（2025年版）" in report.paragraphs[0].text and "通报" in report.paragraphs[0].text
    assert "共 60 个单位参评" in text and "**" not in text and "\\" not in text
    for heading in (
        "一、总体情况",
        "二、等级分布",
        "三、一票否决、扣分与限分",
        "四、各街道情况与整改重点",
        "附：测评结果排名",
    ):
        assert heading in text
    for street in sample.table["街道"].unique():
        assert f"{street}（" in text
    assert "一票否决：梨园社区——发生重大安全责任事故" in text


def test_report_ranking_table_repeats_its_header_and_marks_vetoes(report, sample):
    ranking = report.tables[-1]
    assert len(ranking.rows) == 2 + len(sample.table)
    header = [c.text for c in ranking.rows[1].cells]
    assert "组织领导" in header and ranking.rows[0].cells[header.index("组织领导")].text == "各维度得分"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in header)
    for row in ranking.rows[:2]:
        assert row._tr.find(f".//{qn('w:tblHeader')}") is not None
    vetoed = set(sample.table.loc[sample.table["disqualified"], "社区名称"])
    name = header.index("社区名称")
    for row in ranking.rows[2:]:
        run = row.cells[name].paragraphs[0].runs[0]
        assert bool(run.bold) == (run.text in vetoed)
        if run.text in vetoed:
            assert str(run.font.color.rgb) == "9C0006"
            assert row.cells[header.index("等级")].text.endswith("（否决）")


def test_gaps_document_has_one_section_per_unit(sample, tmp_path):
    table = sample.gaps()
    path = write_gaps_docx(sample, table, tmp_path / "整改清单.docx")
    doc = docx.Document(str(path))
    units = list(dict.fromkeys(table["社区代码"]))
    assert len(doc.sections) == len(units) == len(doc.tables)
    titles = [p.text for p in doc.paragraphs if p.text.endswith("整改清单")]
    assert len(titles) == len(units) and titles[0] == "光明社区整改清单"
    assert not any(" * " in c.text for t in doc.tables for row in t.rows for c in row.cells)


def test_hostile_text_is_written_as_text(tmp_path):
    from test_report import TINY, tiny_data

    rubric = civscore.parse_rubric_text(TINY, "tiny.yaml")
    data = tiny_data(名称=["<b>粗</b>", "=1+1", "a\x07b", "甲"])
    path = write_report_docx(civscore.score(data, rubric), tmp_path / "t.docx")
    cells = {c.text for t in docx.Document(str(path)).tables for row in t.rows for c in row.cells}
    assert {"<b>粗</b>", "=1+1", "ab"} <= cells


def test_cli_word_outputs(tmp_path, capsys):
    out = tmp_path / "通报.docx"
    assert main(["report", str(RUBRIC), str(DATA), "-o", str(out)]) == 0 and out.stat().st_size > 10_000
    gaps = tmp_path / "整改清单.docx"
    assert main(["gaps", str(RUBRIC), str(DATA), "-o", str(gaps), "--unit", "SQ012"]) == 0
    assert len(docx.Document(str(gaps)).sections) == 1
    with pytest.raises(SystemExit) as exc:
        main(["report", str(RUBRIC), str(DATA), "-o", str(tmp_path / "x.pdf")])
    assert exc.value.code == 2 and ".docx" in capsys.readouterr().err
