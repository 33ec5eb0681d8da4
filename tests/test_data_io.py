"""Reading data as offices produce it, and writing results."""

import io

import openpyxl
import pandas as pd
import pytest
from conftest import ROOT, frame, one_indicator

import civscore
from civscore.words import using_language
from civscore.writers.safe_text import neutralise

RUBRIC_YAML = """\
id: t
name: 测试
version: "1"
unit: {id_column: 社区代码, name_column: 社区名称, group_columns: [街道]}
total_points: 10
dimensions:
  - id: d
    name: 维度
    indicators:
      - {id: a, name: 参与率, value: 参与率, method: linear, zero: 0, full: 1, points: 6}
      - {id: b, name: 站点, value: 站点, method: boolean, points: 4}
"""
CSV_TEXT = "社区代码,社区名称,街道,参与率,站点\nSQ1,幸福里社区,城关街道,0.5,是\nSQ2,㐀字社区,城关街道,1,否\n"


@pytest.fixture
def rubric():
    return civscore.parse_rubric_text(RUBRIC_YAML, "t.yaml")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(tmp_path, rubric, encoding):
    text = CSV_TEXT if encoding != "gbk" else CSV_TEXT.replace("㐀字", "和平")
    path = tmp_path / "d.csv"
    path.write_bytes(text.encode(encoding))
    data = civscore.read_data(path, rubric)
    assert list(data.columns) == ["社区代码", "社区名称", "街道", "参与率", "站点"]
    assert data["社区名称"].tolist()[0] == "幸福里社区"
    t = civscore.score(data, rubric).table
    assert t["total"].tolist() == pytest.approx([7, 6])


def test_bundled_gbk_file_scores_like_the_utf8_file(sample_rubric):
    a = civscore.score(civscore.read_data(ROOT / "data/communities_2025.csv", sample_rubric), sample_rubric).table
    b = civscore.score(civscore.read_data(ROOT / "data/communities_2025_gbk.csv", sample_rubric), sample_rubric).table
    pd.testing.assert_frame_equal(a, b)


def test_bundled_xlsx_scores_like_the_csv(sample_rubric):
    a = civscore.score(civscore.read_data(ROOT / "data/communities_2025.csv", sample_rubric), sample_rubric).table
    b = civscore.score(civscore.read_data(ROOT / "data/communities_2025.xlsx", sample_rubric), sample_rubric).table
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def write_xlsx(path, sheets: dict[str, list[list]], hidden: tuple = ()):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        if name in hidden:
            ws.sheet_state = "hidden"
    book.save(path)


def test_xlsx_first_visible_sheet_or_named_sheet(tmp_path, rubric):
    header = ["社区代码", "社区名称", "街道", "参与率", "站点"]
    path = tmp_path / "d.xlsx"
    write_xlsx(
        path,
        {
            "旧表": [["x"], [1]],
            "2025": [header, [1001, "甲", "东", 0.5, "是"]],
            "2024": [header, ["SQ9", "乙", "西", 1, "否"]],
        },
        hidden=("旧表",),
    )
    # the first visible sheet is read (contract section 6); the other one with the same header is
    # named in a note, never silently left out
    first = civscore.read_data(path, rubric)
    assert first["社区代码"].tolist() == ["1001"]
    assert first.attrs["notes"] == [
        "只读取了第一张工作表 '2025'（1 行）；另有 1 张表头相同的工作表未读取：'2024'（1 行）。"
        "要把各表合并读取，请加 --sheet '*'；只读其中一张，请加 --sheet 表名"
    ]
    # '*': every visible sheet with the header row is stacked (the hidden one is not), and said so
    both = civscore.read_data(path, rubric, sheet="*")
    assert both["社区代码"].tolist() == ["1001", "SQ9"]
    assert both.attrs["notes"] == ["读取了 2 张工作表：'2025' 1 行，'2024' 1 行"]
    assert civscore.read_data(path, rubric, sheet="2024")["社区代码"].tolist() == ["SQ9"]
    with pytest.raises(civscore.DataError, match="没有名为 '2023' 的工作表；现有工作表：旧表、2025、2024"):
        civscore.read_data(path, rubric, sheet="2023")


def test_parquet_round_trip(tmp_path, rubric):
    data = pd.read_csv(io.StringIO(CSV_TEXT))
    path = tmp_path / "d.parquet"
    data.to_parquet(path)
    t = civscore.score(civscore.read_data(path, rubric), rubric).table
    assert t["total"].tolist() == pytest.approx([7, 6])


@pytest.mark.parametrize(
    "name, content, zh, en",
    [
        ("d.csv", b"", "是空文件", "is empty"),
        (
            "d.csv",
            b"\x00\x01PK\x03\x04",
            "是二进制文件，不是 CSV 文本（是不是改名为 .csv 的 Excel 文件？）",
            "is a binary file, not CSV text (is it an Excel file renamed .csv?)",
        ),
        (
            "d.csv",
            b"a,b\n\xff\xfe\xfa\xfb,1\n",
            "既不是 UTF-8 也不是 GBK/GB18030 文本（第 2 行第一次出现无法识别的字节）；请在 Excel 里另存为“CSV UTF-8”",
            "is neither UTF-8 nor GBK/GB18030 text (line 2 has the first byte that is neither); "
            "save it as 'CSV UTF-8' from Excel",
        ),
        (
            "d.csv",
            b"a,b\n1,2\n3,4,5\n",
            "不是格式正确的 CSV：第 3 行有 3 个单元格，而表头有 2 个（多了逗号，或者文件不完整？）",
            "is not well-formed CSV: line 3 has 3 cells but the header has 2 (a stray comma or a truncated file?)",
        ),
        (
            "d.csv",
            b'a,b\n1,"2\n',
            "不是格式正确的 CSV：有一个带引号的单元格没有闭合（文件可能不完整）",
            "is not well-formed CSV: a quoted cell is never closed (the file may be truncated)",
        ),
        ("d.csv", b"a,b,a\n1,2,3\n", "表头中有重复的列：a", "has columns that appear twice in the header: a"),
        ("d.csv", b"a,b\n", "只有表头，没有数据行", "has a header but no data rows"),
        (
            "d.txt",
            b"a,b\n1,2\n",
            "不支持的文件类型 '.txt'；请使用 .csv、.xlsx 或 .parquet",
            "unsupported file type '.txt'; use .csv, .xlsx or .parquet",
        ),
        (
            "d.xlsx",
            b"a,b\n1,2\n",
            "不是有效的 .xlsx 文件（是不是旧版 .xls，或改名为 .xlsx 的 CSV？）",
            "is not a valid .xlsx file (is it an old .xls, or a CSV renamed .xlsx?)",
        ),
        (
            "d.parquet",
            b"PAR1garbagePAR1",
            "不是可读取的 Parquet 文件（ArrowInvalid）",
            "is not a readable Parquet file (ArrowInvalid)",
        ),
    ],
)
def test_unreadable_files_get_one_line(tmp_path, name, content, zh, en):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(civscore.DataError) as exc:
        civscore.read_data(path)
    assert str(exc.value) == f"{path}: {zh}"
    with using_language("en"), pytest.raises(civscore.DataError) as exc:
        civscore.read_data(path)
    assert str(exc.value) == f"{path}: {en}"


def test_missing_file(tmp_path):
    with pytest.raises(civscore.DataError, match="找不到文件"):
        civscore.read_data(tmp_path / "none.csv")


def test_every_data_problem_is_reported_with_unit_column_value_and_rule(tmp_path, rubric):
    path = tmp_path / "d.csv"
    path.write_text(
        '社区代码,社区名称,街道,参与率,站点\nSQ1,甲,东,85%,是\nSQ1,乙,,0.5,有的\n,丙,西,3000多,否\nSQ4,丁,西,"1,000",1\n',
        encoding="utf-8-sig",
    )
    report = civscore.validate(civscore.read_data(path, rubric), rubric)
    assert not report.ok
    got = report.problems[["row", "unit", "column", "value", "rule"]].astype(object).values.tolist()
    assert got == [
        [2, "SQ1", "参与率", "85%", "必须是数字"],
        [2, "SQ1", "社区代码", "SQ1", "单位编号不能重复"],
        [3, "SQ1", "社区代码", "SQ1", "单位编号不能重复"],
        [3, "SQ1", "站点", "有的", "必须填“是”或“否”（可写作 true/false、1/0、是/否、有/无 或 yes/no）"],
        [3, "SQ1", "街道", None, "不能为空：单位按 街道 分组排名"],
        [4, "", "参与率", "3000多", "必须是数字"],
        [4, "", "社区代码", None, "单位编号不能为空"],
    ]
    assert (report.problems["file"] == str(path)).all()
    assert report.lines()[0] == f"文件 {path}，第 2 行，单位 SQ1，列 参与率，填写内容 '85%'：必须是数字"


def test_missing_columns_suggest_close_names(rubric):
    data = pd.DataFrame({"社区代码": ["a"], "社区名称": ["x"], "街道": ["y"], "参与 率": [1], "站点": ["是"]})
    report = civscore.validate(data, rubric)
    assert report.problems["rule"].tolist() == ["数据中没有这一列（a 需要）；是不是 '参与 率'？"]


def test_thousands_separators_and_full_width_digits_are_numbers():
    rubric = one_indicator("{id: a, name: A, value: x, method: count, per_item: 0.001, points: 10}")
    r = civscore.score(frame(x=["1,000", "２０００", " 3000 ", "1,0000"]), rubric) if False else None
    report = civscore.validate(frame(x=["1,000", "２０００", " 3000 ", "1,0000"]), rubric)
    assert report.problems[["unit", "value"]].values.tolist() == [["u4", "1,0000"]]
    r = civscore.score(frame(x=["1,000", "２０００", " 3000 "]), rubric)
    assert r.values["a"].tolist() == [1000, 2000, 3000]


def test_counts_cannot_be_negative_even_through_an_expression():
    rubric = one_indicator("{id: a, name: A, value: x - y, method: deduction, per_item: 1, points: 10}")
    report = civscore.validate(frame(x=[1, 5], y=[3, 1]), rubric)
    assert report.problems[["unit", "column", "value", "rule"]].values.tolist() == [
        ["u1", "x - y", -2.0, "必须大于或等于 0：指标 a 按件数计分（deduction）"]
    ]


def test_categorical_values_outside_the_map():
    rubric = one_indicator("{id: a, name: A, value: g, method: categorical, points: 3, map: {A: 3, B: 1}}", total=3)
    report = civscore.validate(frame(g=["A", "B+", ""]), rubric)
    assert report.problems[["unit", "value", "rule"]].values.tolist() == [
        ["u2", "B+", "必须是以下之一：A、B（指标 a）"]
    ]


# --- writing ---------------------------------------------------------------------------------


@pytest.fixture
def result(rubric):
    data = pd.read_csv(io.StringIO(CSV_TEXT.replace("幸福里社区", '=HYPERLINK("http://x")')), dtype=str)
    return civscore.score(data, rubric)


def test_csv_output_has_bom_and_neutralised_formulas(tmp_path, result):
    out = tmp_path / "r.csv"
    result.write(out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert list(back.columns) == list(result.table.columns)
    assert '\'=HYPERLINK("http://x")' in back["社区名称"].tolist()
    assert back["total"].tolist() == pytest.approx(result.table["total"].tolist())


def test_xlsx_output_sheets_and_no_formulas(tmp_path, result):
    out = tmp_path / "r.xlsx"
    result.write(out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["通报", "排名", "指标得分", "测评体系", "说明"]
    ws = book["排名"]
    assert [c.value for c in ws[1]] == list(result.table.columns)
    assert ws.freeze_panes is not None
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_parquet_output(tmp_path, result):
    out = tmp_path / "r.parquet"
    result.write(out)
    pd.testing.assert_frame_equal(pd.read_parquet(out), result.table, check_dtype=False)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("＝1", "'＝1"),
        ("－1", "'－1"),
        ("-5", "-5"),
        ("+3.5", "+3.5"),
        ("幸福里", "幸福里"),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_ids_that_become_equal_are_duplicates():
    rubric = one_indicator("{id: a, name: A, value: x, method: linear, zero: 0, full: 1, points: 10}")
    data = pd.DataFrame({"uid": pd.Series([1001.0, "1001", " 1002 ", "1002"], dtype=object), "x": [1, 1, 1, 1]})
    report = civscore.validate(data, rubric)
    assert report.problems["rule"].tolist() == ["单位编号不能重复"] * 4
    assert report.problems["unit"].tolist() == ["1001", "1001", "1002", "1002"]


def test_a_parquet_file_of_three_bytes(tmp_path):
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR")
    with pytest.raises(civscore.DataError, match="太短，不可能是 Parquet 文件"):
        civscore.read_data(path)


def test_sheet_on_a_csv_is_refused_before_reading(tmp_path):
    with pytest.raises(civscore.DataError, match=r"--sheet 只适用于 \.xlsx 文件"):
        civscore.read_data(tmp_path / "missing.csv", sheet="x")
