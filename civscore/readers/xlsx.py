"""Excel workbooks: the chosen (or first visible) sheet, formulas without saved values refused."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from civscore.errors import DataError
from civscore.readers.csv import _check_header
from civscore.readers.safety import _OLE_MAGIC, MAX_DATA_BYTES, _unpacked_size


def _read_xlsx(path: Path, label: str, sheet: str | None) -> pd.DataFrame:
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic == _OLE_MAGIC:
            raise DataError(label, "is an old Excel 97-2003 workbook; open it in Excel and save it as .xlsx")
        if magic == b"PK\x03\x04":
            raise DataError(label, "is a damaged or truncated .xlsx file; save or download it again")
        raise DataError(label, "is not a valid .xlsx file (is it an old .xls, or a CSV renamed .xlsx?)")
    unpacked = _unpacked_size(path, label)
    if unpacked > MAX_DATA_BYTES:  # a small zip can unpack to gigabytes (a "zip bomb")
        raise DataError(label, f"unpacks to {unpacked:,} bytes; data files are limited to {MAX_DATA_BYTES:,} bytes")
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise DataError(label, f"is not a readable .xlsx file ({type(exc).__name__})") from None
    try:
        names = book.sheetnames
        if sheet is None:
            visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
            target = visible[0] if visible else names[0]
        elif sheet in names:
            target = sheet
        else:
            raise DataError(label, f"has no sheet named {sheet!r}; its sheets are: {', '.join(names)}")
        rows = book[target].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DataError(label, f"sheet {target!r} is empty")
        header_names = ["" if h is None else str(h).strip() for h in header]
        body = [list(r) for r in rows]
    finally:
        book.close()
    while header_names and not header_names[-1]:
        header_names.pop()
    width = len(header_names)
    if not width:
        raise DataError(label, f"sheet {target!r} has no header row")
    if width == 1 and any(sum(v is not None for v in r) > 1 for r in body[:20]):
        raise DataError(
            label,
            f"sheet {target!r} has a single cell ({header_names[0]!r}) in row 1 above wider rows; "
            "is it a title? Delete title rows so that the column names are in row 1",
        )
    missing_names = [i + 1 for i, h in enumerate(header_names) if not h]
    if missing_names:
        cols = ", ".join(_excel_column(i) for i in missing_names)
        raise DataError(
            label,
            f"sheet {target!r} has header cells without a name in column {cols} "
            "(merged header cells? give every column its own one-row header)",
        )
    _check_header(header_names, label)
    body = [r[:width] + [None] * (width - len(r)) for r in body]
    while body and all(v is None or (isinstance(v, str) and not v.strip()) for v in body[-1]):
        body.pop()
    frame = pd.DataFrame(body, columns=header_names, dtype=object)
    _check_unsaved_formulas(path, label, target, frame)
    return frame


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def _check_unsaved_formulas(path: Path, label: str, sheet: str, frame: pd.DataFrame) -> None:
    """Refuse formulas whose result was never saved: openpyxl reads them as blanks.

    Excel saves every formula's last result; files written by scripts often do not, and such a
    cell would silently become a missing value. The second, formula-reading pass runs only when
    the sheet has blank cells and the workbook has formulas at all.
    """
    blank = frame.isna().to_numpy()
    if not blank.any():
        return
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(_FORMULA_TAG.search(zf.read(n)) for n in sheets):
            return
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        rows = book[sheet].iter_rows(min_row=2, max_row=len(frame) + 1, max_col=frame.shape[1], values_only=True)
        cells = pd.DataFrame([list(r) + [None] * (frame.shape[1] - len(r)) for r in rows], dtype=object)
    finally:
        book.close()
    is_formula = cells.map(lambda v: (isinstance(v, str) and v.startswith("=")) or type(v).__name__.endswith("Formula"))
    hits = np.argwhere(is_formula.to_numpy(dtype=bool) & blank[: len(cells)])
    if len(hits):
        i, j = hits[0]
        cell = cells.iat[i, j]
        formula = cell if isinstance(cell, str) else "an array formula"
        more = f" ({len(hits)} cells like this)" if len(hits) > 1 else ""
        raise DataError(
            label,
            f"row {i + 2}, column {frame.columns[j]}: the formula {formula} has no saved result{more}; "
            "open the file in Excel and save it, or paste the values in",
        )


def _excel_column(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name
