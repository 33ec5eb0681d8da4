"""Excel workbooks as offices make them: several sheets, title rows, two-row headers, merged cells.

The first visible sheet holding a table is read (contract section 6), or the one ``--sheet``
names; sheets left unread are named in a note. ``--sheet '*'`` stacks every visible sheet with
the same header (one sheet per 街道).

The workbook's sheets, their names and states come from openpyxl (read-only, without reading any
sheet). A sheet's cells are read by python-calamine, which is many times faster than openpyxl's
streaming reader, into the values openpyxl would give (:mod:`~civscore.readers.xlsx_cells`);
what calamine does not tell — error cells such as ``#DIV/0!`` (which it reads as blanks), merged
ranges, hidden rows and columns, formulas without a saved result, the cells' true extent — comes
from one streaming pass over the sheet's XML (:mod:`~civscore.readers.xlsx_xml`). openpyxl reads
the cells instead whenever calamine is not sure to read them the same way: a sheet whose cells
span more than the input's cell limit (a stray cell in column XFD), XML that the pass cannot
follow, a sheet calamine fails on (then openpyxl names the damage, as it always has).
How the cells become a table is :mod:`~civscore.readers.xlsx_layout`.

The result is one frame of cells; what the reader had to interpret is in ``frame.attrs``:
``notes`` (said, not wrong: "read row 3 as the header"), ``problems`` (structural problems, given
to the validation report with the cell-level ones), ``merged`` (merged ranges in the data rows),
``origin`` (a :class:`~civscore.readers.origin.RowOrigin`: the sheet and row each row came from).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import pandas as pd

from civscore.errors import DataError
from civscore.readers import safety
from civscore.readers.safety import _OLE_MAGIC, MAX_DATA_BYTES, _unpacked_size, damaged_xlsx
from civscore.readers.xlsx_cells import Cells, calamine_cells, open_book, openpyxl_cells
from civscore.readers.xlsx_layout import (
    ALL_SHEETS,
    SheetTable,
    blank_cells,
    first_table,
    is_blank,
    sheet_problem,
    stack,
    table,
)
from civscore.readers.xlsx_xml import SheetXml, scan_sheet
from civscore.words import say

SUFFIX = ".xlsx"
ORDER = 2
SHEETS = True  # ``sheet`` picks one of the workbook's sheets
SIZE_BOUND = False  # its unpacked size is bounded instead, when it is read
_SCAN_FAILURES = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError)


def read(path: Path, label: str, sheet: str | None = None) -> pd.DataFrame:
    """The chosen sheet's table (the first visible one by default)."""
    return _read_xlsx(path, label, sheet)


def _read_xlsx(path: Path, label: str, sheet: str | None) -> pd.DataFrame:
    _check_container(path, label)
    try:
        book = open_book(path, strings=False)  # names and states of the sheets; cells come below
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise DataError(
            label,
            say(
                f"不是可读的 .xlsx 文件（{type(exc).__name__}）", f"is not a readable .xlsx file ({type(exc).__name__})"
            ),
        ) from None
    try:
        tables, skipped = _read_sheets(book, path, label, sheet)
    finally:
        book.close()
    if sheet != ALL_SHEETS:
        tables = first_table(tables, skipped)
    _unsaved_formulas(path, tables)
    return stack(tables, skipped, label)


def _check_container(path: Path, label: str) -> None:
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
        if head.startswith(_OLE_MAGIC):
            if "EncryptedPackage".encode("utf-16-le") in head:
                raise DataError(
                    label,
                    say(
                        "是加了密码的工作簿；请在 Excel 里去掉密码（文件 → 信息 → 保护工作簿）后另存",
                        "is a password-protected workbook; remove the password in Excel (File → Info → "
                        "Protect Workbook) and save it again",
                    ),
                )
            raise DataError(
                label,
                say(
                    "是旧版 Excel 97-2003 工作簿；请在 Excel 中打开并另存为 .xlsx",
                    "is an old Excel 97-2003 workbook; open it in Excel and save it as .xlsx",
                ),
            )
        if head.startswith(b"PK\x03\x04"):
            raise DataError(label, damaged_xlsx())
        raise DataError(
            label,
            say(
                "不是有效的 .xlsx 文件（是不是旧版 .xls，或改名为 .xlsx 的 CSV？）",
                "is not a valid .xlsx file (is it an old .xls, or a CSV renamed .xlsx?)",
            ),
        )
    unpacked = _unpacked_size(path, label)
    if unpacked > MAX_DATA_BYTES:  # a small zip can unpack to gigabytes (a "zip bomb")
        raise DataError(
            label,
            say(
                f"解压后为 {unpacked:,} 字节；数据文件不能超过 {MAX_DATA_BYTES:,} 字节",
                f"unpacks to {unpacked:,} bytes; data files are limited to {MAX_DATA_BYTES:,} bytes",
            ),
        )


def _read_sheets(book, path: Path, label: str, sheet: str | None) -> tuple[list[SheetTable], list[str]]:
    names = book.sheetnames
    charts = {ws.title for ws in getattr(book, "chartsheets", [])}
    if sheet is not None and sheet != ALL_SHEETS:
        if sheet not in names:
            raise DataError(
                label,
                say(
                    f"没有名为 {sheet!r} 的工作表；现有工作表：{'、'.join(names)}",
                    f"has no sheet named {sheet!r}; its sheets are: {', '.join(names)}",
                ),
            )
        if sheet in charts:
            raise DataError(
                label,
                say(f"工作表 {sheet!r} 是图表，不是数据表", f"sheet {sheet!r} is a chart, not a table of data"),
            )
        targets = [sheet]
    else:
        visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
        targets = visible or [ws.title for ws in book.worksheets][:1]
        if not targets:
            raise DataError(label, say("没有工作表，只有图表", "has no worksheet, only charts"))
    tables, skipped = [], []
    books = _Books(path, book)
    try:
        with zipfile.ZipFile(path) as archive:
            for name in targets:
                cells, xml = _sheet_cells(books, archive, label, name)
                found = table(name, cells, xml, label, required=len(targets) == 1)
                if found is None:
                    skipped.append(name)
                else:
                    tables.append(found)
        if not tables:  # several visible sheets, none with a table: report on the first
            table(targets[0], openpyxl_cells(books.reference()[targets[0]], label, targets[0]), SheetXml(), label, True)
    finally:
        books.close()
    return tables, skipped


class _Books:
    """python-calamine's workbook for the cells, and openpyxl's (the reference reader, with its
    shared strings) opened only if some sheet has to be read by it."""

    def __init__(self, path: Path, meta):
        self.path = path
        self.meta = meta  # openpyxl's book without its shared strings: sheet names, states, parts
        self.calamine = _calamine_book(path)
        self._reference = None

    def reference(self):
        if self._reference is None:
            self._reference = open_book(self.path)
        return self._reference

    def close(self) -> None:
        if self.calamine is not None:
            self.calamine.close()
        if self._reference is not None:
            self._reference.close()


def _calamine_book(path: Path):
    """python-calamine's workbook, or None when it cannot open the file (openpyxl reads it then)."""
    try:
        from python_calamine import CalamineWorkbook

        return CalamineWorkbook.from_path(str(path))
    except Exception:  # CalamineError, XmlError, ...: openpyxl opened it, so openpyxl reads it
        return None


def _sheet_cells(books: _Books, archive: zipfile.ZipFile, label: str, name: str) -> tuple[Cells, SheetXml]:
    """The sheet's cells and what its XML says, by python-calamine when it is safe to, else openpyxl."""
    part = getattr(books.meta[name], "_worksheet_path", None)
    try:
        xml = scan_sheet(archive, part)
    except _SCAN_FAILURES:
        xml = None  # damaged XML: openpyxl reads the sheet and names the damage
    if books.calamine is not None and xml is not None and xml.extent is not None:
        rows, columns = xml.extent
        if rows * columns <= safety.MAX_DATA_CELLS:  # calamine holds every cell of the rectangle
            try:
                return calamine_cells(books.calamine.get_sheet_by_name(name), xml), xml
            except Exception:  # anything calamine cannot read: openpyxl reads it, or says why not
                pass
    cells = openpyxl_cells(books.reference()[name], label, name)
    if xml is None:
        try:
            xml = scan_sheet(archive, part)
        except _SCAN_FAILURES:
            xml = SheetXml()
    return cells, xml


def _unsaved_formulas(path: Path, tables: list[SheetTable]) -> None:
    """Formulas whose result was never saved are problems: openpyxl reads them as blanks.

    Excel saves every formula's last result; files written by scripts often do not, and such a
    cell would silently become a missing value. The second, formula-reading pass runs only for
    sheets that have formulas at all, and looks only at their blank cells.
    """
    todo = [t for t in tables if t.xml.unsaved_formulas and blank_cells(t.rows).any()]
    if not todo:
        return
    book = open_book(path, data_only=False)
    try:
        for t in todo:
            ws = book[t.name]
            ws.reset_dimensions()
            wanted = {n: i for i, n in enumerate(t.row_numbers)}
            hits = []
            for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                i = wanted.get(number)
                if i is None:
                    continue
                for j, v in enumerate(cells[: len(t.columns)]):
                    is_formula = (isinstance(v, str) and v.startswith("=")) or type(v).__name__.endswith("Formula")
                    if is_formula and is_blank(t.rows.iat[i, j]):
                        hits.append(
                            (number, t.columns[j], v if isinstance(v, str) else say("数组公式", "an array formula"))
                        )
            for number, column, formula in hits:
                t.problems.append(
                    sheet_problem(
                        t.name,
                        number,
                        column=column,
                        rule=say(
                            f"公式 {formula} 没有保存计算结果；请在 Excel 里打开并保存，或粘贴为数值",
                            f"the formula {formula} has no saved result; open the file in Excel and save it, "
                            "or paste the values in",
                        ),
                    )
                )
    finally:
        book.close()
