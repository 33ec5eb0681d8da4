"""How wide text shows in a spreadsheet cell, for whole columns at once.

East Asian wide and full-width characters (Unicode's East_Asian_Width W and F) take two
display widths, every other character one. Column widths and the row heights of wrapped text
are computed from these widths, so they are counted exactly as ``unicodedata`` says, but per
column: one lookup table for the Basic Multilingual Plane, one pass over all the text.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from functools import cache

import numpy as np

BMP = 0x10000


def display_width(text: object) -> int:
    """Width of text in a spreadsheet cell: East Asian wide characters count twice."""
    return int(display_widths([str(text)])[0])


@cache
def _wide_bmp() -> np.ndarray:
    """True at every code point below U+10000 that is East Asian wide or full-width."""
    return np.fromiter((unicodedata.east_asian_width(chr(c)) in "WF" for c in range(BMP)), dtype=bool, count=BMP)


def _codepoints(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All code points of ``texts`` end to end, and where each text ends in them."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    return np.frombuffer(joined, dtype=np.uint32), np.cumsum(lengths)


def _wide(points: np.ndarray) -> np.ndarray:
    wide = np.zeros(len(points), dtype=bool)
    bmp = points < BMP
    wide[bmp] = _wide_bmp()[points[bmp]]
    astral = np.flatnonzero(~bmp)
    if len(astral):  # rare (emoji, CJK extension B and later): look each distinct one up
        found = {int(c): unicodedata.east_asian_width(chr(int(c))) in "WF" for c in np.unique(points[astral])}
        wide[astral] = [found[int(c)] for c in points[astral]]
    return wide


def display_widths(texts: Iterable[str]) -> np.ndarray:
    """:func:`display_width` of every text, as an integer array."""
    texts = list(texts)
    if not texts:
        return np.zeros(0, dtype=np.int64)
    points, ends = _codepoints(texts)
    counted = np.concatenate([[0], np.cumsum(_wide(points) + 1)])
    starts = np.concatenate([[0], ends[:-1]])
    return counted[ends] - counted[starts]


def line_counts(texts: Iterable[str], room: float) -> np.ndarray:
    """Lines each text takes in a wrapped cell ``room`` display widths wide (every line break
    starts a line; an empty text still takes one)."""
    texts = list(texts)
    lines = np.maximum(1, np.ceil(display_widths(texts) / room)).astype(np.int64)
    if not texts:
        return lines
    points, ends = _codepoints(texts)
    broken = np.unique(np.searchsorted(ends, np.flatnonzero(points == 10), side="right"))
    for i in broken:  # texts with line breaks: count each line on its own
        parts = texts[i].split("\n")
        lines[i] = sum(max(1, math.ceil(w / room)) for w in display_widths(parts))
    return lines


__all__ = ["display_width", "display_widths", "line_counts"]
