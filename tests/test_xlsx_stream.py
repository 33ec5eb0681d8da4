"""The streamed .xlsx writer: cells as Excel reads them back, blocks of rows, and the points file
that takes the place of the 指标得分 sheet when a ranking has too many points for a workbook."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import civscore
import civscore.writers.xlsx as xlsx
from civscore.errors import OutputError
from civscore.tables.book import Sheet, Workbook
from civscore.tables.result_sheets import indicator_points_table
from civscore.words import using_language
from civscore.writers.xlsx_widths import display_width, display_widths, line_counts

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
DATA = ROOT / "data" / "communities_2025.csv"


@pytest.fixture(scope="module")
def sample() -> civscore.Result:
    rubric = civscore.load_rubric(RUBRIC)
    return civscore.score(civscore.read_data(DATA, rubric), rubric)


def _values(path: Path, sheet: str = "t") -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_cells_read_back_as_written(tmp_path):
    table = pd.DataFrame(
        {
            "text": ["=1+1", " lead", "trail ", "a&b<c>d", "ctl\x01x", "-3.2", "", None],
            "number": [1.5, np.nan, 3.0, 1e20, 0.1 + 0.2, -2.0, np.inf, 7.0],
            "flag": [True, False, True, False, True, False, True, False],
            "mixed": [1, "b", True, None, np.nan, 2.5, "@x", pd.NA],
            "count": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
        }
    )
    out = civscore.write_table(table, tmp_path / "t.xlsx", sheet="t")
    rows = _values(out)
    assert rows[0] == ("text", "number", "flag", "mixed", "count")
    # a control character is written as Excel's escape (_x0001_), which openpyxl leaves as it is
    assert [r[0] for r in rows[1:]] == ["'=1+1", " lead", "trail ", "a&b<c>d", "ctl_x0001_x", "-3.2", None, None]
    assert [r[1] for r in rows[1:]] == [1.5, None, 3, 1e20, 0.1 + 0.2, -2, "#NUM!", 7]
    assert [r[2] for r in rows[1:]] == [True, False, True, False, True, False, True, False]
    assert [r[3] for r in rows[1:]] == [1, "b", True, None, None, 2.5, "'@x", None]
    assert [r[4] for r in rows[1:]] == [1, None, 3, 4, 5, 6, 7, 8]
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml  # never a formula
    assert '<t xml:space="preserve"> lead</t>' in xml and "a&amp;b&lt;c&gt;d" in xml and "\x01" not in xml


def test_rows_come_in_blocks_without_loss(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "BLOCK_ROWS", 3)
    table = pd.DataFrame({"i": np.arange(10), "s": [f"第{i}行" for i in range(10)]})
    flagged = np.zeros(10, dtype=bool)
    flagged[[2, 3, 7]] = True
    book = Workbook(
        (
            Sheet("t", table, kind="data", flagged=flagged),
            Sheet("h", table, title="标题", notes=("说明",), flagged=flagged, band=np.arange(10) % 2 == 0),
        )
    )
    out = xlsx.write_book(book, tmp_path / "b.xlsx")
    assert _values(out)[1:] == [(i, f"第{i}行") for i in range(10)]
    wb = openpyxl.load_workbook(out)
    data, handout = wb["t"], wb["h"]
    assert [data.cell(r, 1).font.b for r in range(2, 12)] == list(flagged)
    top = next(r for r in range(1, 10) if handout.cell(r, 1).value == "i")
    body = [handout.cell(top + 1 + i, 2) for i in range(10)]
    assert [c.value for c in body] == [f"第{i}行" for i in range(10)]
    assert [c.font.b for c in body] == list(flagged)
    assert all(c.border.left.style == "thin" for c in body)
    assert handout.max_row == top + 10


@pytest.mark.parametrize("distinct", [2, 128, 129, 32_768, 32_769])
def test_repeated_values_read_back_in_every_block(tmp_path, monkeypatch, distinct):
    """Columns whose values repeat are written from their distinct values' cells: every row
    still gets its own value, in blocks, with blanks, infinities and -0.0 kept apart."""
    monkeypatch.setattr(xlsx, "BLOCK_ROWS", 7_001)
    n = max(2 * distinct + 5, 40)
    codes = np.random.default_rng(distinct).integers(0, distinct, n)
    codes[:distinct] = np.arange(distinct)  # every distinct value is there
    numbers = (codes * 0.25 - 3.0).astype(float)
    numbers[[1, 5]] = np.nan
    numbers[[2, 6]] = -np.inf
    numbers[3] = -0.0
    texts = pd.array([f"=第{c}项" if c % 3 == 0 else f"值 {c}" for c in codes], dtype="str")
    texts[[4, 8]] = None
    table = pd.DataFrame({"n": numbers, "t": texts})
    out = civscore.write_table(table, tmp_path / "r.xlsx", sheet="t")
    rows = openpyxl.load_workbook(out, read_only=True)["t"].iter_rows(min_row=2, values_only=True)
    shown_n, shown_t = zip(*rows)
    want_n = [None if np.isnan(v) else "#NUM!" if np.isinf(v) else v for v in numbers]
    want_t = [None if v is None or v != v else ("'" + v if v.startswith("=") else v) for v in texts]
    assert list(shown_n) == want_n and list(shown_t) == want_t
    with zipfile.ZipFile(out) as z:
        assert "<v>-0</v>" in z.read("xl/worksheets/sheet1.xml").decode()


def test_every_kind_of_column_keeps_its_row_styles_in_any_block(tmp_path, monkeypatch):
    """Cells made once per distinct value and style (repeating columns) or block by block (the
    others), in blocks whose rows share a style or not: each row shows its value with its row's
    look, and the sheet is the same whatever the blocks."""
    n = 24
    rng = np.random.default_rng(7)
    table = pd.DataFrame(
        {
            "coded text": pd.array(rng.choice(["甲", "乙", "=丙", ""], n), dtype="str"),
            "text": pd.array([f"单位{i}" for i in range(n)], dtype="str"),
            "coded number": rng.choice([0.0, 1.5, np.nan], n),
            "number": rng.random(n),
            "flag": rng.random(n) > 0.5,
            "mixed": [[1, "b", True, None, 2.5, "@x"][i % 6] for i in range(n)],
        }
    )
    flagged = np.zeros(n, dtype=bool)
    flagged[[3, 4, 5, 13, 20]] = True  # with blocks of 3: a block all flagged, blocks mixed, blocks plain
    band = (np.arange(n) // 2) % 2 == 1
    book = Workbook(
        (
            Sheet("t", table, kind="data", flagged=flagged),
            Sheet("h", table, title="标题", flagged=flagged, band=band),
        )
    )
    sheets = {}
    for rows in (3, 10_000):
        monkeypatch.setattr(xlsx, "BLOCK_ROWS", rows)
        out = xlsx.write_book(book, tmp_path / f"k{rows}.xlsx")
        with zipfile.ZipFile(out) as z:
            assert z.testzip() is None  # every member's CRC-32 (ISA-L's for the streamed bodies) holds
            sheets[rows] = [z.read(f"xl/worksheets/sheet{i}.xml") for i in (1, 2)]
    assert sheets[3] == sheets[10_000]
    wb = openpyxl.load_workbook(out)

    def shown(v):
        if v is None or v == "" or v != v:
            return None
        return "'" + v if isinstance(v, str) and v[:1] in "=@" else v

    want = [[shown(v) for v in row] for row in table.astype(object).itertuples(index=False)]
    data, handout = wb["t"], wb["h"]
    top = next(r for r in range(1, 10) if handout.cell(r, 1).value == "coded text")
    for ws, first in ((data, 2), (handout, top + 1)):
        cells = [[ws.cell(first + i, 1 + j) for j in range(table.shape[1])] for i in range(n)]
        assert [[c.value for c in row] for row in cells] == want
        assert [[bool(c.font.b) for c in row] for row in cells] == [[f] * table.shape[1] for f in flagged]
    fills = [[handout.cell(top + 1 + i, 1 + j).fill.fgColor.rgb for j in range(table.shape[1])] for i in range(n)]
    look = {0: "00000000", 1: "FF" + xlsx.BAND_FILL[1:], 2: "FF" + xlsx.FLAG_FILL[1:]}
    assert fills == [[look[2 if f else int(b)]] * table.shape[1] for f, b in zip(flagged, band)]


def test_object_columns_of_text_read_back_as_written(tmp_path, monkeypatch):
    """Python text with blanks of every kind is written as text for the whole column; an
    object column holding anything else (bytes, a date) keeps each value's own cell."""
    monkeypatch.setattr(xlsx, "BLOCK_ROWS", 4)
    texts = ["甲", None, np.nan, pd.NA, "", "=SUM(A1)", " 乙", "甲", "a&b", "甲"]
    other = [b"x", "y", pd.Timestamp("2025-01-02"), None, "z", "z", "z", "z", "z", "z"]
    table = pd.DataFrame({"texts": pd.Series(texts, dtype=object), "other": pd.Series(other, dtype=object)})
    out = civscore.write_table(table, tmp_path / "o.xlsx", sheet="t")
    rows = _values(out)[1:]
    assert [r[0] for r in rows] == ["甲", None, None, None, None, "'=SUM(A1)", " 乙", "甲", "a&b", "甲"]
    assert [r[1] for r in rows] == ["b'x'", "y", "2025-01-02 00:00:00", None, *["z"] * 6]


def test_display_widths_count_wide_characters_twice():
    texts = ["abc", "社区", "a社b", "", "Ｆ", "→≤", "😀x", "𠀀"]
    assert display_widths(texts).tolist() == [3, 4, 4, 0, 2, 2, 3, 2]
    assert display_width(12.5) == 4
    assert line_counts(["社区" * 10, "a\nbb\n", ""], room=6).tolist() == [7, 3, 1]
    # a Latin word is not broken, so a line may end short by up to the longest one: 66 widths in
    # 37.8 take three lines when words of 10 are among them, 64 two when every character may break
    latin = "必须填“是”或“否”（可写作 true/false、1/0、是/否、有/无 或 yes/no）"
    assert line_counts([latin, "社区" * 16], room=37.8).tolist() == [3, 2]
    # a text with line breaks takes the lines of each of its lines, counted the same way
    first, second = latin[:30], latin[30:]
    assert line_counts([f"{first}\n{second}"], room=14).tolist() == [sum(line_counts([first, second], room=14))] == [7]


def test_points_beyond_the_limit_go_beside_the_workbook(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVSCORE_XLSX_MAX_POINTS", "10")
    out = sample.write(tmp_path / "ranking.xlsx")
    beside = tmp_path / "ranking_points.parquet"
    assert beside.exists()
    pd.testing.assert_frame_equal(pd.read_parquet(beside), indicator_points_table(sample), check_dtype=False)
    book = openpyxl.load_workbook(out)
    assert "指标得分" not in book.sheetnames
    assert book.sheetnames == ["通报", "排名", "测评体系", "说明"]
    about = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True)}
    assert "ranking_points.parquet" in about["指标得分"] and "未放入本工作簿" in about["指标得分"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_points_note_in_english(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVSCORE_XLSX_MAX_POINTS", "10")
    with using_language("en"):
        out = sample.write(tmp_path / "r.xlsx")
    about = {row[0]: row[1] for row in openpyxl.load_workbook(out)["说明"].iter_rows(values_only=True)}
    assert (
        "r_points.parquet" in about["Points per indicator"] and "not in this workbook" in about["Points per indicator"]
    )


def test_points_within_the_limit_stay_a_sheet(sample, tmp_path):
    out = sample.write(tmp_path / "ranking.xlsx")
    assert "指标得分" in openpyxl.load_workbook(out, read_only=True).sheetnames
    assert not (tmp_path / "ranking_points.parquet").exists()


def test_points_file_never_replaces_an_input(sample, tmp_path, monkeypatch):
    rubric = civscore.load_rubric(RUBRIC)
    data = tmp_path / "out_points.parquet"
    frame = civscore.read_data(DATA, rubric)
    frame.attrs = {}
    frame.to_parquet(data)
    result = civscore.score(civscore.read_data(data, rubric), rubric)
    before = data.read_bytes()
    monkeypatch.setenv("CIVSCORE_XLSX_MAX_POINTS", "10")
    with pytest.raises(OutputError, match=r"out_points\.parquet"):
        result.write(tmp_path / "out.xlsx")
    assert data.read_bytes() == before
    assert not (tmp_path / "out.xlsx").exists()


def test_a_failed_workbook_leaves_no_points_file(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("CIVSCORE_XLSX_MAX_POINTS", "10")

    def broken(book, tmp):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(xlsx, "write_book_to", broken)
    with pytest.raises(RuntimeError):
        sample.write(tmp_path / "ranking.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    shutil.rmtree(tmp_path)


def test_score_command_says_where_the_points_went(tmp_path, monkeypatch, capsys):
    from civscore.cli import main

    monkeypatch.setenv("CIVSCORE_XLSX_MAX_POINTS", "10")
    out = tmp_path / "排名.xlsx"
    assert main(["score", str(RUBRIC), str(DATA), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"另存为 {tmp_path / '排名_points.parquet'}" in said
    assert (tmp_path / "排名_points.parquet").exists() and out.exists()
    monkeypatch.delenv("CIVSCORE_XLSX_MAX_POINTS")
    assert main(["score", str(RUBRIC), str(DATA), "-o", str(tmp_path / "small.xlsx")]) == 0
    assert "另存为" not in capsys.readouterr().out
