"""The fast path for well-formed CSV: pyarrow's multithreaded reader, every column as text.

It reads only what the careful reader in :mod:`civscore.readers.csv` would read the same way:
one header line with a name in every cell, every row as wide as the header, no blank lines, no
cell over the size limit, UTF-8 text. For anything else it gives up (``None``) and the careful
reader, which names the line that is wrong, reads the file instead; nothing is guessed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civscore.readers.origin import RowOrigin
from civscore.readers.safety import MAX_CELL_CHARS

_BOM = b"\xef\xbb\xbf"


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
    body = np.frombuffer(data, dtype=np.uint8, count=stop - offset, offset=offset)
    lines, returns, quotes = _marks(body)
    longest = _plain_lines(body, lines, returns)
    if longest is None:
        return None
    if not _utf8(data, offset, stop):
        return NOT_UTF8
    if quotes.size and not _quotes_well_formed(body, quotes, lines, ord(sep)):
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
                # large_string is what pandas keeps Arrow text as: no second copy of every cell
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # checked above, in one pass over the whole file
            ),
        )
    except pa.ArrowInvalid:
        return None
    if longest > MAX_CELL_CHARS:  # a cell is never longer than its line: else look at the cells
        for column in table.columns:
            if pc.max(pc.binary_length(column)).as_py() > MAX_CELL_CHARS:  # bytes >= characters
                if pc.max(pc.utf8_length(column)).as_py() > MAX_CELL_CHARS:
                    return None
    frame = table.to_pandas()
    frame.attrs["origin"] = RowOrigin(np.arange(2, len(frame) + 2, dtype=np.int64), np.zeros(len(frame), np.int32))
    return frame


_BLOCK = 1 << 20  # bytes compared at a time: a block stays in the CPU's cache for its three tests


def _marks(b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The positions of every LF, CR and double quote in ``b``, in one pass over the file."""
    none = np.zeros(0, np.int64)
    found: tuple[list[np.ndarray], ...] = ([none], [none], [none])
    for start in range(0, len(b), _BLOCK):
        block = b[start : start + _BLOCK]
        for out, byte in zip(found, (0x0A, 0x0D, 0x22), strict=True):
            out.append(np.flatnonzero(block == byte) + start)
    lines, returns, quotes = (np.concatenate(parts) for parts in found)
    return lines, returns, quotes


def _plain_lines(b: np.ndarray, lf: np.ndarray, cr: np.ndarray) -> int | None:
    """The length of the longest line, or None if a line is blank (pyarrow would read a row of
    empty cells where pandas skips it) or ended by CR alone (the csv module refuses it, naming
    the line): whole arrays, no loop."""
    if cr.size and (cr[-1] + 1 >= len(b) or (b[cr + 1] != 0x0A).any()):
        return None
    starts = np.concatenate(([0], lf + 1))  # where each line begins; each line ends at the next LF
    ends = np.append(lf, len(b))
    width = ends - starts
    if (width == 0).any() or ((width == 1) & (b[np.minimum(starts, len(b) - 1)] == 0x0D)).any():
        return None
    return int(width.max())


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


def _quotes_well_formed(b: np.ndarray, quotes: np.ndarray, lf: np.ndarray, sep: int) -> bool:
    """Every quote belongs to a quoted cell of one line that starts and ends at a cell boundary.

    Readers disagree on the rest: pyarrow closes a quote left open at the end of the file and
    keeps a quote in the middle of a cell, where the csv module and pandas refuse or join cells.
    ``quotes`` are the positions of the quotes in ``b``, ``lf`` of the line ends: the check is a
    few passes over the quotes' positions, with no loop over the cells.

    A line with an odd number of quotes has a cell that runs over its end (or is never closed).
    Otherwise the n-th quote of a line is inside a quoted cell when n is odd, so a run of quotes
    that begins outside a cell opens one (its first quote must follow a separator or begin the
    line), and a run that ends inside one closes it (its last quote must precede a separator or
    end the line); in between, quotes come in pairs, each a quote of the cell's text.
    """
    if not quotes.size:
        return True
    if quotes.size % 2 or (np.searchsorted(quotes, lf) % 2).any():
        return False
    # every line has an even number of quotes, so the parity of a quote's place in the file is
    # its parity in its line. A quote after a quote does not begin a run, nor one before a quote
    # end it: those need nothing around them.
    opens, closes = quotes[0::2], quotes[1::2]
    before = b[opens[1:] - 1] if opens[0] == 0 else b[opens - 1]
    if not ((before == sep) | (before == 0x0A) | (before == 0x22)).all():
        return False
    after = b[closes[:-1] + 1] if closes[-1] + 1 == len(b) else b[closes + 1]
    return bool(((after == sep) | (after == 0x0D) | (after == 0x0A) | (after == 0x22)).all())
