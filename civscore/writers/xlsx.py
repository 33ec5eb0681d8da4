"""XLSX via xlsxwriter: a :class:`~civscore.tables.book.Workbook` value written as it prints.

Hand-out sheets (the 通报 ranking, the 整改清单, the comparison) get a title, 制表单位/日期,
header rows and name columns repeated on every printed page, A4 landscape fitted to the page
width, wrapped text with row heights that fit it, and 第 x 页 共 y 页 footers. Data sheets (the
contract's result table) keep one header row and an autofilter. Every highlight is a static cell
format: LibreOffice 7.4 cannot export conditional formats combined with fit-to-page to PDF.

xlsxwriter writes the title block, headers, styles, page set-up and the package; the rows of a
table are streamed in as XML built a column at a time (writers/xlsx_rows.py), one block of rows
in memory at a time: a 200,000-unit ranking takes seconds, not minutes.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import xlsxwriter
from isal import isal_zlib
from xlsxwriter.worksheet import Worksheet

from civscore.errors import OutputError
from civscore.scoring.scored import Scored
from civscore.tables.book import Sheet, Workbook
from civscore.words import say
from civscore.writers.atomic import atomic_path, check_output_target, write_atomic
from civscore.writers.safe_text import neutralise
from civscore.writers.xlsx_rows import cell_afters, column_cells, rows_xml
from civscore.writers.xlsx_widths import display_width, display_widths, line_counts

SUFFIX = ".xlsx"
ORDER = 2  # the place in messages listing the formats
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

FONT = "宋体"  # what Chinese Excel, WPS and LibreOffice (with fonts-noto-cjk as fallback) all have
# Sheets are fitted to the page width: 11 pt text on a sheet of ~125 character widths prints at
# about 9.5 pt on A4 landscape (LibreOffice and Excel scale it to ~87 %).
BODY_PT = 11
HEADER_PT = 10
FLAG_FONT = "#9C0006"  # dark red text on a light red fill: vetoed units, also clear in grey print
FLAG_FILL = "#FDE2E1"
BAND_FILL = "#F2F2F2"
HEADER_FILL = "#D9D9D9"
# points of row height per line of 11 pt text, as Excel and LibreOffice lay it out
LINE_PT = 14.5
# points per line of wrapped 11 pt text in a row of several lines: Noto Sans CJK, the font
# LibreOffice and WPS fall back to for Chinese, sets lines ~1.45 em apart (measured in its PDFs)
WRAPPED_LINE_PT = 16.0
# rows turned into XML at a time: bounds the memory a sheet of any length takes while written
BLOCK_ROWS = 20_000


def write_table(table: pd.DataFrame, tmp: Path, sheet: str | None = None) -> None:
    """One data sheet holding ``table``, text kept as text (never a formula, URL or number)."""
    write_book_to(Workbook((Sheet(sheet or "Sheet1", table, kind="data"),)), tmp)


def write_result(result: Scored, tmp: Path) -> None:
    """The ranking workbook: 通报 first, then the result table, points, the rubric and 说明."""
    _write_workbook(result, tmp)


# Points per indicator beyond this many (units x indicators) go to a Parquet file beside the
# workbook: a sheet of 200,000 x 100 numbers is more than Excel, WPS or LibreOffice handle
# usefully, and writing it would be most of the time spent.
MAX_POINTS = 100_000 * 100
MAX_POINTS_ENV = "CIVSCORE_XLSX_MAX_POINTS"


def max_points() -> int:
    """The points a ranking workbook holds at most: CIVSCORE_XLSX_MAX_POINTS, else MAX_POINTS."""
    said = os.environ.get(MAX_POINTS_ENV, "").strip().replace("_", "")
    return int(said) if said.isdigit() else MAX_POINTS


def points_file(path: str | Path) -> Path:
    """Where the points of a ranking workbook go when they are too many: ``<name>_points.parquet``."""
    path = Path(path)
    return path.with_name(f"{path.stem}_points.parquet")


def points_beside(result: Scored, path: str | Path, limit: int | None = None) -> Path | None:
    """The file the points per indicator go to when ``result`` is written to the workbook
    ``path`` (:func:`write_result_file`), or None when they are a sheet of the workbook."""
    if Path(path).suffix.lower() != SUFFIX or result.points.size <= (max_points() if limit is None else limit):
        return None
    return points_file(path)


def write_result_file(result: Scored, path: str | Path, limit: int | None = None) -> Path:
    """Write the ranking workbook to ``path`` atomically; points per indicator beyond ``limit``
    (default :func:`max_points`) go to :func:`points_file` instead of a sheet, and 说明 says so.

    The points file is in place before the workbook that names it; a failure leaves neither.
    """
    from civscore.tables.bulletin import ranking_book
    from civscore.tables.result_sheets import indicator_points_table
    from civscore.writers.parquet import write_table as write_parquet

    beside = points_beside(result, path, limit)
    if beside is None:
        return write_atomic(path, lambda tmp: _write_workbook(result, tmp))
    check_output_target(beside, [p for p in (result.report.source, result.rubric.path) if p])
    book = ranking_book(result, points_file=beside.name)
    with atomic_path(path) as tmp_book:
        with atomic_path(beside) as tmp_points:
            write_parquet(indicator_points_table(result), tmp_points)
            write_book_to(book, tmp_book)
    return Path(path)


def _write_workbook(result: Scored, path: Path | BinaryIO) -> None:
    from civscore.tables.bulletin import ranking_book

    write_book_to(ranking_book(result), path)


def write_book(book: Workbook, path: str | Path) -> Path:
    """Write ``book`` to ``path`` atomically: the whole workbook or nothing."""
    for sheet in book.sheets:
        check_fits(sheet.table, path, header_rows=2 + bool(sheet.title) + len(sheet.notes) + bool(sheet.spanners))
    return write_atomic(path, lambda tmp: write_book_to(book, tmp))


# Excel's sheet size (Excel specifications and limits); xlsxwriter refuses anything larger.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384


def check_fits(table: pd.DataFrame, path: str | Path, header_rows: int = 1) -> None:
    """Raise :class:`civscore.errors.OutputError` if ``table`` cannot be one Excel sheet."""
    rows, cols = len(table) + header_rows, table.shape[1]
    if rows > MAX_ROWS or cols > MAX_COLUMNS:
        raise OutputError(
            str(path),
            say(
                f"{len(table):,} 行 × {cols:,} 列超出 Excel 工作表的上限（{MAX_ROWS:,} 行 × {MAX_COLUMNS:,} 列）；"
                "请写成 .csv 或 .parquet；未写入任何文件",
                f"{len(table):,} rows × {cols:,} columns do not fit in an Excel sheet (at most {MAX_ROWS:,} rows × "
                f"{MAX_COLUMNS:,} columns); write .csv or .parquet instead; nothing was written",
            ),
        )


def write_book_to(book: Workbook, tmp: Path | BinaryIO) -> None:
    """Write ``book`` to the (temporary) file ``tmp``."""
    staged = io.BytesIO()
    xw = xlsxwriter.Workbook(staged, XLSX_OPTIONS | {"in_memory": True})
    try:
        for sheet in book.sheets:
            if sheet.kind == "data":
                _data_sheet(xw, sheet)
            else:
                _HandoutWriter(xw, sheet).write()
    finally:
        xw.close()
    bodies = {ws.marker: ws.body for ws in xw.worksheets() if isinstance(ws, _StreamedWorksheet) and ws.body}
    _package(staged, tmp, bodies)


def _package(
    staged: io.BytesIO, target: Path | BinaryIO, bodies: dict[bytes, Callable[[], Iterator[memoryview]]]
) -> None:
    """Copy xlsxwriter's package to ``target``, each table body streamed into its sheet in place
    of its marker. Bodies are compressed fast (ISA-L, level 1): they are nearly all of a big
    workbook's bytes, and zlib's default level would take longer than building them."""
    with zipfile.ZipFile(staged) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            marker = next((m for m in bodies if info.filename.startswith("xl/worksheets/") and m in data), None)
            if marker is None:
                out.writestr(info, data)
                continue
            head, tail = data.split(marker, 1)
            member = zipfile.ZipInfo(info.filename, info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            with out.open(member, "w", force_zip64=True) as sheet:
                # ISA-L's deflate (level 1) instead of zlib's: several times faster and no larger;
                # any inflate reads it. _compressor is where ZipFile's writer keeps its compressor.
                sheet._compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)  # type: ignore[attr-defined]
                sheet.write(head)
                _write_blocks(sheet, bodies[marker]())
                sheet.write(tail)


def _write_blocks(sheet: IO[bytes], blocks: Iterator[memoryview]) -> None:
    """Write ``blocks`` to the zip member ``sheet``, each compressed in a second thread while
    the next one is built (deflate and CRC release the GIL): on a machine with a core to
    spare, a big sheet takes the time of the slower of the two, not of both."""
    write = _member_writer(sheet)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for block in blocks:
            if pending is not None:
                pending.result()
            pending = pool.submit(write, block)
        if pending is not None:
            pending.result()


_MEMBER_STATE = ("_file_size", "_crc", "_compressor", "_compress_size", "_fileobj")


def _member_writer(sheet: IO[bytes]) -> Callable[[memoryview], object]:
    """``sheet.write``, with the CRC-32 by ISA-L: what ``ZipFile``'s writer does for a block
    (count, CRC, compress, write), where zlib's CRC alone would take about as long as ISA-L's
    deflate. The same checksum; zipfile's own ``write`` where its writer keeps its state
    elsewhere."""
    if not all(hasattr(sheet, name) for name in _MEMBER_STATE):
        return sheet.write
    member = sheet

    def write(block: memoryview) -> None:
        member._file_size += block.nbytes  # type: ignore[attr-defined]
        member._crc = isal_zlib.crc32(block, member._crc)  # type: ignore[attr-defined]
        data = member._compressor.compress(block)  # type: ignore[attr-defined]
        member._compress_size += len(data)  # type: ignore[attr-defined]
        member._fileobj.write(data)  # type: ignore[attr-defined]

    return write


class _StreamedWorksheet(Worksheet):
    """An xlsxwriter worksheet whose table body arrives as ready XML, block by block.

    The rows above the body (title, notes, headers) are ordinary xlsxwriter cells. xlsxwriter
    writes them followed by a marker; :func:`_package` puts the body's blocks in its place.
    """

    body: Callable[[], Iterator[memoryview]] | None = None

    @property
    def marker(self) -> bytes:
        return f"<!--civscore body {id(self)}-->".encode()

    def stream_body(self, top: int, n_rows: int, n_cols: int, blocks: Callable[[], Iterator[memoryview]]) -> None:
        """Rows ``top`` .. ``top + n_rows - 1`` come from ``blocks()`` (the UTF-8 XML of whole rows)."""
        if not n_rows or not n_cols:
            return
        self.body = blocks
        self.body_top = top
        # the sheet's used range (<dimension>, what print areas and readers go by) covers the body
        self._check_dimensions(top, 0)
        self._check_dimensions(top + n_rows - 1, n_cols - 1)

    def _write_sheet_data(self) -> None:
        if self.body is None:
            super()._write_sheet_data()
            return
        self._xml_start_tag("sheetData")
        if self.dim_rowmin is not None and self.dim_rowmin < self.body_top:
            used: int = self.dim_rowmax  # type: ignore[has-type]
            self.dim_rowmax = self.body_top - 1  # xlsxwriter's own rows: everything above the body
            try:
                self._write_rows()
            finally:
                self.dim_rowmax = used
        self.fh.write(self.marker.decode())
        self._xml_end_tag("sheetData")


class _Formats:
    """xlsxwriter formats made once per distinct combination (a workbook holds a limited number)."""

    def __init__(self, book) -> None:
        self.book = book
        self.made: dict[tuple, object] = {}

    def get(self, **props) -> object:
        key = tuple(sorted(props.items()))
        if key not in self.made:
            self.made[key] = self.book.add_format({"font_name": FONT, **props})
        return self.made[key]

    def style(self, **props) -> str:
        """The ``s`` attribute text of a streamed cell with these properties."""
        return style_attribute(self.get(**props))


def style_attribute(fmt) -> str:
    """'" s="N' for a format (the closing quote comes with the cell), '' for none.

    Asking for the index now registers the format with the workbook, as writing a cell would.
    """
    return "" if fmt is None else f'" s="{fmt._get_xf_index()}'


def _body_blocks(
    table: pd.DataFrame, top: int, styles: list[np.ndarray], row_class: np.ndarray, heights: np.ndarray | None
) -> Callable[[], Iterator[memoryview]]:
    """The XML of ``table``'s rows from sheet row ``top``: column j of a row in class c gets the
    style ``styles[j][c]``."""
    afters = cell_afters(table.shape[1])

    def blocks() -> Iterator[memoryview]:
        columns = [column_cells(table.iloc[:, j], styles[j].tolist(), afters[j]) for j in range(table.shape[1])]
        for start in range(0, len(table), BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, len(table))
            classes = row_class[start:stop]
            cells = [column(start, stop, classes) for column in columns]
            yield rows_xml(top + start, stop - start, cells, None if heights is None else heights[start:stop])

    return blocks


def _data_sheet(book, sheet: Sheet) -> None:
    """A machine-readable sheet: one bold header row, frozen, autofilter, fitted widths."""
    table = sheet.table
    ws = book.add_worksheet(sheet.name, worksheet_class=_StreamedWorksheet)
    formats = _Formats(book)
    header = formats.get(bold=True, text_wrap=True, valign="top", bg_color=HEADER_FILL, border=1)
    n = len(table)
    flagged = sheet.flagged if sheet.flagged is not None and sheet.flagged.any() else np.zeros(n, dtype=bool)
    styles = []
    widths: list[float] = []
    for j, col in enumerate(table.columns):
        ws.write_string(0, j, neutralise(str(col)), header)
        values = table.iloc[:, j]
        number = sheet.number_formats.get(str(col))
        is_float = pd.api.types.is_float_dtype(values.dtype)
        if number is None and is_float:
            number = "0.00"
        width = sheet.widths.get(str(col)) or (
            min(max(_widest(col, values.head(2000)), 6) + 2, 60) if not is_float else max(display_width(col), 8) + 2
        )
        column = formats.get(num_format=number) if number else None
        ws.set_column(j, j, width, column)
        widths.append(width)
        # a cell without a format of its own shows its column's, as xlsxwriter writes it;
        # a vetoed unit's whole row in dark red bold: static formats, exportable to PDF
        flag = formats.get(bold=True, font_color=FLAG_FONT, **({"num_format": number} if number else {}))
        styles.append(np.array([style_attribute(column), style_attribute(flag)], dtype=object))
    ws.stream_body(1, n, table.shape[1], _body_blocks(table, 1, styles, flagged.astype(np.int64), None))
    for j, text in enumerate(sheet.header_notes.get(str(c), "") for c in table.columns):
        if text:
            ws.write_comment(0, j, neutralise(text), {"x_scale": 2, "y_scale": 0.8})
    ws.freeze_panes(1, sheet.key_columns)
    if n:
        ws.autofilter(0, 0, n, max(table.shape[1] - 1, 0))
    _data_page_setup(ws, sheet.key_columns, sum(widths))


# Inches of paper left and right of every printed sheet.
SIDE_MARGIN = 0.4
# The most column width shrunk to one landscape A4 page wide with 11 pt text printed at 8.5 pt
# or more: a width unit is ~7.1 pt of paper (see text_room), the page 842 pt less the side
# margins, so ~110 units fit at 100 % and 142 at 77 %.
FIT_WIDTH_CHARS = (842 - 2 * SIDE_MARGIN * 72) / 7.1 * BODY_PT / 8.5


def _on_a4(ws, landscape: bool, footer: str) -> None:
    """A4 in the given orientation, the margins of every printed sheet, ``footer`` below."""
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=0.5, bottom=0.6)
    ws.set_footer(footer)


def _data_page_setup(ws, key_columns: int, total_width: float) -> None:
    """A data sheet printed as people print a problem list or a candidate sheet: A4 landscape,
    the header row (and key columns) on every page, 第 x 页 共 y 页 below; one page wide when
    that keeps the text readable, else its columns run on over pages beside the key columns."""
    _on_a4(ws, landscape=True, footer=say("&C第 &P 页 共 &N 页", "&CPage &P of &N"))
    ws.repeat_rows(0)
    if total_width <= FIT_WIDTH_CHARS:
        ws.fit_to_pages(1, 0)  # one page wide, as many long as needed
    elif key_columns:
        ws.repeat_columns(0, key_columns - 1)


def _widest(header: object, sample: pd.Series) -> int:
    """The widest of a column's header and the (formula-safe) text of its sampled cells."""
    shown = [neutralise(v) if isinstance(v, str) else str(v) for v in sample[sample.notna()].tolist()]
    return int(max(display_width(header), *display_widths(shown).tolist(), 0)) if shown else display_width(header)


def _shown_text(values: pd.Series) -> pa.Array:
    """A column as the text its cells show, for measuring it ('' for blanks)."""
    if isinstance(values.dtype, pd.StringDtype):
        return pa.array(values, type=pa.string(), from_pandas=True)
    return pa.array(values.astype(object).where(values.notna(), "").map(str).tolist(), type=pa.string())


def text_room(width: float, font_pt: float = BODY_PT) -> float:
    """Display widths of ``font_pt`` text that fit one line of a column ``width`` wide.

    A column width unit is about 7.1 pt of paper at 100 % (measured in LibreOffice's PDFs); a
    display width (half a CJK character) is half the font size; a cell keeps ~0.7 units of padding.
    """
    return max((width - 0.7) * 7.1 / (font_pt / 2), 1.0)


class _HandoutWriter:
    """Writes one hand-out sheet: title block, (spanned) header, body, page set-up."""

    def __init__(self, book, sheet: Sheet) -> None:
        self.sheet = sheet
        self.ws = book.add_worksheet(sheet.name, worksheet_class=_StreamedWorksheet)
        self.formats = _Formats(book)
        self.table = sheet.table
        self.columns = [str(c) for c in self.table.columns]
        self.widths = self._widths()

    def write(self) -> None:
        row = self._title_block()
        row = self._header(row)
        self._body(row)
        self._page_setup(row)

    def _widths(self) -> list[float]:
        out = []
        for col in self.columns:
            if col in self.sheet.widths:
                out.append(float(self.sheet.widths[col]))
                continue
            values = self.table[col].head(500)
            present = values[values.notna()]
            if pd.api.types.is_float_dtype(values.dtype):
                widest = max(map(len, map("{:.2f}".format, present.tolist())), default=4)
            else:
                widest = int(display_widths(present.map(str)).max()) if len(present) else 4
            # headers wrap onto two lines, cells up to 30 widths; wider text wraps (row heights fit it)
            out.append(float(min(max(widest + 2, math.ceil(display_width(col) / 2) + 2, 6), 30)))
        return out

    def _title_block(self) -> int:
        last = max(len(self.columns) - 1, 0)
        row = 0
        if self.sheet.title:
            fmt = self.formats.get(bold=True, font_size=16, align="center", valign="vcenter")
            self._merged(row, last, self.sheet.title, fmt, 24)
            row += 1
        note = self.formats.get(font_size=BODY_PT, text_wrap=True, valign="top")
        page = sum(self.widths)
        for text in self.sheet.notes:
            lines = max(1, math.ceil(display_width(text) / text_room(page)))
            self._merged(row, last, text, note, LINE_PT * lines + 2)
            row += 1
        return row + (1 if row else 0)

    def _merged(self, row: int, last: int, text: str, fmt, height: float) -> None:
        if last:
            self.ws.merge_range(row, 0, row, last, neutralise(text), fmt)
        else:
            self.ws.write_string(row, 0, neutralise(text), fmt)
        self.ws.set_row(row, height)

    def _header(self, row: int) -> int:
        fmt = self.formats.get(
            bold=True,
            text_wrap=True,
            align="center",
            valign="vcenter",
            bg_color=HEADER_FILL,
            border=1,
            font_size=BODY_PT,
        )
        spanned = {c: label for label, cols in self.sheet.spanners for c in cols}
        lines = max((math.ceil(display_width(c) / max(w - 1, 1)) for c, w in zip(self.columns, self.widths)), default=1)
        if spanned:
            for label, cols in self.sheet.spanners:
                idx = [self.columns.index(c) for c in cols if c in self.columns]
                if idx:
                    first, last = min(idx), max(idx)
                    if last > first:
                        self.ws.merge_range(row, first, row, last, neutralise(label), fmt)
                    else:
                        self.ws.write_string(row, first, neutralise(label), fmt)
            for j, col in enumerate(self.columns):
                if col in spanned:
                    self.ws.write_string(row + 1, j, neutralise(col), fmt)
                else:
                    self.ws.merge_range(row, j, row + 1, j, neutralise(col), fmt)
            self.ws.set_row(row, LINE_PT + 4)
            self.ws.set_row(row + 1, LINE_PT * lines + 4)
            self.header_rows = (row, row + 1)
            return row + 2
        for j, col in enumerate(self.columns):
            self.ws.write_string(row, j, neutralise(col), fmt)
        self.ws.set_row(row, LINE_PT * lines + 4)
        self.header_rows = (row, row)
        return row + 1

    def _body(self, top: int) -> None:
        sheet, table = self.sheet, self.table
        n = len(table)
        flagged = sheet.flagged if sheet.flagged is not None else np.zeros(n, dtype=bool)
        band = sheet.band if sheet.band is not None else np.zeros(n, dtype=bool)
        # each row is plain (0), shaded as part of a unit's block (1) or a vetoed unit's (2)
        row_class = np.where(flagged, 2, np.where(band, 1, 0))
        looks: list[dict] = [
            {},
            {"bg_color": BAND_FILL},
            {"bold": True, "font_color": FLAG_FONT, "bg_color": FLAG_FILL},
        ]
        styles = []
        for j, col in enumerate(self.columns):
            dtype = table.iloc[:, j].dtype
            numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
            number = sheet.number_formats.get(col) or (
                "0.00" if pd.api.types.is_float_dtype(dtype) else "0" if numeric else None
            )
            props: dict = {"border": 1, "valign": "top", "font_size": BODY_PT, "align": "right" if numeric else "left"}
            if number:
                props["num_format"] = number
            if col in sheet.wrap:
                props["text_wrap"] = True
            styles.append(np.array([self.formats.style(**props, **look) for look in looks], dtype=object))
        blocks = _body_blocks(table, top, styles, row_class, self._row_heights())
        self.ws.stream_body(top, n, len(self.columns), blocks)

    def _row_heights(self) -> np.ndarray:
        """Points per row so that wrapped text never overprints the next row."""
        n = len(self.table)
        lines = np.ones(n)
        for j, col in enumerate(self.columns):
            if col in self.sheet.wrap:
                texts = _shown_text(self.table.iloc[:, j])
                lines = np.maximum(lines, line_counts(texts, text_room(self.widths[j])))
        # one line: 15 pt, as Excel sets it; wrapped Chinese text needs the CJK font's taller lines
        return np.where(lines > 1, lines * WRAPPED_LINE_PT + 2, LINE_PT + 0.5)

    def _page_setup(self, first_body: int) -> None:
        ws, sheet = self.ws, self.sheet
        for j, width in enumerate(self.widths):
            ws.set_column(j, j, width)
        top, bottom = self.header_rows
        ws.freeze_panes(bottom + 1, sheet.key_columns)
        ws.repeat_rows(top, bottom)
        if sheet.autofilter and len(self.table):
            ws.autofilter(bottom, 0, first_body + len(self.table) - 1, max(len(self.columns) - 1, 0))
        if sheet.key_columns:
            ws.repeat_columns(0, sheet.key_columns - 1)
        _on_a4(ws, sheet.landscape, footer="&C第 &P 页 共 &N 页")
        ws.center_horizontally()
        ws.fit_to_pages(1, 0)  # one page wide, as many long as needed


__all__ = [
    "SUFFIX",
    "display_width",
    "max_points",
    "points_beside",
    "points_file",
    "write_book",
    "write_book_to",
    "write_result",
    "write_result_file",
    "write_table",
]
