"""Checks every input file passes before it is parsed: a regular file, bounded size, text or not.

Shared by the data readers and the rubric loader, so a FIFO, a device or a zip bomb is refused
the same way whatever the format.
"""

from __future__ import annotations

import os
import stat
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from civscore.errors import DataError
from civscore.words import say

# Limits against bombs, not against scale (issue 16): a district's 1M units x 100 indicators
# is a 300-650 MiB Parquet file that unpacks to about 1 GiB. Both bound what is unpacked or
# decoded (a CSV's bytes are its text; .xlsx and .parquet are bounded by their unpacked size,
# not their file size) and can be raised, or lowered, per process with these variables.
BYTES_VARIABLE = "CIVSCORE_MAX_INPUT_BYTES"
CELLS_VARIABLE = "CIVSCORE_MAX_INPUT_CELLS"


def _limit(variable: str, default: int) -> int:
    """``default``, or the whole number in environment variable ``variable`` (read at import,
    so a command line and a notebook kernel each take it from their own environment)."""
    text = os.environ.get(variable, "").strip().replace("_", "").replace(",", "")
    return int(text) if text.isdigit() and int(text) > 0 else default


MAX_DATA_BYTES = _limit(BYTES_VARIABLE, 2 * 1024**3)
MAX_DATA_CELLS = _limit(CELLS_VARIABLE, 200_000_000)
MAX_CELL_CHARS = 10_000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls (and other old Office files)
_XLSX_AS_CSV = (
    "是改名为 .csv 的 Excel .xlsx 工作簿（或其他 zip 文件）；请把扩展名改回 .xlsx",
    "is an Excel .xlsx workbook (or another zip file) renamed .csv; give it back its .xlsx name",
)
_XLS_AS_CSV = (
    "是改名为 .csv 的旧版 Excel .xls 工作簿；请在 Excel 中另存为“CSV UTF-8”或 .xlsx",
    "is an old Excel .xls workbook renamed .csv; save it from Excel as 'CSV UTF-8' or .xlsx",
)
_UTF16 = (
    "是 UTF-16 文本（Excel 的“Unicode 文本”）；请在 Excel 中另存为“CSV UTF-8”",
    "is UTF-16 text (Excel's 'Unicode Text'); save it from Excel as 'CSV UTF-8'",
)
_NOT_CSV = ((b"PK\x03\x04", _XLSX_AS_CSV), (_OLE_MAGIC, _XLS_AS_CSV), (b"\xff\xfe", _UTF16), (b"\xfe\xff", _UTF16))


def unreadable(exc: OSError) -> str:
    """Why a file cannot be read, from the operating system's words."""
    return say(f"无法读取：{exc.strerror or exc}", f"cannot be read: {exc.strerror or exc}")


def damaged_xlsx() -> str:
    return say(
        "是损坏或不完整的 .xlsx 文件；请重新保存或下载",
        "is a damaged or truncated .xlsx file; save or download it again",
    )


def empty_file() -> str:
    return say("是空文件", "is empty")


MAX_READ_SECONDS = 120.0
_CHUNK = 1 << 20


class FileProblem(Exception):
    """An input path that cannot be read as a file, in plain words (without the file name)."""


def regular_file_size(path: Path, what: str) -> int:
    """The size of ``path`` if it is a regular file (symlinks followed); else a FileProblem.

    A FIFO would block the reader forever and /dev/zero or /dev/urandom would fill the memory,
    so anything but a regular file is refused before it is opened. ``what`` names the kind of
    file expected ("data", "rubric") in the message.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileProblem(say("找不到文件", "file not found")) from None
    except OSError as exc:
        raise FileProblem(say(f"无法读取：{exc.strerror}", f"cannot be read: {exc.strerror}")) from None
    return _regular_size(st, what)


def _regular_size(st: os.stat_result, what: str) -> int:
    if stat.S_ISDIR(st.st_mode):
        raise FileProblem(say(f"是文件夹，不是{_WHAT_ZH.get(what, what)}文件", f"is a folder, not a {what} file"))
    if not stat.S_ISREG(st.st_mode):
        kind = _special_kind(st.st_mode)
        raise FileProblem(
            say(
                f"是{kind[0]}，不是普通文件；请给出一个{_WHAT_ZH.get(what, what)}文件",
                f"is {kind[1]}, not a regular file; give a {what} file",
            )
        )
    return st.st_size


_WHAT_ZH = {"data": "数据", "rubric": "测评体系"}


def _special_kind(mode: int) -> tuple[str, str]:
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）", "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备", "a device"
    if stat.S_ISSOCK(mode):
        return "套接字", "a socket"
    return "特殊文件", "a special file"


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, read within MAX_READ_SECONDS.

    The file is opened without blocking and checked again through its descriptor, so a path
    swapped for a FIFO between the check and the read is still refused; the read stops at
    ``limit`` + 1 bytes whatever the size said.
    """
    size = regular_file_size(path, what)
    if size > limit:
        raise FileProblem(_too_large(size, limit, what))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FileProblem(say(f"无法读取：{exc.strerror}", f"cannot be read: {exc.strerror}")) from None
    with os.fdopen(fd, "rb") as fh:
        _regular_size(os.fstat(fd), what)
        chunks, total, deadline = [], 0, time.monotonic() + MAX_READ_SECONDS
        while total <= limit:
            chunk = fh.read(min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if time.monotonic() > deadline:
                raise FileProblem(
                    say(
                        f"读取超过 {MAX_READ_SECONDS:.0f} 秒仍未读完（网络盘断开了？）",
                        f"could not be read within {MAX_READ_SECONDS:.0f} seconds (a network drive gone?)",
                    )
                )
    if total > limit:
        raise FileProblem(_too_large(total, limit, what))
    return b"".join(chunks)


def _too_large(size: int, limit: int, what: str) -> str:
    return say(
        f"大小为 {size:,} 字节；{_WHAT_ZH.get(what, what)}文件不能超过 {limit:,} 字节",
        f"is {size:,} bytes; {what} files are limited to {limit:,} bytes",
    )


def too_many_bytes(size: int, unpacked: bool = False) -> str:
    """The message for data over MAX_DATA_BYTES, saying how to raise the limit."""
    return say(
        f"{'解压后' if unpacked else ''}有 {size:,} 字节，超过数据文件的上限 {MAX_DATA_BYTES:,} 字节"
        f"（确需读入时，可设置环境变量 {BYTES_VARIABLE} 提高上限）",
        f"{'unpacks to' if unpacked else 'is'} {size:,} bytes; data files are limited to {MAX_DATA_BYTES:,} bytes"
        f" (to raise the limit, set the environment variable {BYTES_VARIABLE})",
    )


def check_cells(rows: int, columns: int, label: str) -> None:
    """Refuse a table of more than MAX_DATA_CELLS cells, saying how to raise the limit."""
    if rows * columns > MAX_DATA_CELLS:
        raise DataError(
            label,
            say(
                f"有 {rows:,} 行 × {columns:,} 列 = {rows * columns:,} 个单元格，超过数据文件的上限 "
                f"{MAX_DATA_CELLS:,} 个（确需读入时，可设置环境变量 {CELLS_VARIABLE} 提高上限）",
                f"has {rows:,} rows x {columns:,} columns = {rows * columns:,} cells; data files are limited to "
                f"{MAX_DATA_CELLS:,} cells (to raise the limit, set the environment variable {CELLS_VARIABLE})",
            ),
        )


def _check_file(path: Path, label: str, bound_size: bool = True) -> None:
    """A regular, non-empty file; with ``bound_size`` (text formats, whose bytes are their
    content) at most MAX_DATA_BYTES. Packed formats are bounded by their unpacked size."""
    try:
        size = regular_file_size(path, "data")
    except FileProblem as exc:
        raise DataError(label, str(exc)) from None
    if size == 0:
        raise DataError(label, empty_file())
    if bound_size and size > MAX_DATA_BYTES:
        raise DataError(label, too_many_bytes(size))


def refuse_binary(data: bytes, label: str) -> None:
    """Refuse bytes that are no text at all: a workbook renamed .csv, UTF-16, a binary file."""
    for magic, what in _NOT_CSV:  # files that were renamed .csv: say what they really are
        if data.startswith(magic):
            raise DataError(label, say(*what))
    head = data[:65536]
    if b"\x00" in head:
        utf16 = _utf16_without_bom(head)
        if utf16:
            raise DataError(
                label,
                say(
                    f"是没有字节顺序标记（BOM）的 UTF-16（{utf16}）文本；请在 Excel 里另存为“CSV UTF-8”",
                    f"is UTF-16 text ({utf16}) without a byte-order mark; save it from Excel as 'CSV UTF-8'",
                ),
            )
        raise DataError(
            label,
            say(
                "是二进制文件，不是 CSV 文本（是不是改名为 .csv 的 Excel 文件？）",
                "is a binary file, not CSV text (is it an Excel file renamed .csv?)",
            ),
        )


def decode_text(data: bytes, label: str) -> tuple[str, bytes]:
    """Decode strictly as UTF-8 (BOM or not), then GB18030 (a superset of GBK/GB2312), and say
    so plainly when the bytes are neither: UTF-8 with lines pasted from a GBK file, Big5
    (Traditional Chinese, which GB18030 would turn into nonsense without an error), UTF-16
    without a byte-order mark. Returns the text and the same text as UTF-8 bytes (``data``
    itself when it was UTF-8), encoded once for the Big5 check and the reader."""
    refuse_binary(data, label)
    try:
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError as exc:
        utf8_error = exc
    mixed = _first_non_utf8_line(data)
    if mixed is not None:
        line, shown = mixed
        raise DataError(
            label,
            say(
                f"大部分是 UTF-8，但第 {line} 行不是（{shown}；可能是从 GBK 文件粘贴来的）；"
                "请把整个文件另存为“CSV UTF-8”",
                f"is mostly UTF-8 but line {line} is not ({shown}; pasted from a GBK file?); save the whole file "
                "as 'CSV UTF-8'",
            ),
        )
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise DataError(
            label,
            say(
                f"既不是 UTF-8 也不是 GBK/GB18030 文本（第 {line} 行第一次出现无法识别的字节）；"
                "请在 Excel 里另存为“CSV UTF-8”",
                f"is neither UTF-8 nor GBK/GB18030 text (line {line} has the first byte that is neither); "
                "save it as 'CSV UTF-8' from Excel",
            ),
        ) from None
    utf8 = text.encode("utf-8")
    big5_line = _looks_like_big5(data, text, utf8)
    if big5_line is not None:
        raise DataError(
            label,
            say(
                f"像是繁体中文 Big5 编码（第 {big5_line} 行按 GBK 读出来是乱码）；请另存为“CSV UTF-8”",
                f"looks like Big5 (Traditional Chinese) text: line {big5_line} read as GBK is nonsense; save it "
                "as 'CSV UTF-8'",
            ),
        )
    return text, utf8


def _utf16_without_bom(head: bytes) -> str | None:
    """'UTF-16LE' / 'UTF-16BE' when every other byte is mostly NUL (ASCII and CJK text alike)."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 8:
        return None
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zero_odd > 0.3 and zero_even < 0.05:
        return "UTF-16LE"
    if zero_even > 0.3 and zero_odd < 0.05:
        return "UTF-16BE"
    return None


def _first_non_utf8_line(data: bytes) -> tuple[int, str] | None:
    """(line, bytes shown) of the first line that is not UTF-8, when other lines are UTF-8 text
    with Chinese in it: the sign of a GBK line pasted into a UTF-8 file."""
    has_utf8_chinese = False
    first_bad = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            decoded = line.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if first_bad is None:
                if not _decodes(line, "gb18030"):
                    return None  # not GBK either: no legacy encoding to name
                first_bad = (number, line[max(exc.start - 4, 0) : exc.start + 4].hex(" "))
            if has_utf8_chinese:
                break
            continue
        if sum(ord(ch) > 0x2E80 for ch in decoded) >= 2:
            has_utf8_chinese = True
            if first_bad is not None:
                break
    if has_utf8_chinese and first_bad is not None:
        return first_bad[0], say(f"字节 {first_bad[1]}", f"bytes {first_bad[1]}")
    return None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_big5(data: bytes, text: str, utf8: bytes) -> int | None:
    """The first line whose GB18030 reading (``text``, and ``utf8`` encoded) is mostly outside
    GB2312 (the characters of everyday simplified Chinese) while the bytes read cleanly as Big5;
    None for plausible GBK text."""
    wide, beyond = _wide_characters(utf8)
    if len(wide) + beyond < 4:
        return None
    distinct, counts = np.unique(wide, return_counts=True)
    common = np.fromiter((_in_gb2312(chr(c)) for c in distinct), dtype=bool, count=len(distinct))
    if (counts[~common].sum() + beyond) / (len(wide) + beyond) < 0.3:
        return None
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        return None
    for number, line in enumerate(text.split("\n"), start=1):
        chars = [ch for ch in line if ord(ch) > 0x2E80]
        if chars and sum(1 for ch in chars if not _in_gb2312(ch)) / len(chars) >= 0.3:
            return number
    return 1


_SLICE = 1 << 22  # bytes looked at per pass of _wide_characters: its mask stays in cache


def _wide_characters(utf8: bytes) -> tuple[np.ndarray, int]:
    """The code points above U+2E80 (CJK and beyond) of UTF-8 text of up to three bytes, and how
    many characters of four bytes (never in GB2312) there are: whole arrays, not a loop over a
    200-million-character file."""
    b = np.frombuffer(utf8, dtype=np.uint8)
    # the first bytes of three- and four-byte characters, a slice at a time: one mask of a whole
    # 200 MB file is fresh memory that the kernel hands over page by page (0.5 s of 0.6 here)
    found = [np.flatnonzero(b[i : i + _SLICE] >= 0xE0) + i for i in range(0, len(b), _SLICE)]
    leads = np.concatenate(found) if found else np.zeros(0, np.intp)
    lead = leads[b[leads] < 0xF0]
    points = (b[lead].astype(np.uint32) & 0x0F) << 12 | (b[lead + 1].astype(np.uint32) & 0x3F) << 6 | b[lead + 2] & 0x3F
    return points[points > 0x2E80], len(leads) - len(lead)


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _unpacked_size(path: Path, label: str) -> int:
    """Total size of an .xlsx file's parts once unzipped, read from the zip directory."""
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(label, damaged_xlsx()) from None


_MAY_HOLD_TEXT = frozenset({"string", "mixed", "mixed-integer"})  # what pandas infers for columns with text


def _check_frame(frame: pd.DataFrame, label: str) -> None:
    if frame.shape[1] == 0:
        raise DataError(label, say("没有任何列", "has no columns"))
    if frame.shape[0] == 0:
        raise DataError(label, say("只有表头，没有数据行", "has a header but no data rows"))
    check_cells(frame.shape[0], frame.shape[1], label)
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) not in _MAY_HOLD_TEXT:
            continue  # numbers, dates, yes/no from a workbook: never 10,000 characters
        if _short_arrow_text(col):
            continue
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            lengths = col.str.len() if col.dtype == object else col.astype("string").str.len()
            too_long = lengths > MAX_CELL_CHARS
            if too_long.any():
                row = int(too_long.to_numpy().argmax()) + 2
                n = int(lengths[too_long].iloc[0])
                raise DataError(
                    label,
                    say(
                        f"第 {row} 行，列 {name}：单元格有 {n:,} 个字符，超过了 {MAX_CELL_CHARS:,} 个字符的上限",
                        f"row {row}, column {name}: a cell of {n:,} characters exceeds the limit of {MAX_CELL_CHARS:,}",
                    ),
                )


def _short_arrow_text(col: pd.Series) -> bool:
    """An Arrow-backed text column (a CSV's) whose every cell has at most MAX_CELL_CHARS bytes,
    hence characters: read from the cells' offsets, without measuring a string."""
    if getattr(col.dtype, "storage", None) != "pyarrow" or not pd.api.types.is_string_dtype(col.dtype):
        return False
    import pyarrow.compute as pc

    longest = pc.max(pc.binary_length(col.array.__arrow_array__())).as_py()
    return longest is None or longest <= MAX_CELL_CHARS
