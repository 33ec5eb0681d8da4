"""Checks every input file passes before it is parsed: a regular file, bounded size, text or not.

Shared by the data readers and the rubric loader, so a FIFO, a device or a zip bomb is refused
the same way whatever the format.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from civscore.errors import DataError

MAX_DATA_BYTES = 512 * 1024 * 1024
MAX_CELL_CHARS = 10_000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls (and other old Office files)
_NOT_CSV = (
    (b"PK\x03\x04", "is an Excel .xlsx workbook (or another zip file) renamed .csv; give it back its .xlsx name"),
    (_OLE_MAGIC, "is an old Excel .xls workbook renamed .csv; save it from Excel as 'CSV UTF-8' or .xlsx"),
    (b"\xff\xfe", "is UTF-16 text (Excel's 'Unicode Text'); save it from Excel as 'CSV UTF-8'"),
    (b"\xfe\xff", "is UTF-16 text (Excel's 'Unicode Text'); save it from Excel as 'CSV UTF-8'"),
)


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
    for magic, what in _NOT_CSV:  # files that were renamed .csv: say what they really are
        if data.startswith(magic):
            raise DataError(label, what)
    if b"\x00" in data[:65536]:
        raise DataError(label, "is a binary file, not CSV text (is it an Excel file renamed .csv?)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(label, "is neither UTF-8 nor GBK/GB18030 text; save it as 'CSV UTF-8' from Excel")


def _unpacked_size(path: Path, label: str) -> int:
    """Total size of an .xlsx file's parts once unzipped, read from the zip directory."""
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(label, "is a damaged or truncated .xlsx file; save or download it again") from None


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
