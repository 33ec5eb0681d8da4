"""CSV as Excel and WPS save it: UTF-8 with or without BOM, GBK/GB18030; ragged rows are problems."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from civscore.errors import DataError
from civscore.readers.safety import MAX_CELL_CHARS, MAX_DATA_BYTES, FileProblem, decode_text, read_bounded


def _read_csv(path: Path, label: str) -> pd.DataFrame:
    try:
        data = read_bounded(path, MAX_DATA_BYTES, "data")
    except FileProblem as exc:
        raise DataError(label, str(exc)) from None
    text = decode_text(data, label)
    if not text.strip():
        raise DataError(label, "is empty")
    _check_row_widths(text, label)
    header = next(csv.reader(io.StringIO(text)), [])
    _check_header([h.strip() for h in header], label)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skipinitialspace=False,
            skip_blank_lines=True,
            index_col=False,  # never take the first column as an index when row 2 has an extra cell
        )
    except pd.errors.ParserError as exc:
        raise DataError(label, f"is not well-formed CSV: {_parser_reason(str(exc))}") from None
    except (pd.errors.EmptyDataError, csv.Error) as exc:
        raise DataError(label, f"is not well-formed CSV: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _check_row_widths(text: str, label: str) -> None:
    """Every row must have as many cells as the header.

    A short row is a truncated file or a missing comma; pandas would pad it with blanks, and an
    extra cell in row 2 would silently shift every column by one. Counting runs at C speed; the
    rows are walked one by one only to name the first bad line once one is known to exist.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        widths = np.fromiter(map(len, reader), dtype=np.int64)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise DataError(
                label, f"line {reader.line_num}: a cell exceeds the limit of {MAX_CELL_CHARS:,} characters"
            ) from None
        raise DataError(label, f"is not well-formed CSV: line {reader.line_num}: {exc}") from None
    widths = widths[widths > 0]
    if widths.size < 2 or (widths[1:] == widths[0]).all():
        return
    reader = csv.reader(io.StringIO(text))
    expected = None
    for cells in reader:
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # blank lines are skipped, as pandas skips them
        if expected is None:
            expected = len(cells)
        elif len(cells) != expected:
            if reader.line_num == text.rstrip("\r\n").count("\n") + 1 and text.count('"') % 2:
                raise DataError(label, f"is not well-formed CSV: {_parser_reason('EOF inside string')}")
            hint = "a stray comma" if len(cells) > expected else "a missing comma"
            raise DataError(
                label,
                f"is not well-formed CSV: line {reader.line_num} has {len(cells)} cells but the header has "
                f"{expected} ({hint} or a truncated file?)",
            )


def _parser_reason(message: str) -> str:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        expected, line, saw = match.groups()
        return f"line {line} has {saw} cells but the header has {expected} (a stray comma or a truncated file?)"
    if "EOF inside string" in message:
        return "a quoted cell is never closed (the file may be truncated)"
    return message.strip().splitlines()[-1]


def _check_header(header: list[str], label: str) -> None:
    if not any(header):
        raise DataError(label, "has no header row")
    seen: set[str] = set()
    dups = []
    for name in header:
        if name and name in seen:
            dups.append(name)
        seen.add(name)
    if dups:
        raise DataError(label, f"has columns that appear twice in the header: {', '.join(dict.fromkeys(dups))}")
