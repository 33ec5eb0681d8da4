"""Reading data files as offices produce them, and writing outputs atomically and formula-safe.

Readers: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 detected in that order), XLSX (first sheet or
a named one), Parquet. CSV cells are read as text so that every cell can be checked and reported
exactly as the user typed it. Every problem that stops a file being read is a
:class:`civscore.DataError` with a one-line reason.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from civscore.errors import DataError

MAX_DATA_BYTES = 512 * 1024 * 1024
MAX_CELL_CHARS = 10_000
SUPPORTED = (".csv", ".xlsx", ".parquet")


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a data file into a DataFrame without interpreting it against any rubric.

    The frame's ``attrs["source"]`` names the file and ``attrs["first_row"]`` the spreadsheet
    row of its first data row, so that problems can be reported as a user would find them.
    """
    path = Path(path)
    label = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(label, f"unsupported file type {suffix or '(none)'!r}; use .csv, .xlsx or .parquet")
    _check_file(path, label)
    if suffix == ".csv":
        frame = _read_csv(path, label)
    elif suffix == ".xlsx":
        frame = _read_xlsx(path, label, sheet)
    else:
        frame = _read_parquet(path, label)
    if sheet is not None and suffix != ".xlsx":
        raise DataError(label, "--sheet applies only to .xlsx files")
    _check_frame(frame, label)
    frame.attrs["source"] = label
    frame.attrs["first_row"] = 2  # row 1 is the header in every supported format
    return frame


def _check_file(path: Path, label: str) -> None:
    try:
        if path.is_dir():
            raise DataError(label, "is a folder, not a data file")
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError(label, "file not found") from None
    except OSError as exc:
        raise DataError(label, f"cannot be read: {exc.strerror}") from None
    if size == 0:
        raise DataError(label, "is empty")
    if size > MAX_DATA_BYTES:
        raise DataError(label, f"is {size:,} bytes; data files are limited to {MAX_DATA_BYTES:,} bytes")


def decode_text(data: bytes, label: str) -> str:
    """Decode strictly as UTF-8 (BOM or not), then GB18030 (a superset of GBK/GB2312)."""
    if b"\x00" in data[:65536]:
        raise DataError(label, "is a binary file, not CSV text (is it an Excel file renamed .csv?)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(label, "is neither UTF-8 nor GBK/GB18030 text; save it as 'CSV UTF-8' from Excel")


def _read_csv(path: Path, label: str) -> pd.DataFrame:
    text = decode_text(path.read_bytes(), label)
    if not text.strip():
        raise DataError(label, "is empty")
    header = next(csv.reader(io.StringIO(text)), [])
    _check_header([h.strip() for h in header], label)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skipinitialspace=False,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        raise DataError(label, f"is not well-formed CSV: {_parser_reason(str(exc))}") from None
    except (pd.errors.EmptyDataError, csv.Error) as exc:
        raise DataError(label, f"is not well-formed CSV: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


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


def _read_xlsx(path: Path, label: str, sheet: str | None) -> pd.DataFrame:
    if not zipfile.is_zipfile(path):
        raise DataError(label, "is not a valid .xlsx file (is it an old .xls, or a CSV renamed .xlsx?)")
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
    return pd.DataFrame(body, columns=header_names, dtype=object)


def _excel_column(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def _read_parquet(path: Path, label: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        raise DataError(label, f"is not a readable Parquet file ({type(exc).__name__})") from None


def _check_frame(frame: pd.DataFrame, label: str) -> None:
    if frame.shape[1] == 0:
        raise DataError(label, "has no columns")
    if frame.shape[0] == 0:
        raise DataError(label, "has a header but no data rows")
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            lengths = col.astype("string").str.len()
            too_long = lengths > MAX_CELL_CHARS
            if too_long.any():
                row = int(too_long.to_numpy().argmax()) + 2
                raise DataError(
                    label,
                    f"row {row}, column {name}: a cell of {int(lengths[too_long].iloc[0]):,} characters "
                    f"exceeds the limit of {MAX_CELL_CHARS:,}",
                )


# --- writing ----------------------------------------------------------------------------------

_FORMULA_START = tuple("=+-@\t\r＝＋－＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?$")


def neutralise(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (OWASP).

    Plain numbers written as text ("-5", "+3.2") are left alone.
    """
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text.strip()):
        return "'" + text
    return text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are formula-safe; numbers untouched."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out[name] = col.map(lambda v: neutralise(v) if isinstance(v, str) else v)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    On any failure the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_atomic(target: str | Path, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)
    return Path(target)
