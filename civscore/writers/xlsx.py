"""XLSX via xlsxwriter: a :class:`~civscore.tables.book.Workbook` value written as it prints.

Hand-out sheets (the 通报 ranking, the 整改清单, the comparison) get a title, 制表单位/日期,
header rows and name columns repeated on every printed page, A4 landscape fitted to the page
width, wrapped text with row heights that fit it, and 第 x 页 共 y 页 footers. Data sheets (the
contract's result table) keep one header row and an autofilter. Every highlight is a static cell
format: LibreOffice 7.4 cannot export conditional formats combined with fit-to-page to PDF.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from civscore.errors import OutputError
from civscore.scoring.scored import Scored
from civscore.tables.book import Sheet, Workbook
from civscore.words import say
from civscore.writers.atomic import write_atomic
from civscore.writers.safe_text import neutralise, neutralise_frame

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


def display_width(text: object) -> int:
    """Width of text in a spreadsheet cell: East Asian wide characters count twice."""
    s = str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def write_table(table: pd.DataFrame, tmp: Path, sheet: str | None = None) -> None:
    """One data sheet holding ``table``, text kept as text (never a formula, URL or number)."""
    write_book_to(Workbook((Sheet(sheet or "Sheet1", table, kind="data"),)), tmp)


def write_result(result: Scored, tmp: Path) -> None:
    """The ranking workbook: 通报 first, then the result table, points, the rubric and 说明."""
    _write_workbook(result, tmp)


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
    with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as xw:
        for sheet in book.sheets:
            if sheet.kind == "data":
                _data_sheet(xw, sheet)
            else:
                _HandoutWriter(xw.book, sheet).write()


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


def _data_sheet(writer: pd.ExcelWriter, sheet: Sheet) -> None:
    """A machine-readable sheet: one bold header row, frozen, autofilter, fitted widths."""
    safe = neutralise_frame(sheet.table)
    name = sheet.name
    safe.to_excel(writer, sheet_name=name, index=False)
    ws = writer.sheets[name]
    formats = _Formats(writer.book)
    header = formats.get(bold=True, text_wrap=True, valign="top", bg_color=HEADER_FILL, border=1)
    for j, col in enumerate(sheet.table.columns):
        ws.write_string(0, j, neutralise(str(col)), header)
        values = safe.iloc[:, j]
        number = sheet.number_formats.get(str(col))
        is_float = pd.api.types.is_float_dtype(values.dtype)
        if number is None and is_float:
            number = "0.00"
        widest = max([display_width(col), *(display_width(v) for v in values.head(2000) if pd.notna(v))], default=6)
        width = sheet.widths.get(str(col)) or (
            min(max(widest, 6) + 2, 60) if not is_float else max(display_width(col), 8) + 2
        )
        ws.set_column(j, j, width, formats.get(num_format=number) if number else None)
    if sheet.flagged is not None and sheet.flagged.any():
        # the whole row of a vetoed unit in dark red bold: static formats, exportable to PDF
        for i in np.flatnonzero(sheet.flagged):
            for j, col in enumerate(sheet.table.columns):
                number = sheet.number_formats.get(str(col)) or (
                    "0.00" if pd.api.types.is_float_dtype(safe.iloc[:, j].dtype) else None
                )
                fmt = formats.get(bold=True, font_color=FLAG_FONT, **({"num_format": number} if number else {}))
                _write_cell(ws, int(i) + 1, j, safe.iat[int(i), j], fmt)
    for j, text in enumerate(sheet.header_notes.get(str(c), "") for c in sheet.table.columns):
        if text:
            ws.write_comment(0, j, neutralise(text), {"x_scale": 2, "y_scale": 0.8})
    ws.freeze_panes(1, sheet.key_columns)
    if len(safe):
        ws.autofilter(0, 0, len(safe), max(len(safe.columns) - 1, 0))
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(0)


def _write_cell(ws, row: int, col: int, value: object, fmt) -> None:
    if value is None or value is pd.NA or value == "" or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, (bool, np.bool_)):
        ws.write_boolean(row, col, bool(value), fmt)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, neutralise(str(value)), fmt)


def text_room(width: float, font_pt: float = BODY_PT) -> float:
    """Display widths of ``font_pt`` text that fit one line of a column ``width`` wide.

    A column width unit is about 7.1 pt of paper at 100 % (measured in LibreOffice's PDFs); a
    display width (half a CJK character) is half the font size; a cell keeps ~0.7 units of padding.
    """
    return max((width - 0.7) * 7.1 / (font_pt / 2), 1.0)


def _line_count(text: str, room: float) -> int:
    """Lines ``text`` takes in a wrapped cell ``room`` character widths wide."""
    return sum(max(1, math.ceil(display_width(part) / room)) for part in text.split("\n"))


class _HandoutWriter:
    """Writes one hand-out sheet: title block, (spanned) header, body, page set-up."""

    def __init__(self, book, sheet: Sheet) -> None:
        self.sheet = sheet
        self.ws = book.add_worksheet(sheet.name)
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
            values = self.table[col]
            cells = [display_width(v) for v in values.head(500) if v is not None and not pd.isna(v)]
            if pd.api.types.is_float_dtype(values.dtype):
                cells = [len(f"{v:.2f}") for v in values.head(500) if pd.notna(v)]
            widest = max(cells, default=4)
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
        kinds = []
        for j, col in enumerate(self.columns):
            numeric = pd.api.types.is_numeric_dtype(table.iloc[:, j].dtype) and not pd.api.types.is_bool_dtype(
                table.iloc[:, j].dtype
            )
            number = sheet.number_formats.get(col) or (
                "0.00" if pd.api.types.is_float_dtype(table.iloc[:, j].dtype) else "0" if numeric else None
            )
            kinds.append((numeric, number, col in sheet.wrap))
        heights = self._row_heights()
        for i, row in enumerate(table.itertuples(index=False)):  # writing cells is per cell by nature
            style: dict = {"border": 1, "valign": "top", "font_size": BODY_PT}
            if flagged[i]:
                style |= {"bold": True, "font_color": FLAG_FONT, "bg_color": FLAG_FILL}
            elif band[i]:
                style |= {"bg_color": BAND_FILL}
            for j, value in enumerate(row):
                numeric, number, wrap = kinds[j]
                props = dict(style, align="right" if numeric else "left")
                if number:
                    props["num_format"] = number
                if wrap:
                    props["text_wrap"] = True
                _write_cell(self.ws, top + i, j, value, self.formats.get(**props))
            self.ws.set_row(top + i, heights[i])
        self.body_rows = (top, top + n - 1)

    def _row_heights(self) -> np.ndarray:
        """Points per row so that wrapped text never overprints the next row."""
        n = len(self.table)
        lines = np.ones(n)
        for j, col in enumerate(self.columns):
            if col not in self.sheet.wrap:
                continue
            room = text_room(self.widths[j])
            texts = self.table.iloc[:, j].astype(object).where(self.table.iloc[:, j].notna(), "")
            counts = [_line_count(str(t), room) for t in texts]
            lines = np.maximum(lines, np.asarray(counts, dtype=float))
        return lines * LINE_PT + 0.5  # 15 pt for one line of 11 pt text, as Excel sets it

    def _page_setup(self, first_body: int) -> None:
        ws, sheet = self.ws, self.sheet
        for j, width in enumerate(self.widths):
            ws.set_column(j, j, width)
        top, bottom = self.header_rows
        ws.freeze_panes(bottom + 1, sheet.key_columns)
        ws.repeat_rows(top, bottom)
        if sheet.key_columns:
            ws.repeat_columns(0, sheet.key_columns - 1)
        ws.set_paper(9)  # A4
        if sheet.landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.center_horizontally()
        ws.fit_to_pages(1, 0)  # one page wide, as many long as needed
        ws.set_footer("&C第 &P 页 共 &N 页")


__all__ = ["SUFFIX", "display_width", "write_book", "write_book_to", "write_result", "write_table"]
