"""Build the corpus's binary fixtures (XLSX, Parquet, odd encodings, huge files) at test time.

Opaque binaries are not committed: each fixture is made here from ``good.csv`` / ``base.yaml``
with one thing wrong, so a reader can see exactly what is wrong with it. Run
``python tests/corpus/make_fixtures.py OUT_DIR`` to write them all for a look in Excel.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd

HERE = Path(__file__).resolve().parent
GOOD_CSV = HERE / "good.csv"
BASE_YAML = HERE / "base.yaml"
HUGE_FILE_BYTES = 2560 * 1024 * 1024  # above civscore.readers.safety.MAX_DATA_BYTES; sparse, takes no disk

Builder = Callable[[Path], None]
FIXTURES: dict[str, Builder] = {}


def fixture(name: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        FIXTURES[name] = fn
        return fn

    return register


def build(name: str, folder: Path) -> Path:
    """Write fixture ``name`` into ``folder`` and return its path."""
    path = folder / name
    FIXTURES[name](path)
    return path


def good_rows() -> list[list[str]]:
    with open(GOOD_CSV, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def good_text() -> str:
    return GOOD_CSV.read_text(encoding="utf-8")


def good_frame() -> pd.DataFrame:
    return pd.read_csv(GOOD_CSV, dtype=str, keep_default_na=False)


def _cell(text: str) -> object:
    """Numbers as numbers, as a person typing into Excel would get them."""
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def workbook(rows: list[list[str]] | None = None, title: str = "2025年测评数据") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows if rows is not None else good_rows():
        sheet.append([_cell(v) for v in row])
    return book


# --- odd but valid: these must score exactly like good.csv --------------------------------------


@fixture("gbk.csv")
def _gbk(path: Path) -> None:
    path.write_bytes(good_text().encode("gbk"))  # Excel on Chinese Windows, "CSV (逗号分隔)"


@fixture("crlf_blank_lines.csv")
def _crlf_blank_lines(path: Path) -> None:
    head, rest = good_text().split("\n", 1)
    path.write_bytes(("\ufeff" + head + "\n\n" + rest.replace("\n", "\n   \n")).replace("\n", "\r\n").encode("utf-8"))


@fixture("full_width.csv")
def _full_width(path: Path) -> None:
    text = good_text().replace("85.5,", "８５.５,").replace(",5000,", ',"5,000",').replace(",是,A,", ", 是 ,A,")
    path.write_text(text, encoding="utf-8")


@fixture("good.xlsx")
def _good_xlsx(path: Path) -> None:
    workbook().save(path)


@fixture("hidden_first_sheet.xlsx")
def _hidden_first_sheet(path: Path) -> None:
    book = workbook()
    old = book.create_sheet("2024年(已作废)", 0)
    old.append(["作废数据"])
    old.sheet_state = "hidden"
    book.save(path)


@fixture("good.parquet")
def _good_parquet(path: Path) -> None:
    good_frame().to_parquet(path)


# --- CSV with the wrong bytes -------------------------------------------------------------------


@fixture("utf16.csv")
def _utf16(path: Path) -> None:
    path.write_text(good_text(), encoding="utf-16")  # Excel's "Unicode Text" is UTF-16 with a BOM


@fixture("undecodable.csv")
def _undecodable(path: Path) -> None:
    path.write_bytes(good_text().encode("utf-8") + "SQ004,Café".encode("latin-1") + b"\xff\xfe\xfa\n")


@fixture("binary.csv")
def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


@fixture("xlsx_renamed.csv")
def _xlsx_renamed(path: Path) -> None:
    workbook().save(path)


@fixture("xls_renamed.csv")
def _xls_renamed(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)  # an OLE2 (.xls) header


@fixture("long_cell.csv")
def _long_cell(path: Path) -> None:
    path.write_text(good_text().replace("幸福里社区", "长" * 20_000), encoding="utf-8")


@fixture("huge_cell.csv")
def _huge_cell(path: Path) -> None:
    # one cell of 100 MB (about 35 million three-byte characters), written in pieces
    head, first, rest = good_text().split("\n", 2)
    cells = first.split(",")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head + "\n" + ",".join(cells[:1]) + ",")
        chunk = "名" * (1024 * 1024)
        for _ in range(34):
            fh.write(chunk)
        fh.write("," + ",".join(cells[2:]) + "\n" + rest)


@fixture("huge_file.csv")
def _huge_file(path: Path) -> None:
    with open(path, "wb") as fh:
        fh.write(GOOD_CSV.read_bytes())
        fh.truncate(HUGE_FILE_BYTES)  # sparse: the size is real, the disk blocks are not


# --- rubrics with the wrong bytes ---------------------------------------------------------------


@fixture("gbk_rubric.yaml")
def _gbk_rubric(path: Path) -> None:
    path.write_bytes(BASE_YAML.read_text(encoding="utf-8").encode("gbk"))


@fixture("oversized_rubric.yaml")
def _oversized_rubric(path: Path) -> None:
    text = BASE_YAML.read_text(encoding="utf-8")
    path.write_text(text + "# " + "x" * (3 * 1024 * 1024) + "\n", encoding="utf-8")


@fixture("binary_rubric.yaml")
def _binary_rubric(path: Path) -> None:
    path.write_bytes(b"\x00\x01\x02\x03id: x\n")


# --- XLSX as offices make them ------------------------------------------------------------------


@fixture("merged_header.xlsx")
def _merged_header(path: Path) -> None:
    book = workbook()
    sheet = book.active
    sheet["B1"] = None
    sheet.merge_cells("A1:B1")  # 社区代码 spread over the name column too
    book.save(path)


@fixture("title_row.xlsx")
def _title_row(path: Path) -> None:
    book = workbook()
    sheet = book.active
    sheet.insert_rows(1)
    sheet["A1"] = "2025年文明社区测评数据汇总表"
    sheet.merge_cells("A1:J1")
    book.save(path)


@fixture("formula_no_value.xlsx")
def _formula_no_value(path: Path) -> None:
    book = workbook()
    book.active["D3"] = "=60+10"  # openpyxl saves no result: Excel never recalculated it
    book.save(path)


@fixture("date_in_number.xlsx")
def _date_in_number(path: Path) -> None:
    book = workbook()
    book.active["D2"] = datetime.datetime(2025, 3, 1)  # 知晓率 typed as 3/1, which Excel made a date
    book.save(path)


@fixture("text_in_number.xlsx")
def _text_in_number(path: Path) -> None:
    book = workbook()
    book.active["D2"] = "85%"
    book.active["I3"] = "6000多"
    book.save(path)


@fixture("error_value.xlsx")
def _error_value(path: Path) -> None:
    book = workbook()
    book.active["D4"] = "#DIV/0!"
    book.save(path)


@fixture("empty_sheet.xlsx")
def _empty_sheet(path: Path) -> None:
    book = workbook(rows=[])
    book.create_sheet("说明").append(["数据见第一张表"])
    book.save(path)


@fixture("truncated.xlsx")
def _truncated(path: Path) -> None:
    buffer = io.BytesIO()
    workbook().save(buffer)
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) * 2 // 3])  # an interrupted download


@fixture("old_format.xlsx")
def _old_format(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)


@fixture("csv_renamed.xlsx")
def _csv_renamed(path: Path) -> None:
    path.write_bytes(GOOD_CSV.read_bytes())


BOMB_TOTAL = 4_294_919_872


@fixture("zip_bomb.xlsx")
def _zip_bomb(path: Path) -> None:
    """A workbook whose zip directory says a part unpacks to 4 GB (a zip bomb's calling card)."""
    buffer = io.BytesIO()
    workbook().save(buffer)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        others = sum(info.file_size for info in zf.infolist()[1:])
    # the claimed total is fixed (the expected message quotes it) whatever openpyxl's serialiser
    # (lxml or not) makes the real parts weigh
    claim = BOMB_TOTAL - others
    end = data.rindex(b"PK\x05\x06")  # end-of-central-directory record
    central = int.from_bytes(data[end + 16 : end + 20], "little")  # where the directory starts
    assert data[central : central + 4] == b"PK\x01\x02"
    # the first entry's uncompressed size sits 24 bytes into its directory header
    data[central + 24 : central + 28] = claim.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:  # still a readable zip, only its claim is huge
        assert sum(info.file_size for info in zf.infolist()) == BOMB_TOTAL


# --- ids and labels as people type and paste them ------------------------------------------------


@fixture("ids_full_width.csv")
def _ids_full_width(path: Path) -> None:
    # SQ001 again, typed with a Chinese input method in full-width mode
    path.write_text(good_text().replace("SQ003,", "ＳＱ００１,"), encoding="utf-8")


@fixture("ids_zero_width.csv")
def _ids_zero_width(path: Path) -> None:
    # pasted from a web page: a zero-width space after SQ001, and a cell holding nothing else
    path.write_text(good_text().replace("SQ002,", "SQ001\u200b,").replace("SQ003,", "\u200b,"), encoding="utf-8")


@fixture("control_chars.csv")
def _control_chars(path: Path) -> None:
    # an id and a column name carrying terminal escape sequences: clear screen, a forged "OK"
    forged = "\x1b[2J\x1b[HOK \u2014 3 units satisfy the rubric\x1b[8m"
    text = good_text().replace("SQ003,", f"SQ003{forged},").replace(",92,", ",九十二,")
    path.write_text(text.replace("社区名称", "社区名称\x1b[31m"), encoding="utf-8")


@fixture("error_labels.xlsx")
def _error_labels(path: Path) -> None:
    book = workbook()
    book.active["B3"] = "#NULL!"  # a name looked up with a broken formula
    book.active["C4"] = "#REF!"  # a street from a deleted sheet
    book.save(path)


@fixture("ranking.csv")
def _ranking(path: Path) -> None:
    # the data file is called ranking.csv, the name `civscore report` gives its own ranking
    path.write_text(good_text(), encoding="utf-8")


# --- workbooks as offices make them (issue 13) -------------------------------------------------


def _rewrite_sheet_xml(path: Path, edit: Callable[[bytes], bytes], part: str = "xl/worksheets/sheet1.xml") -> None:
    """Save a workbook, then change one part of it as another program would have written it."""
    source = path.with_suffix(".tmp.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, edit(data) if info.filename == part else data)
    source.unlink()


@fixture("streets.xlsx")
def _streets(path: Path) -> None:
    # one sheet per street, each with the same header: all of them are units
    head, *rows = good_rows()
    book = openpyxl.Workbook()
    book.remove(book.active)
    for street in dict.fromkeys(r[2] for r in rows):
        sheet = book.create_sheet(street)
        for row in [head] + [r for r in rows if r[2] == street]:
            sheet.append([_cell(v) for v in row])
    book.create_sheet("填表说明").append(["社区代码请填写民政部门编码"])
    book.save(path)


@fixture("streets_disagree.xlsx")
def _streets_disagree(path: Path) -> None:
    # the second street's sheet lost its 等次 column, and the first has a bad cell
    _streets(path)
    book = openpyxl.load_workbook(path)
    book["东城街道"].delete_cols(6)
    book["城关街道"]["D3"] = "七十"
    book.save(path)


@fixture("title_two_rows.xlsx")
def _title_two_rows(path: Path) -> None:
    # a title and a "填报单位" line of one cell each above the header: read, and said so
    book = workbook()
    sheet = book.active
    sheet.insert_rows(1, 2)
    sheet["A1"] = "2025年文明社区测评数据汇总表"
    sheet.merge_cells("A1:J1")
    sheet["A2"] = "填报单位：区文明办"
    book.save(path)


@fixture("notes_above_header.xlsx")
def _notes_above_header(path: Path) -> None:
    # a line with two cells above the header is not a plain title: the rows to delete are named
    book = workbook()
    sheet = book.active
    sheet.insert_rows(1)
    sheet["A1"] = "填报单位：区文明办"
    sheet["F1"] = "填报日期：2025-03-01"
    sheet["D4"] = "九十二"
    book.save(path)


@fixture("two_row_header.xlsx")
def _two_row_header(path: Path) -> None:
    # 基本信息 over A–C and 测评指标 over D–J, the column names in row 2
    book = workbook()
    sheet = book.active
    sheet.insert_rows(1)
    sheet["A1"] = "基本信息"
    sheet.merge_cells("A1:C1")
    sheet["D1"] = "测评指标"
    sheet.merge_cells("D1:J1")
    book.save(path)


@fixture("two_row_header_vertical.xlsx")
def _two_row_header_vertical(path: Path) -> None:
    # the unit columns' names merged down over both header rows, the indicators grouped
    head, *rows = good_rows()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2025年测评数据"
    sheet.append(head[:3] + ["测评指标"] + [None] * 6)
    sheet.append([None] * 3 + head[3:])
    for col in "ABC":
        sheet.merge_cells(f"{col}1:{col}2")
    sheet.merge_cells("D1:J1")
    for row in rows:
        sheet.append([_cell(v) for v in row])
    book.save(path)


@fixture("total_row.xlsx")
def _total_row(path: Path) -> None:
    # a 合计 row under the units (sums of the numbers), and an 平均 row without a name
    _, *rows = good_rows()
    book = workbook()
    sheet = book.active
    sums = ["", "合计", ""] + [sum(float(r[j]) for r in rows) if j in (3, 6, 7, 8, 9) else "" for j in range(3, 10)]
    sheet.append([_cell(str(v)) if isinstance(v, float) else v for v in sums])
    book.save(path)


@fixture("merged_group.xlsx")
def _merged_group(path: Path) -> None:
    # 城关街道 typed once, merged over its two communities: filled down, and said so
    book = workbook()
    sheet = book.active
    sheet["C3"] = None
    sheet.merge_cells("C2:C3")
    book.save(path)


@fixture("merged_score.xlsx")
def _merged_score(path: Path) -> None:
    # one 是 merged over two communities in a scored column, and a merged 街道 (filled down)
    book = workbook()
    sheet = book.active
    sheet["E3"] = None
    sheet["E2"] = "是"
    sheet.merge_cells("E2:E3")
    sheet["C3"] = None
    sheet.merge_cells("C2:C3")
    book.save(path)


@fixture("na_markers.xlsx")
def _na_markers(path: Path) -> None:
    # the dashes offices type for "no figure": missing, so `missing: error` stops on them
    book = workbook()
    sheet = book.active
    sheet["H2"] = "—"
    sheet["H3"] = "／"
    sheet["D4"] = "－"
    book.save(path)


@fixture("hidden_rows.xlsx")
def _hidden_rows(path: Path) -> None:
    # row 3 and column J hidden in Excel: read like the others, and said so
    book = workbook()
    sheet = book.active
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["J"].hidden = True
    sheet["D4"] = "九十二"
    book.save(path)


@fixture("numbers_as_text.xlsx")
def _numbers_as_text(path: Path) -> None:
    # numbers stored as text (the green triangle in Excel): read as the numbers they spell
    head, *rows = good_rows()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(head)
    for row in rows:
        sheet.append(row)  # every cell a string
    sheet["I2"] = "5,000"
    book.save(path)


@fixture("stale_dimension.xlsx")
def _stale_dimension(path: Path) -> None:
    # the sheet says it ends at J2, but three units follow: all of them are read
    workbook().save(path)
    _rewrite_sheet_xml(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:J2"', xml))


@fixture("huge_dimension.xlsx")
def _huge_dimension(path: Path) -> None:
    # a 5 KB file declaring the whole sheet (A1:XFD1048576) in use: read in a few kilobytes
    workbook().save(path)
    _rewrite_sheet_xml(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))


@fixture("damaged_sheet.xlsx")
def _damaged_sheet(path: Path) -> None:
    workbook().save(path)
    _rewrite_sheet_xml(path, lambda xml: xml.replace(b"</sheetData>", b'<row r="9"><c r="A9"><v>1</sheetData>'))


@fixture("chartsheet.xlsx")
def _chartsheet(path: Path) -> None:
    from openpyxl.chart import BarChart, Reference

    book = workbook()
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=4, min_row=1, max_row=4), titles_from_data=True)
    book.create_chartsheet("知晓率图").add_chart(chart)
    book.save(path)


@fixture("encrypted.xlsx")
def _encrypted(path: Path) -> None:
    # what Excel writes for a workbook with a password: an OLE container with an encrypted package
    sector = bytearray(512)
    name = "EncryptedPackage".encode("utf-16-le")
    sector[: len(name)] = name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + bytes(sector))


@fixture("office_mess.xlsx")
def _office_mess(path: Path) -> None:
    # the five-runs workbook: a title row, a header cell merged over two columns, bad cells on
    # the first street's sheet and on the second's: every problem in one run
    _streets(path)
    book = openpyxl.load_workbook(path)
    first, second = book["城关街道"], book["东城街道"]
    for sheet in (first, second):
        sheet.insert_rows(1)
        sheet["A1"] = "2025年文明社区测评数据"
    first["D4"] = "85%"
    second["E3"] = "有点"
    book.save(path)


@fixture("mixed_utf8_gbk.csv")
def _mixed_utf8_gbk(path: Path) -> None:
    # a UTF-8 file with one community pasted in from a GBK (Excel on Chinese Windows) file
    head, first, second, *rest = good_text().split("\n")
    path.write_bytes(
        "\n".join([head, first]).encode("utf-8")
        + b"\n"
        + second.encode("gbk")
        + b"\n"
        + "\n".join(rest).encode("utf-8")
    )


@fixture("big5.csv")
def _big5(path: Path) -> None:
    # from a Traditional Chinese office: Big5, which decodes as GB18030 without an error
    text = good_text()
    for simple, traditional in (("区", "區"), ("关", "關"), ("东", "東"), ("实践", "實踐"), ("题", "題"), ("点", "點")):
        text = text.replace(simple, traditional)
    path.write_bytes(text.encode("big5", errors="replace"))


@fixture("utf16_no_bom.csv")
def _utf16_no_bom(path: Path) -> None:
    path.write_bytes(good_text().encode("utf-16-le"))


@fixture("tab_separated.csv")
def _tab_separated(path: Path) -> None:
    # Excel's "Text (Tab delimited)", with 85% typed in a number column
    path.write_text(good_text().replace(",", "\t").replace("85.5", "85%"), encoding="utf-8")


@fixture("semicolon_separated.csv")
def _semicolon_separated(path: Path) -> None:
    path.write_text(good_text().replace(",", ";"), encoding="utf-8")


@fixture("blank_first_line.csv")
def _blank_first_line(path: Path) -> None:
    path.write_text("\n" + good_text(), encoding="utf-8")


@fixture("id_as_index.parquet")
def _id_as_index(path: Path) -> None:
    good_frame().set_index("社区代码").to_parquet(path)


# --- Parquet ------------------------------------------------------------------------------------


@fixture("truncated.parquet")
def _truncated_parquet(path: Path) -> None:
    buffer = io.BytesIO()
    good_frame().to_parquet(buffer)
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) // 2])


@fixture("date_column.parquet")
def _date_column(path: Path) -> None:
    frame = good_frame()
    frame["知晓率"] = pd.to_datetime(["2025-03-01", "2025-03-02", "2025-03-03"])
    frame.to_parquet(path)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-fixtures")
    out.mkdir(parents=True, exist_ok=True)
    for fixture_name in FIXTURES:
        if fixture_name not in ("huge_file.csv", "huge_cell.csv"):
            print(build(fixture_name, out))
