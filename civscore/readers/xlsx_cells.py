"""A sheet's cells, read by python-calamine (fast) or openpyxl (streaming, the reference), in
the values openpyxl gives: None for an empty cell, int for a whole number, datetime for a date,
the error text (``#DIV/0!``) for an error cell.

python-calamine gives ``""`` for empty and error cells, floats for every number and dates
without a time as ``date``; :func:`calamine_cells` turns its rectangle into openpyxl's values
in a few whole-array passes and puts the error texts found in the sheet's XML back. openpyxl
reads a sheet whenever calamine is not sure to read it the same way (see
:mod:`civscore.readers.xlsx`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import numpy as np
import pandas as pd

from civscore.errors import DataError
from civscore.readers.xlsx_xml import SheetXml
from civscore.words import say

_WHOLE = 2**53  # floats below this are exact integers; openpyxl reads "1001" as int 1001
_TYPE_OF = np.frompyfunc(type, 1, 1)


class Cells(Protocol):
    """The cells of one sheet, row by row from row 1."""

    def __len__(self) -> int: ...

    def row(self, i: int) -> list:
        """Row ``i`` (0-based) as a list of values."""
        ...

    def width(self, start: int, stop: int) -> int:
        """How many columns rows ``start``..``stop`` span, up to their last cell."""
        ...

    def block(self, start: int, width: int) -> pd.DataFrame:
        """Rows from ``start`` on, cut or padded to ``width`` columns (object dtype)."""
        ...


class ArrayCells:
    """A rectangle of values (python-calamine's sheet, converted)."""

    def __init__(self, values: np.ndarray):
        self.values = values

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def row(self, i: int) -> list:
        return self.values[i].tolist()

    def width(self, start: int, stop: int) -> int:
        filled = pd.notna(self.values[start:stop])
        columns = np.flatnonzero(filled.any(axis=0)) if filled.size else np.zeros(0, int)
        return int(columns[-1]) + 1 if columns.size else 0

    def block(self, start: int, width: int) -> pd.DataFrame:
        part = self.values[start:, :width]
        if part.shape[1] < width:
            pad = np.full((part.shape[0], width - part.shape[1]), None, dtype=object)
            part = np.concatenate([part, pad], axis=1)
        return pd.DataFrame(part, dtype=object)


class RowCells:
    """openpyxl's rows: tuples as long as each row's last cell."""

    def __init__(self, rows: list[tuple]):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, i: int) -> list:
        return list(self.rows[i])

    def width(self, start: int, stop: int) -> int:
        return max((len(r) for r in self.rows[start:stop]), default=0)

    def block(self, start: int, width: int) -> pd.DataFrame:
        # cut every row to the header's width first: one stray cell in column XFD would otherwise
        # widen the whole block to 16,384 columns
        block = pd.DataFrame([tuple(r[:width]) + (None,) * (width - len(r)) for r in self.rows[start:]], dtype=object)
        return block.reindex(columns=range(width))


def calamine_cells(sheet, xml: SheetXml) -> ArrayCells:
    """python-calamine's sheet as openpyxl would read it (the module's docstring says how)."""
    rows = sheet.to_python(skip_empty_area=False)
    height, width = len(rows), max((len(r) for r in rows), default=0)
    values = np.empty((height, width), dtype=object)
    if height and width:
        values[:] = rows
    del rows
    _as_openpyxl(values)
    for row, column, text in xml.errors:
        if row <= height and column <= width:
            values[row - 1, column - 1] = text
    return ArrayCells(values)


def _as_openpyxl(values: np.ndarray) -> None:
    """calamine's values changed in place into openpyxl's, over the whole rectangle at once.

    The cells' objects lie in memory row after row, as calamine made them: one pass in that
    order finds each cell's type; column by column each cell would be a cache miss (issue 16:
    50 s instead of 3 at 200k x 130).
    """
    flat = values.reshape(-1)  # a view: C order, as the objects were made
    types = _TYPE_OF(flat)
    text = np.flatnonzero(types == str)  # noqa: E721 (an array of types, not a type)
    flat[text[flat[text] == ""]] = None  # calamine's empty cell
    floats = np.flatnonzero(types == float)  # noqa: E721
    numbers = flat[floats].astype(np.float64)
    whole = (numbers == np.floor(numbers)) & (np.abs(numbers) < _WHOLE)  # openpyxl reads "1001" as int
    flat[floats[whole]] = numbers[whole].astype(np.int64).astype(object)
    for i in np.flatnonzero(types == datetime.date):  # calamine drops a midnight time; openpyxl keeps it
        flat[i] = datetime.datetime.combine(flat[i], datetime.time())


def open_book(path, data_only: bool = True, strings: bool = True):
    """openpyxl's read-only workbook, opened without the work this reader never uses.

    Read-only sheets look for their stored ``<dimension>`` when the workbook is opened, and parse
    the whole sheet when it has none (a 200k-row sheet: a minute); the dimension is never used
    here (``reset_dimensions``). Without ``strings`` the shared-string table is not read either
    (200k ids: two seconds): such a book serves for its sheets' names and states, not their cells.
    """
    import openpyxl
    import openpyxl.reader.excel as excel

    with _unsized(excel, strings):
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)


@contextmanager
def _unsized(excel, strings: bool) -> Iterator[None]:
    original, read_strings = excel.ReadOnlyWorksheet, excel.ExcelReader.read_strings

    class Unsized(original):  # type: ignore[misc, valid-type]
        def _get_size(self) -> None:
            return None

    excel.ReadOnlyWorksheet = Unsized
    if not strings:
        excel.ExcelReader.read_strings = lambda self: setattr(self, "shared_strings", [])
    try:
        yield
    finally:
        excel.ReadOnlyWorksheet, excel.ExcelReader.read_strings = original, read_strings


def openpyxl_cells(ws, label: str, name: str) -> RowCells:
    """The sheet's rows through openpyxl's streaming reader, with the stored dimension ignored."""
    ws.reset_dimensions()  # never trust the stored <dimension>: read the cells that are there
    try:
        return RowCells(list(ws.iter_rows(values_only=True)))
    except Exception as exc:  # expat, zlib, openpyxl value errors on damaged sheet XML
        raise DataError(
            label,
            say(
                f"工作表 {name!r} 的内容已损坏（{type(exc).__name__}）；请在 Excel 里打开并另存一份",
                f"sheet {name!r} is damaged ({type(exc).__name__}: {_first_line(exc)}); "
                "open the workbook in Excel and save a copy",
            ),
        ) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:80] if text else ""
