"""python-calamine's cells read as openpyxl reads them: every workbook of the corpus and a few
made here give the same frame, notes, problems, merged ranges and row origins, or the same
message, whether the cells come from calamine or from openpyxl (the reference)."""

from __future__ import annotations

import datetime
import importlib.util
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from civscore.errors import DataError
from civscore.readers import xlsx
from civscore.readers.table import read_table
from civscore.readers.xlsx_xml import scan_sheet

CORPUS = Path(__file__).resolve().parent / "corpus"
_spec = importlib.util.spec_from_file_location("corpus_fixtures", CORPUS / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)
WORKBOOKS = sorted(name for name in make_fixtures.FIXTURES if name.endswith(".xlsx"))


def _both(path: Path, monkeypatch, **kw) -> tuple[object, object]:
    """(read with calamine, read with openpyxl only): frames, or the messages raised."""
    out = []
    for calamine in (True, False):
        with monkeypatch.context() as m:
            if not calamine:
                m.setattr(xlsx, "_calamine_book", lambda path: None)
            try:
                out.append(read_table(path, **kw))
            except DataError as exc:
                out.append(str(exc))
    return out[0], out[1]


def _same(fast: object, reference: object) -> None:
    if isinstance(reference, str):
        assert fast == reference
        return
    assert isinstance(fast, pd.DataFrame) and isinstance(reference, pd.DataFrame)
    pd.testing.assert_frame_equal(fast, reference)
    # the same Python values, types included (1001 is an int, a date a datetime)
    for col in reference.columns:
        assert [type(v) for v in fast[col]] == [type(v) for v in reference[col]], col
    for key in ("notes", "problems", "merged"):
        assert fast.attrs.get(key) == reference.attrs.get(key), key
    a, b = fast.attrs["origin"], reference.attrs["origin"]
    assert (a.numbers == b.numbers).all() and (a.sheet_codes == b.sheet_codes).all() and a.sheets == b.sheets


@pytest.mark.parametrize("name", WORKBOOKS)
def test_corpus_workbooks_read_the_same(name, tmp_path, monkeypatch):
    _same(*_both(make_fixtures.build(name, tmp_path), monkeypatch))


def test_streets_stacked_read_the_same(tmp_path, monkeypatch):
    _same(*_both(make_fixtures.build("streets.xlsx", tmp_path), monkeypatch, sheet="*"))


def _rewrite(path: Path, edit) -> None:
    source = path.with_suffix(".src.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data) if item.filename == "xl/worksheets/sheet1.xml" else data)
    source.unlink()


def _mixed_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "数据"
    ws.append(["社区编号", "名称", "数值", "日期", "时长", "是否"])
    ws.append(["001", "幸福里", 1001, datetime.datetime(2024, 1, 2), 0.25, True])
    ws.append([2, " ", 2.5, datetime.datetime(2024, 1, 2, 12, 30), 1.5, False])
    ws.append([3.0, "无", "1,200", datetime.date(2024, 3, 1), None, "是"])
    ws.append([None, None, None, None, None, None])
    ws.append([4, "朝阳", 2**60, None, 45293.5, None])
    ws.append([5, "E", "ERR", "ERR2", 7, 1])
    ws["E2"].number_format = "[h]:mm"
    ws["E3"].number_format = "h:mm"
    ws["E6"].number_format = "yyyy年m月d日"
    ws.row_dimensions[3].hidden = True
    ws.column_dimensions["B"].hidden = True
    book.save(path)
    # error cells as Excel saves them: the cached error text, in both attribute orders
    _rewrite(
        path,
        lambda xml: xml.replace(
            b'<c r="C7" t="inlineStr"><is><t>ERR</t></is></c>', b'<c r="C7" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        ).replace(b'<c r="D7" t="inlineStr"><is><t>ERR2</t></is></c>', b'<c t="e" r="D7" s="0"><v>#REF!</v></c>'),
    )


def test_values_of_every_kind_read_the_same(tmp_path, monkeypatch):
    path = tmp_path / "mixed.xlsx"
    _mixed_workbook(path)
    used = []
    calamine_cells = xlsx.calamine_cells
    monkeypatch.setattr(xlsx, "calamine_cells", lambda *a: used.append(1) or calamine_cells(*a))
    fast, reference = _both(path, monkeypatch)
    assert used  # the fast path was taken
    _same(fast, reference)
    assert fast.loc[4, "数值"] == "#DIV/0!" and fast.loc[4, "日期"] == "#REF!"  # not blanks


def test_the_scan_finds_errors_hidden_rows_and_the_extent(tmp_path):
    path = tmp_path / "mixed.xlsx"
    _mixed_workbook(path)
    with zipfile.ZipFile(path) as archive:
        xml = scan_sheet(archive, "xl/worksheets/sheet1.xml")
    assert sorted(xml.errors) == [(7, 3, "#DIV/0!"), (7, 4, "#REF!")]
    assert xml.hidden_rows == [3] and xml.hidden_cols == [2]
    assert xml.extent == (7, 6)


def test_a_stray_cell_far_away_is_read_by_openpyxl(tmp_path, monkeypatch):
    """calamine would hold 16,384 columns for every row; openpyxl cuts rows to the header."""
    path = tmp_path / "stray.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["id", "v"])
    for i in range(2000):
        ws.append([i, i * 2])
    ws["XFD2000"] = "x"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        assert scan_sheet(archive, "xl/worksheets/sheet1.xml").extent == (2001, 16384)
    used = []
    monkeypatch.setattr(xlsx, "calamine_cells", lambda *a: used.append(a) or pytest.fail("calamine was used"))
    monkeypatch.setattr(xlsx.safety, "MAX_DATA_CELLS", 10_000_000)
    frame = read_table(path)
    assert list(frame.columns) == ["id", "v"] and len(frame) == 2000 and not used


def _shared_strings_workbook(path: Path) -> None:
    """As Excel saves text: a shared-string table with spaces kept, rich text and phonetic runs;
    the table starts at C3, under an empty area."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False})
    ws = book.add_worksheet("表")
    ws.write_row("C3", ["编号", "名称", "值", "日期"])
    ws.write_row("C4", ["001", "  前后空格  ", 5])
    ws.write_rich_string("D5", "富", book.add_format({"bold": True}), "文本")
    ws.write_row("C5", ["002"])
    ws.write("E5", 2.5)
    ws.write_row("C6", ["003", "注音", 1e20])
    ws.write_datetime("F6", datetime.datetime(2024, 5, 6), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace(
        "<si><t>注音</t></si>".encode(), '<si><t>注音</t><rPh sb="0" eb="2"><t>zhuyin</t></rPh></si>'.encode()
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_shared_strings_and_an_offset_table_read_the_same(tmp_path, monkeypatch):
    path = tmp_path / "shared.xlsx"
    _shared_strings_workbook(path)
    fast, reference = _both(path, monkeypatch)
    _same(fast, reference)
    assert fast["名称"].tolist() == ["  前后空格  ", "富文本", "注音"]


def test_iso_date_cells_are_left_to_openpyxl(tmp_path):
    """Cells of type d (ISO 8601 text, from some tools) are read by the reference reader."""
    path = tmp_path / "iso.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "when"])
    book.active.append([1, 2])
    book.save(path)
    _rewrite(
        path,
        lambda xml: xml.replace(b'<c r="B2" t="n"><v>2</v></c>', b'<c r="B2" t="d"><v>2024-05-06T00:00:00</v></c>'),
    )
    with zipfile.ZipFile(path) as archive:
        assert scan_sheet(archive, "xl/worksheets/sheet1.xml").extent is None
    assert read_table(path)["when"].iat[0] == datetime.datetime(2024, 5, 6)
