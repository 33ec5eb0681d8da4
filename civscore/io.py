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
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from civscore.errors import DataError

MAX_DATA_BYTES = 512 * 1024 * 1024
MAX_CELL_CHARS = 10_000
SUPPORTED = (".csv", ".xlsx", ".parquet")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls (and other old Office files)
_NOT_CSV = (
    (b"PK\x03\x04", "is an Excel .xlsx workbook (or another zip file) renamed .csv; give it back its .xlsx name"),
    (_OLE_MAGIC, "is an old Excel .xls workbook renamed .csv; save it from Excel as 'CSV UTF-8' or .xlsx"),
    (b"\xff\xfe", "is UTF-16 text (Excel's 'Unicode Text'); save it from Excel as 'CSV UTF-8'"),
    (b"\xfe\xff", "is UTF-16 text (Excel's 'Unicode Text'); save it from Excel as 'CSV UTF-8'"),
)


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
    if sheet is not None and suffix != ".xlsx":
        raise DataError(label, "--sheet applies only to .xlsx files")
    _check_file(path, label)
    try:
        if suffix == ".csv":
            frame = _read_csv(path, label)
        elif suffix == ".xlsx":
            frame = _read_xlsx(path, label, sheet)
        else:
            frame = _read_parquet(path, label)
    except OSError as exc:  # permissions, a file removed while reading, a network drive gone
        raise DataError(label, f"cannot be read: {exc.strerror or exc}") from None
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


def _read_csv(path: Path, label: str) -> pd.DataFrame:
    text = decode_text(path.read_bytes(), label)
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
        formula = cells.iat[i, j] if isinstance(cells.iat[i, j], str) else "an array formula"
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


def _unpacked_size(path: Path, label: str) -> int:
    """Total size of an .xlsx file's parts once unzipped, read from the zip directory."""
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(label, "is a damaged or truncated .xlsx file; save or download it again") from None


def _read_parquet(path: Path, label: str) -> pd.DataFrame:
    if path.stat().st_size < 12:  # header magic + footer length + footer magic
        raise DataError(label, "is too short to be a Parquet file")
    with open(path, "rb") as fh:
        head = fh.read(4)
        fh.seek(-4, os.SEEK_END)
        tail = fh.read(4)
    if head == b"PAR1" and tail != b"PAR1":
        raise DataError(label, "is a truncated Parquet file (its footer is missing); write or copy it again")
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except Exception:  # let the reader below name the problem
        unpacked = 0
    if unpacked > MAX_DATA_BYTES:
        raise DataError(label, f"unpacks to {unpacked:,} bytes; data files are limited to {MAX_DATA_BYTES:,} bytes")
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
        os.chmod(tmp_path, _output_mode(target))  # mkstemp makes 0600 files; honour umask
        os.replace(tmp_path, target)
    except OSError as exc:  # name the file the user asked for, not our temporary one
        tmp_path.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _output_mode(target: Path) -> int:
    """The mode a replaced file keeps, or what a plainly created file would get under the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(target: str | Path, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)
    return Path(target)
