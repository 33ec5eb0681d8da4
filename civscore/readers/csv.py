"""CSV as Excel and WPS save it: UTF-8 with or without BOM, GBK/GB18030; ragged rows are problems.

A well-formed file (one header line, every row as wide, no blank lines) is parsed by pyarrow's
multithreaded reader (:mod:`civscore.readers.csv_fast`); anything else, and every file that
reader refuses, goes through the careful reader here, which names the line that is wrong.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from civscore.errors import DataError
from civscore.readers import csv_fast as fast
from civscore.readers.origin import RowOrigin
from civscore.readers.safety import (
    MAX_CELL_CHARS,
    MAX_DATA_BYTES,
    FileProblem,
    decode_text,
    empty_file,
    read_bounded,
    refuse_binary,
)
from civscore.words import say

SUFFIX = ".csv"
ORDER = 1  # the place in messages listing the formats
SHEETS = False  # a file holds one table


def read(path: Path, label: str, sheet: str | None = None) -> pd.DataFrame:
    """The file's table, every cell as read (``label`` names the file in messages)."""
    return _read_csv(path, label)


def _read_csv(path: Path, label: str) -> pd.DataFrame:
    try:
        data = read_bounded(path, MAX_DATA_BYTES, "data")
    except FileProblem as exc:
        raise DataError(label, str(exc)) from None
    refuse_binary(data, label)
    # the digest of the bytes read, rather than of the file read a second time; hashing releases
    # the GIL, so it runs beside the checks of the fast path, which use one core
    with ThreadPoolExecutor(1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        frame = _read_fast(data)
        if not isinstance(frame, pd.DataFrame):
            text, utf8 = decode_text(data, label)
            if frame is fast.NOT_UTF8:  # GBK/GB18030, checked and decoded above: parsed as UTF-8 all the same
                frame = _read_fast(utf8)
            if not isinstance(frame, pd.DataFrame):
                frame = _read_careful(text, label)
        frame.attrs["sha256"] = digest.result()
    return frame


def _read_fast(data: bytes) -> pd.DataFrame | object | None:
    """The file through :mod:`civscore.readers.csv_fast`, or None (or ``fast.NOT_UTF8``) when the
    careful reader is needed: then it reads everything again and says what is wrong."""
    head = fast.split_header(data)
    if not isinstance(head, tuple):
        return head
    line, offset = head
    sep, notes = delimiter(line)
    names = [h.strip() for h in next(csv.reader([line], delimiter=sep))]
    if not all(names) or len(set(names)) < len(names):
        return None  # the careful reader names what is wrong with the header
    frame = fast.parse_rows(data, offset, sep, len(names))
    if isinstance(frame, pd.DataFrame):
        frame.columns = names
        frame.attrs["notes"] = notes
    return frame


def _read_careful(text: str, label: str) -> pd.DataFrame:
    """The file read with the csv module and pandas: slower, but it says what is wrong and where
    (a ragged row, an unclosed quote, a repeated name) and copes with blank lines and titles."""
    if not text.strip():
        raise DataError(label, empty_file())
    sep, notes = delimiter(text)
    _check_row_widths(text, label, sep)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header = next((cells for cells in reader if not _blank_record(cells)), [])
    header_line = reader.line_num
    check_header([h.strip() for h in header], label)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=False,
            skip_blank_lines=True,
            index_col=False,  # never take the first column as an index when row 2 has an extra cell
        )
    except pd.errors.ParserError as exc:
        raise DataError(label, _malformed(_parser_reason(str(exc)))) from None
    except (pd.errors.EmptyDataError, csv.Error) as exc:
        raise DataError(label, _malformed(str(exc))) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs["origin"] = RowOrigin(_row_numbers(text, sep, header_line, len(frame)), np.zeros(len(frame), np.int32))
    frame.attrs["notes"] = notes
    return frame


def _blank_record(cells: list[str]) -> bool:
    return not cells or (len(cells) == 1 and not cells[0].strip())


def delimiter(text: str) -> tuple[str, list[str]]:
    """Commas, else tabs (Excel's "Text (Tab delimited)"), else semicolons (a European Excel's
    CSV), judged by the header line; a note says when it is not commas."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "," in first or ("\t" not in first and ";" not in first):
        return ",", []
    if "\t" in first:
        return "\t", [say("按制表符分隔的文本读取", "read as tab-separated text")]
    return ";", [say("按分号分隔的文本读取", "read as semicolon-separated text")]


def _row_numbers(text: str, sep: str, header_line: int, n: int) -> np.ndarray:
    """The line of every data row. Without blank lines they follow the header one by one;
    otherwise (rare) the records are walked to skip the blank lines as pandas does."""
    if not re.search(r"\n[ \t\r]*\n|\n[ \t\r]*$", text.rstrip("\r\n") + "\n") and header_line == 1:
        return np.arange(2, n + 2, dtype=np.int64)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    numbers, start = [], 1
    for cells in reader:
        if not _blank_record(cells):
            numbers.append(start)
        start = reader.line_num + 1
    out = np.asarray(numbers[1 : n + 1], dtype=np.int64)  # numbers[0] is the header
    return out if len(out) == n else np.arange(header_line + 1, header_line + 1 + n, dtype=np.int64)


def _check_row_widths(text: str, label: str, sep: str = ",") -> None:
    """Every row must have as many cells as the header.

    A short row is a truncated file or a missing comma; pandas would pad it with blanks, and an
    extra cell in row 2 would silently shift every column by one. Counting runs at C speed; the
    rows are walked one by one only to name the first bad line once one is known to exist.
    """
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        widths = np.fromiter(map(len, reader), dtype=np.int64)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise DataError(
                label,
                say(
                    f"第 {reader.line_num} 行：有单元格超过了 {MAX_CELL_CHARS:,} 个字符的上限",
                    f"line {reader.line_num}: a cell exceeds the limit of {MAX_CELL_CHARS:,} characters",
                ),
            ) from None
        raise DataError(
            label, _malformed(say(f"第 {reader.line_num} 行：{exc}", f"line {reader.line_num}: {exc}"))
        ) from None
    widths = widths[widths > 0]
    if widths.size < 2 or (widths[1:] == widths[0]).all():
        return
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    expected = None
    for cells in reader:
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # blank lines are skipped, as pandas skips them
        if expected is None:
            expected = len(cells)
        elif len(cells) != expected:
            if reader.line_num == text.rstrip("\r\n").count("\n") + 1 and text.count('"') % 2:
                raise DataError(label, _malformed(_parser_reason("EOF inside string")))
            raise DataError(label, _malformed(_ragged(reader.line_num, len(cells), expected)))


def _malformed(reason: str) -> str:
    return say(f"不是格式正确的 CSV：{reason}", f"is not well-formed CSV: {reason}")


def _ragged(line: int | str, cells: int | str, expected: int | str) -> str:
    """A row with more or fewer cells than the header."""
    if int(cells) > int(expected):
        return say(
            f"第 {line} 行有 {cells} 个单元格，而表头有 {expected} 个（多了逗号，或者文件不完整？）",
            f"line {line} has {cells} cells but the header has {expected} (a stray comma or a truncated file?)",
        )
    return say(
        f"第 {line} 行有 {cells} 个单元格，而表头有 {expected} 个（少了逗号，或者文件不完整？）",
        f"line {line} has {cells} cells but the header has {expected} (a missing comma or a truncated file?)",
    )


def _parser_reason(message: str) -> str:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        expected, line, saw = match.groups()
        return _ragged(line, saw, expected)
    if "EOF inside string" in message:
        return say(
            "有一个带引号的单元格没有闭合（文件可能不完整）",
            "a quoted cell is never closed (the file may be truncated)",
        )
    return message.strip().splitlines()[-1]


def check_header(header: list[str], label: str) -> None:
    """Refuse a header without names, or with a name twice."""
    if not any(header):
        raise DataError(label, say("没有表头行", "has no header row"))
    seen: set[str] = set()
    dups = []
    for name in header:
        if name and name in seen:
            dups.append(name)
        seen.add(name)
    if dups:
        raise DataError(
            label,
            say(
                f"表头中有重复的列：{'、'.join(dict.fromkeys(dups))}",
                f"has columns that appear twice in the header: {', '.join(dict.fromkeys(dups))}",
            ),
        )
