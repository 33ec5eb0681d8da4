"""How wide text shows in a spreadsheet cell, for whole columns at once.

East Asian wide and full-width characters (Unicode's East_Asian_Width W and F) take two
display widths, every other character one. Column widths and the row heights of wrapped text
are computed from these widths, so they are counted exactly as ``unicodedata`` says, but per
column: the column's UTF-8 bytes (as Arrow holds them) are decoded with NumPy and looked up in
one table for the Basic Multilingual Plane; no Python object per text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BMP = 0x10000


def display_width(text: object) -> int:
    """Width of text in a spreadsheet cell: East Asian wide characters count twice."""
    return int(display_widths([str(text)])[0])


@cache
def _wide_bmp() -> np.ndarray:
    """True at every code point below U+10000 that is East Asian wide or full-width."""
    return np.fromiter((unicodedata.east_asian_width(chr(c)) in "WF" for c in range(BMP)), dtype=bool, count=BMP)


def _wide(points: np.ndarray) -> np.ndarray:
    wide = np.zeros(len(points), dtype=bool)
    bmp = points < BMP
    wide[bmp] = _wide_bmp()[points[bmp]]
    astral = np.flatnonzero(~bmp)
    if len(astral):  # rare (emoji, CJK extension B and later): look each distinct one up
        found = {int(c): unicodedata.east_asian_width(chr(int(c))) in "WF" for c in np.unique(points[astral])}
        wide[astral] = [found[int(c)] for c in points[astral]]
    return wide


def utf8_bytes(texts: Iterable[str] | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of all texts end to end, and where each text starts (plus the end)."""
    texts = pc.fill_null(_arrow(texts).cast(pa.large_string()), "")
    _, offsets_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[texts.offset : texts.offset + len(texts) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    data = data[offsets[0] : offsets[-1]]
    return data, offsets - offsets[0]


def _codepoints(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each character starts in UTF-8 ``data``, and its code point."""
    starts = np.flatnonzero((data & 0xC0) != 0x80)
    lead = data[starts]
    points = lead.astype(np.uint32)
    multi = np.flatnonzero(lead >= 0x80)
    if len(multi):
        padded = np.concatenate([data, np.zeros(3, dtype=np.uint8)])
        at = starts[multi]
        first = points[multi]
        b1, b2, b3 = ((padded[at + k] & 0x3F).astype(np.uint32) for k in (1, 2, 3))
        two, four = first < 0xE0, first >= 0xF0
        three = ~two & ~four
        decoded = np.empty(len(multi), dtype=np.uint32)
        decoded[two] = ((first[two] & 0x1F) << 6) | b1[two]
        decoded[three] = ((first[three] & 0x0F) << 12) | (b1[three] << 6) | b2[three]
        decoded[four] = ((first[four] & 0x07) << 18) | (b1[four] << 12) | (b2[four] << 6) | b3[four]
        points[multi] = decoded
    return starts, points


def _widths(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    starts, points = _codepoints(data)
    counted = np.concatenate([[0], np.cumsum(1 + _wide(points).astype(np.int64))])  # two widths if wide
    first_char = np.searchsorted(starts, offsets)
    return counted[first_char[1:]] - counted[first_char[:-1]]


def _arrow(texts: Iterable[str] | pa.Array) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        return texts.combine_chunks()
    if isinstance(texts, pa.Array):
        return texts
    return pa.array(list(texts), type=pa.string())


def _per_distinct(texts: Iterable[str] | pa.Array, measure) -> np.ndarray:
    """``measure`` (texts -> one number each) of every text, computed once per distinct text:
    a column's texts repeat a lot (categories, item names, the same note)."""
    column = pc.fill_null(_arrow(texts), "")
    coded = pc.dictionary_encode(column)
    if len(coded.dictionary) > len(column) // 2:
        return measure(column)
    return measure(coded.dictionary)[coded.indices.to_numpy(zero_copy_only=False)]


def display_widths(texts: Iterable[str] | pa.Array) -> np.ndarray:
    """:func:`display_width` of every text (a list of ``str`` or an Arrow string column; null
    counts as empty), as an integer array."""
    return _per_distinct(texts, lambda column: _widths(*utf8_bytes(column)))


def line_counts(texts: Iterable[str] | pa.Array, room: float) -> np.ndarray:
    """Lines each text takes in a wrapped cell ``room`` display widths wide (every line break
    starts a line; an empty text still takes one)."""
    return _per_distinct(texts, lambda column: _line_counts(column, room))


def _line_counts(texts: pa.Array, room: float) -> np.ndarray:
    data, offsets = utf8_bytes(texts)
    # a line breaks before a Latin word that does not fit (between any two CJK characters
    # otherwise), so a line can end short by up to the longest word less one, and all lines
    # together by at most every word's length less one: the smaller of the two bounds (rows a
    # little tall rather than text cut off, as "yes/no" once was in print)
    widths = _widths(data, offsets).astype(np.float64)
    longest, waste = _words(data, offsets)
    shortest_line = np.maximum(room - np.maximum(longest - 1, 0), 1.0)
    lines = np.maximum(1, np.ceil(np.minimum(widths / shortest_line, (widths + waste) / room))).astype(np.int64)
    broken = np.unique(np.searchsorted(offsets, np.flatnonzero(data == 10), side="right") - 1)
    for i in broken:  # texts with line breaks: count each line on its own
        text = bytes(data[offsets[i] : offsets[i + 1]]).decode("utf-8")
        lines[i] = int(_line_counts(pa.array(text.split("\n"), type=pa.string()), room).sum())
    return lines


def _words(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per text: its longest run of printable ASCII other than space (a word the line break
    keeps whole) and the sum over its runs of their length less one, in display widths."""
    n = len(offsets) - 1
    longest, waste = np.zeros(n, np.int64), np.zeros(n, np.int64)
    filled = offsets[:-1] < offsets[1:]
    if not len(data):
        return longest, waste
    position = np.arange(len(data), dtype=np.int32 if len(data) < 2**31 else np.int64)
    word = (data > 0x20) & (data < 0x7F)
    starts = offsets[:-1][filled]
    # the last place before each byte where a run starts over (a space, a non-ASCII byte, or
    # the end of the text before), then each byte's place in its run: 0 outside runs
    run = np.where(word, -1, position)
    run[starts] = np.maximum(run[starts], starts - 1)
    np.maximum.accumulate(run, out=run)
    np.subtract(position, run, out=run)
    run *= word
    longest[filled] = np.maximum.reduceat(run, starts)
    waste[filled] = np.add.reduceat(word, starts, dtype=np.int64) - np.add.reduceat(run == 1, starts, dtype=np.int64)
    return longest, waste


__all__ = ["display_width", "display_widths", "line_counts", "utf8_bytes"]
