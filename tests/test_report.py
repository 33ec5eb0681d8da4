"""Report building blocks: tables and words for readers, the HTML export, the `report` command's
checks, and the ranking workbook as Excel shows it (sheets, formats, no formulas)."""

from __future__ import annotations

import base64
import io
import re
import sys
import zipfile
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import civscore
from civscore.cli import main
from civscore.report import render
from civscore.tables import report

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"

TINY = """
id: tiny
name: 小测试体系
version: "1"
unit: {id_column: 编号, name_column: 名称, group_columns: [片区]}
total_points: 10
tiers: [{name: 优, min: 8}, {name: 良, min: 5}, {name: 差, min: 0}]
dimensions:
  - id: a
    name: 甲维度
    indicators:
      - {id: a1, name: 甲一, value: x, method: linear, zero: 0, full: 10, points: 4, source: 材料审核}
      - {id: a2, name: 甲二, value: flag, method: boolean, points: 2, source: 实地考察}
  - id: b
    name: 乙维度
    indicators:
      - {id: b1, name: 乙一, value: y, method: linear, zero: 0, full: 10, points: 4, missing: exclude}
bonus:
  cap: 1
  indicators:
    - {id: extra, name: 加分项, value: honours, method: count, per_item: 1, points: 2}
vetoes:
  - {id: accident, name: 发生事故, when: accident > 0, effect: fail}
  - {id: complaint, name: 投诉查实, when: complaints > 0, effect: {deduct: 2}}
"""


def tiny_data(**changes) -> pd.DataFrame:
    data = pd.DataFrame(
        {
            "编号": ["U1", "U2", "U3", "U4"],
            "名称": ["东园", "西园", "南园", "北园"],
            "片区": ["北", "北", "南", "南"],
            "x": [10, 5, 0, 10],
            "flag": ["是", "否", "是", "是"],
            "y": [10, None, 5, 10],
            "honours": [0, 3, 0, 0],
            "accident": [0, 0, 0, 1],
            "complaints": [0, 0, 1, 0],
        }
    )
    for column, values in changes.items():
        data[column] = values
    return data


@pytest.fixture(scope="module")
def tiny() -> civscore.Result:
    return civscore.score(tiny_data(), civscore.parse_rubric_text(TINY, "tiny.yaml"))


@pytest.fixture(scope="module")
def sample() -> civscore.Result:
    rubric = civscore.load_rubric(RUBRIC)
    return civscore.score(civscore.read_data(ROOT / "data" / "communities_2025.csv", rubric), rubric)


# --- tables and words ---------------------------------------------------------------------------


def test_display_table_speaks_chinese_and_names_vetoes(tiny):
    table = report.display_table(tiny)
    assert list(table.columns) == [
        "排名",
        "片区内排名",
        "编号",
        "名称",
        "片区",
        "总分",
        "基础分",
        "特色加分",
        "等级",
        "一票否决",
        "触发的否决项",
        "指标覆盖率",
        "甲维度",
        "乙维度",
    ]
    row = table.set_index("编号")
    assert row.loc["U4", "一票否决"] == "是" and row.loc["U4", "触发的否决项"] == "发生事故"
    assert row.loc["U3", "触发的否决项"] == "投诉查实" and row.loc["U3", "一票否决"] == ""
    assert row.loc["U1", "触发的否决项"] == ""
    assert tiny.table["vetoes"].tolist() == [tiny.table.loc[i, "vetoes"] for i in tiny.table.index]  # untouched


def test_display_table_keeps_headers_unique_when_a_dimension_is_named_like_a_column():
    rubric = civscore.parse_rubric_text(TINY.replace("name: 甲维度", "name: 名称"), "tiny.yaml")
    table = report.display_table(civscore.score(tiny_data(), rubric))
    assert table.columns.is_unique and "名称（维度）" in table.columns


def test_ranking_styler_is_reproducible_and_marks_what_matters(tiny):
    first = report.ranking_styler(tiny).to_html()
    assert first == report.ranking_styler(tiny).to_html()  # fixed ids: nbval can compare it
    assert 'id="T_ranking"' in first and not re.search(r"T_[0-9a-f]{5}_", first)
    # a bar in every 总分 cell and nowhere else (Styler merges rules that are alike)
    barred = {
        cell
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", first)
        if "linear-gradient" in body
        for cell in re.findall(r"row(\d+)_col(\d+)", selectors)
    }
    total_col = str(list(report.display_table(tiny).columns).index("总分"))
    # every unit but a vetoed one: a long bar would make it look like a top performer
    kept = [i for i, v in enumerate(tiny.table["disqualified"]) if not v]
    assert 0 < len(kept) < len(tiny.table)
    assert barred == {(str(i), total_col) for i in kept}
    assert "color: #9c0006" in first and "background-color: #fde2e1" in first  # the vetoed unit
    short = report.ranking_styler(tiny, max_rows=2, uuid="short").to_html()
    assert "此处列出前 2 名" in short and short.count("<tr>") == 1 + 2


def test_bulletin_styler_groups_dimensions_and_marks_vetoes(sample):
    page = report.bulletin_styler(sample).to_html()
    assert page == report.bulletin_styler(sample).to_html() and 'id="T_bulletin"' in page
    assert 'colspan="8">各维度得分</th>' in page and "（否决）" in page
    for latin in (">rank<", ">total<", ">tier<", ">organization<"):
        assert latin not in page


def test_group_best_is_never_a_vetoed_unit(sample):
    table = report.group_table(sample, "街道")
    honest = sample.table[~sample.table["disqualified"]].groupby("街道")["total"].max().round(2)
    assert table["最高分"].to_dict() == honest.to_dict()
    assert table["其中一票否决"].sum() == int(sample.table["disqualified"].sum())


def test_tables_show_markup_in_names_as_text(tmp_path):
    rubric = civscore.parse_rubric_text(TINY.replace("name: 小测试体系", "name: 体系<b>"), "tiny.yaml")
    result = civscore.score(tiny_data(名称=["<script>alert(1)</script>", "西园", "南园", "A&B"]), rubric)
    page = report.ranking_styler(result).to_html()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A&amp;B" in page and "体系&lt;b&gt;" in page


def test_tier_group_and_veto_tables(tiny):
    tiers = report.tier_table(tiny)
    assert tiers.index.tolist() == ["优", "良", "差"]
    assert tiers["单位数"].tolist() == [1, 0, 3] and tiers["其中一票否决"].tolist() == [0, 0, 1]
    assert tiers["分数区间"].tolist() == ["≥ 8", "5–8", "0–5"]
    groups = report.group_table(tiny, "片区")
    totals = tiny.table.groupby("片区")["total"]
    assert groups.loc["北", "平均总分"] == pytest.approx(round(totals.mean()["北"], 2))
    assert groups[["优", "良", "差"]].sum().tolist() == [1, 0, 3]
    vetoes = report.veto_table(tiny)
    assert vetoes[["编号", "否决项", "效果"]].values.tolist() == [
        ["U3", "投诉查实", "总分扣 2 分"],
        ["U4", "发生事故", "一票否决"],
    ]


def test_veto_table_is_empty_with_its_columns_when_nothing_triggers():
    rubric = civscore.parse_rubric_text(TINY, "tiny.yaml")
    result = civscore.score(tiny_data(accident=[0, 0, 0, 0], complaints=[0, 0, 0, 0]), rubric)
    table = report.veto_table(result)
    assert table.empty and "否决项" in table.columns


def test_rubric_overview_and_dimension_table_come_from_the_rubric(tiny):
    text = report.rubric_overview(tiny.rubric)
    assert "**小测试体系**" in text and "2 个维度、3 项指标" in text
    assert "发生事故（一票否决）" in text and "投诉查实（总分扣 2 分）" in text
    assert "优 ≥ 8 分" in text and "`片区` 内另行排名" in text
    dims = report.dimension_table(tiny.rubric)
    assert dims["维度"].tolist() == ["甲维度", "乙维度", "基础分合计", "特色指标（加分上限 1）"]
    assert dims["分值"].tolist() == ["6", "4", "10", "2"]
    assert dims.loc[1, "评价方式"] == "材料审核、实地考察"


def test_result_and_dimension_summaries(tiny, sample):
    text = report.result_summary(tiny)
    assert "共 **4** 个单位参评" in text and "被一票否决 1 个：北园" in text
    assert "合理缺项" in text  # U2's excluded indicator
    assert "并列" in report.result_summary(sample)  # SQ004 and SQ037 tie at rank 1
    dims = report.dimension_summary(sample)
    assert dims.count("\n| ") == 1 + len(sample.rubric.dimensions)  # header and one row each


def test_markdown_from_user_text_is_escaped():
    assert report._md("a*b_c [x](y) <i>") == r"a\*b\_c \[x\](y) \<i\>"


def test_problems_styler_lists_every_problem_with_chinese_headers():
    rubric = civscore.load_rubric(RUBRIC)
    checked = civscore.validate(civscore.read_data(ROOT / "data" / "communities_2025_broken.csv", rubric), rubric)
    page = report.problems_styler(checked).to_html()
    assert page.count("<tr>") == 1 + len(checked.problems)
    for header in ("文件", "行号", "单位", "列", "填写内容", "规则"):
        assert f">{header}</th>" in page
    assert ">6</td>" in page and ">85%</td>" in page  # row 6, value as typed


# --- HTML -------------------------------------------------------------------------------------


def png_of_a_chart() -> str:
    fig, ax = plt.subplots()
    ax.bar([0, 1], [1, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def test_notebook_to_html_hides_code_and_embeds_charts_offline():
    nb = new_notebook(
        cells=[
            new_markdown_cell("# 标题\n\n说明文字"),
            new_code_cell(
                "secret_variable_name = 1\nprint('可见的输出')",
                outputs=[
                    new_output("stream", name="stdout", text="可见的输出\n"),
                    new_output("display_data", data={"image/png": png_of_a_chart(), "text/plain": "<Figure>"}),
                ],
            ),
        ]
    )
    page = render.notebook_to_html(nb, "测评结果报告")
    assert "<title>测评结果报告</title>" in page
    assert "可见的输出" in page and "说明文字" in page
    assert "secret_variable_name" not in page
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) == 1
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"http", page)  # nothing fetched from the web


def test_pages_after_the_first_compile_no_template(monkeypatch):
    """The exporter and its compiled templates serve every page (the report's fixed cost);
    each page still gets its own title and content."""
    import jinja2

    render.notebook_to_html(new_notebook(cells=[new_markdown_cell("第一页")]), "甲")
    compiled = []
    original = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k)
    )
    page = render.notebook_to_html(new_notebook(cells=[new_markdown_cell("第二页")]), "乙")
    assert compiled == []
    assert "<title>乙</title>" in page and "第二页" in page and "第一页" not in page


def test_kernel_runs_in_this_interpreter_whatever_kernelspecs_the_machine_has():
    manager = render.current_python_kernel_manager()(kernel_name="no-such-kernel")
    spec = manager.kernel_spec
    assert spec.argv[0] == sys.executable and spec.argv[1:3] == ["-m", "ipykernel_launcher"]
    assert spec.env["PYTHONHASHSEED"] == "0"


def test_default_notebook_is_the_report_template():
    path = render.default_notebook()
    assert path.name == "01_evaluate.ipynb" and path.is_file()


# --- the report command, without a kernel -------------------------------------------------------


def test_report_command_reports_bad_data_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "report.html"
    code = main(["report", str(RUBRIC), str(ROOT / "data" / "communities_2025_broken.csv"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists() and not (tmp_path / "ranking.csv").exists()
    assert "SQ021" in err and "3000多" in err and "未写出" in err


def test_report_command_usage_errors_exit_2(tmp_path, capsys):
    data = str(ROOT / "data" / "communities_2025.csv")
    with pytest.raises(SystemExit) as exc:
        main(["report", str(RUBRIC), data, "-o", str(tmp_path / "report.pdf")])
    assert exc.value.code == 2 and ".html" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["report", str(RUBRIC), data, "-o", str(tmp_path / "r.html"), "--sheet", "x"])
    assert exc.value.code == 2


def test_report_command_names_a_missing_template(tmp_path, capsys):
    code = main(
        [
            "report",
            str(RUBRIC),
            str(ROOT / "data" / "communities_2025.csv"),
            "-o",
            str(tmp_path / "r.html"),
            "--notebook",
            str(tmp_path / "none.ipynb"),
        ]
    )
    assert code == 1 and "找不到报告笔记本" in capsys.readouterr().err


# --- the ranking workbook -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(sample, tmp_path_factory) -> Path:
    return sample.write(tmp_path_factory.mktemp("xlsx") / "ranking.xlsx")


def test_workbook_sheets_header_and_frozen_panes(workbook, sample):
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == ["通报", "排名", "指标得分", "测评体系", "说明"]
    ranking = book["排名"]  # the contract's result table, exactly as in .csv and .parquet
    assert [c.value for c in ranking[1]] == list(sample.table.columns)
    # header row and rank, group rank, id and name columns stay in view while scrolling
    assert ranking.freeze_panes == "E2"
    assert ranking.auto_filter.ref == f"A1:T{len(sample.table) + 1}"
    assert ranking["A1"].font.bold
    assert ranking["C2"].value == "SQ004" and ranking["F2"].value == pytest.approx(107.0)
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("2")


def test_workbook_formats_and_static_veto_highlight(workbook, sample):
    ranking = openpyxl.load_workbook(workbook)["排名"]
    column = {c.value: c.column_letter for c in ranking[1]}
    assert ranking[f"{column['total']}2"].number_format == "0.00"
    assert ranking[f"{column['coverage']}2"].number_format == "0.0%"
    assert ranking[f"{column['rank']}2"].number_format == "0"
    # LibreOffice 7.4 cannot export conditional formats with fit-to-page: only static formats
    assert not list(ranking.conditional_formatting)
    vetoed = [i + 2 for i, v in enumerate(sample.table["disqualified"]) if v]
    assert vetoed and all(ranking[f"{column['total']}{r}"].font.bold for r in vetoed)
    assert not ranking[f"{column['total']}2"].font.bold


def bulletin_rows(book):
    """The 通报 sheet, its rows, and the index of the first of its two header rows."""
    sheet = book["通报"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    top = next(i for i, r in enumerate(rows) if r[0] == "排名")
    # columns outside the spanner are merged over both header rows: their name is in the first
    rows[top + 1] = [low or high for high, low in zip(rows[top], rows[top + 1])]
    return sheet, rows, top


def test_bulletin_is_the_first_sheet_in_chinese_with_title_issuer_and_spanner(workbook, sample):
    book = openpyxl.load_workbook(workbook)
    sheet, rows, top = bulletin_rows(book)
    assert book.sheetnames[0] == "通报"
    assert rows[0][0] == "文明社区创建测评体系（2025年版）测评结果排名"
    notes = " ".join(str(r[0]) for r in rows[1:top] if r[0])
    assert "版本 2025.1" in notes and "参评单位 60 个" in notes and "制表单位：" in notes and "制表日期：" in notes
    header = rows[top + 1]
    assert rows[top][header.index("组织领导")] == "各维度得分"  # the spanner over the dimensions
    names = [v for v in header if v] + ["各维度得分"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(v)) for v in names), names
    assert not {"rank", "total", "tier", "disqualified", "organization"} & set(names)
    body = rows[top + 2 :]
    assert len(body) == 60 and body[0][2] == "光明社区" and body[0][3] == "城关街道"
    # printed: A4 landscape, one page wide, header rows and name columns on every page, footer
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1)
    assert sheet.print_title_rows == f"${top + 1}:${top + 2}" and sheet.print_title_cols == "$A:$C"
    assert "第 &P 页 共 &N 页" in sheet.oddFooter.center.text
    assert not list(sheet.conditional_formatting)


def test_bulletin_marks_vetoed_units_in_words_and_colour(workbook, sample):
    sheet, rows, top = bulletin_rows(openpyxl.load_workbook(workbook))
    header = rows[top + 1]
    tier, name = header.index("等级"), header.index("社区名称")
    vetoed = set(sample.table.loc[sample.table["disqualified"], "社区名称"])
    for i, row in enumerate(rows[top + 2 :], start=top + 3):
        cell = sheet.cell(i, tier + 1)
        if row[name] in vetoed:
            assert row[tier].endswith("（否决）") and cell.font.bold and cell.font.color.rgb.endswith("9C0006")
        else:
            assert "否决" not in str(row[tier]) and not cell.font.bold


def test_bulletin_rows_are_tall_enough_for_wrapped_text(workbook):
    from civscore.writers.xlsx import display_width, text_room

    sheet, rows, top = bulletin_rows(openpyxl.load_workbook(workbook))
    col = rows[top + 1].index("否决与扣分项")
    width = sheet.column_dimensions[openpyxl.utils.get_column_letter(col + 1)].width
    for i, row in enumerate(rows[top + 2 :], start=top + 3):
        if row[col]:
            lines = -(-display_width(row[col]) // text_room(width))
            height = sheet.row_dimensions[i].height or 15  # unset: the default 15 pt
            # several lines of Chinese need the CJK font's line spacing (~1.45 em of 11 pt each)
            assert height >= (lines * 15.9 if lines > 1 else 15), (row[col], height)


def test_workbook_widths_fit_chinese_text(workbook):
    book = openpyxl.load_workbook(workbook)
    rubric_sheet = book["测评体系"]
    names = [c.value for c in rubric_sheet["C"][1:] if c.value]
    widest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in name) for name in names)
    assert rubric_sheet.column_dimensions["C"].width >= min(widest, 60)


def test_workbook_explains_every_ranking_column_in_chinese(workbook, sample):
    book = openpyxl.load_workbook(workbook)
    ranking = book["排名"]
    assert "同分并列" in ranking["A1"].comment.text
    about = dict((k, v) for k, v in book["说明"].iter_rows(min_row=2, values_only=True) if k)
    for column in sample.table.columns:
        assert about.get(column), column
    assert about["ideology_morality"] == "维度“思想道德建设”的得分（满分 16，未折算）"
    assert about["等级分布"] == "标兵 10; 先进 17; 达标 21; 不达标 12"  # in tier order


def test_workbook_never_holds_a_formula_even_for_hostile_names(tmp_path):
    rubric = civscore.parse_rubric_text(TINY.replace("name: 优", "name: '=优'"), "tiny.yaml")
    data = tiny_data(
        编号=["=1+1", "@SUM(A1)", "U3", "-2+3"],
        名称=['=HYPERLINK("http://example.invalid","点我")', "+cmd|' /C calc'!A0", "-10", "＝全角"],
        片区=["=A1", "北", "南", "\t=南"],
    )
    path = civscore.score(data, rubric).write(tmp_path / "hostile.xlsx")
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(
            "<f>" in z.read(n).decode("utf-8") or "<f " in z.read(n).decode("utf-8") for n in sheets
        )
    book = openpyxl.load_workbook(path)
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.append(cell.value)
                    if cell.value[:1] in "=+@\t＝" or (cell.value[:1] == "-" and cell.value != "-10"):
                        pytest.fail(f"{sheet.title}!{cell.coordinate} starts like a formula: {cell.value!r}")
    assert "'=1+1" in seen and '\'=HYPERLINK("http://example.invalid","点我")' in seen and "'=优" in seen
