"""The fast path for well-formed CSV: pyarrow's multithreaded reader, every column as text.

It reads only what the careful reader in :mod:`civscore.readers.csv` would read the same way:
one header line with a name in every cell, every row as wide as the header, no blank lines, no
cell over the size limit, UTF-8 text. For anything else it gives up (``None``) and the careful
reader, which names the line that is wrong, reads the file instead; nothing is guessed here.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from civscore.readers.origin import RowOrigin
from civscore.readers.safety import MAX_CELL_CHARS

_BOM = b"\xef\xbb\xbf"
_QUOTED = re.compile(rb'"(?:[^"]|"")*"')


class _NotUtf8:
    """The file is not UTF-8: decode it (GBK, ...) and try again with the text as UTF-8."""


NOT_UTF8 = _NotUtf8()


def split_header(data: bytes) -> tuple[str, int] | _NotUtf8 | None:
    """The first line of ``data`` (after a BOM) as text and the offset where the rows begin, when
    that line is a whole record on its own; None when the careful reader has to find the header."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    end = data.find(b"\n", start)
    if end < 0:
        return None  # a header and no rows, or one line: the careful reader says what is wrong
    raw = data[start:end].rstrip(b"\r")
    if b"\r" in raw:
        return None  # old Mac line ends (CR only)
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return NOT_UTF8
    if not line.strip() or line.count('"') % 2:
        return None  # a blank first line, or a quoted name running over several lines
    return line, end + 1


def parse_rows(data: bytes, offset: int, sep: str, width: int) -> pd.DataFrame | _NotUtf8 | None:
    """The rows from ``offset`` on, ``width`` text columns named by position; None if a row is not
    exactly ``width`` cells wide, a line is blank or a cell is too long."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    stop = len(data)
    while stop > offset and data[stop - 1] in b"\r\n":  # trailing line ends, as pandas ignores them
        stop -= 1
    if stop <= offset or width < 2 or data.find(b"\x00", offset) >= 0:
        # no rows; one column (where a blank line would be a row of one empty cell); NUL bytes
        return None
    if not _plain_lines(np.frombuffer(data, dtype=np.uint8, count=stop - offset, offset=offset)):
        return None
    if not _utf8(data, offset, stop):
        return NOT_UTF8
    if data.find(b'"', offset, stop) >= 0 and not _quotes_well_formed(data, offset, stop, sep.encode()):
        return None
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(memoryview(data)[offset:stop]),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
            # a blank line is a row of one cell, i.e. the wrong width: it sends the file to the
            # careful reader, which skips it and keeps every other row's line number
            parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # checked above, in one pass over the whole file
            ),
        )
    except pa.ArrowInvalid:
        return None
    for column in table.columns:
        longest = pc.max(pc.utf8_length(column)).as_py()
        if longest is not None and longest > MAX_CELL_CHARS:
            return None
    frame = table.to_pandas()
    frame.attrs["origin"] = RowOrigin(np.arange(2, len(frame) + 2, dtype=np.int64), np.zeros(len(frame), np.int32))
    return frame


def _plain_lines(b: np.ndarray) -> bool:
    """No blank line (pyarrow would read a row of empty cells where pandas skips it) and no line
    ended by CR alone (the csv module refuses it, naming the line): whole arrays, no loop."""
    lf = np.flatnonzero(b == 0x0A)
    cr = np.flatnonzero(b == 0x0D)
    if cr.size and (cr[-1] + 1 >= len(b) or (b[cr + 1] != 0x0A).any()):
        return False
    starts = np.concatenate(([0], lf + 1))  # where each line begins; each line ends at the next LF
    ends = np.append(lf, len(b))
    width = ends - starts
    return not (width == 0).any() and not ((width == 1) & (b[np.minimum(starts, len(b) - 1)] == 0x0D)).any()


def _utf8(data: bytes, offset: int, stop: int) -> bool:
    """Whether ``data[offset:stop]`` is UTF-8, checked by Arrow's validator without a copy."""
    import pyarrow as pa

    size = stop - offset
    offsets = pa.py_buffer(np.array([0, size], dtype=np.int64).tobytes())
    blob = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(memoryview(data)[offset:stop])])
    try:
        blob.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _quotes_well_formed(data: bytes, offset: int, stop: int, sep: bytes) -> bool:
    """Every quote belongs to a quoted cell of one line that starts and ends at a cell boundary.

    Readers disagree on the rest: pyarrow closes a quote left open at the end of the file and
    keeps a quote in the middle of a cell, where the csv module and pandas refuse or join cells.
    Only the quoted cells are visited, at C speed.
    """
    total = data.count(b'"', offset, stop)
    inside = 0
    for match in _QUOTED.finditer(data, offset, stop):
        start, end = match.span()
        if start > offset and data[start - 1 : start] not in (sep, b"\n"):
            return False
        if end < stop and data[end : end + 1] not in (sep, b"\r", b"\n"):
            return False
        if data.find(b"\n", start, end) >= 0:
            return False  # a cell of several lines: the careful reader numbers rows by their first line
        inside += data.count(b'"', start, end)
    return inside == total
