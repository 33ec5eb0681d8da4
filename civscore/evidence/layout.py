"""Layout in text copied out of PDFs, Word tables and OCR: :func:`strip_layout` drops the whitespace the
layout put between characters (keeping offsets into the original), and :func:`header_unit_cells`
reads the bare numbers of a table whose column header names the unit (受理（起）)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from civscore.evidence.numerals import MAGNITUDE, UNITS

_SPACES = "\t \u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff"
_WS_RUN = re.compile(rf"[{_SPACES}\r\n]+")
_GROUP_SPACE = " \u00a0\u2009\u202f\u2002\u2005\u2006\u2007\u2008"  # may separate groups of digits
_SENTENCE_FINAL = set("。！？!?；;：:")
_LIST_ITEM = re.compile(
    r"[ \t\u3000]*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}\s*[、.．)）]"
    r"|[①-⑳●•▪▲■◆◇○√※#*-])"
)
# a table row: a tab or a bar between cells, or at least three cells set apart by 2+ spaces
_TABLE_ROW = re.compile(r"\S(?:\t|\s*[|｜]\s*)\S|\S[ \u3000]{2,}\S.*?\S[ \u3000]{2,}\S")
_LIST_NUMBER = re.compile(r"[ \t\u3000]*\d{1,2}$")  # 1 场地改造：… at the start of a line
_HEADING_AFTER = re.compile(r"[\u4e00-\u9fff]{2,12}[：:]")


def _is_wide(ch: str) -> bool:
    """A Chinese character or full-width punctuation: spaces between two of them are layout."""
    return ch >= "\u2e80"


def _soft_break(s: str, a: int, b: int) -> bool:
    """Whether the single line break in s[a:b] is layout inside a sentence (PDF wrapping)."""
    nl = s.index("\n", a)
    line_start = s.rfind("\n", 0, a) + 1
    line = s[line_start:a].strip()
    next_end = s.find("\n", b)
    next_line = s[b : len(s) if next_end < 0 else next_end]
    indent = s[nl + 1 : b].replace("\r", "")
    return (
        len(line) >= 6
        and line[-1] not in _SENTENCE_FINAL
        and not (_LIST_ITEM.match(line) and len(line) <= 20 and not re.search("[，,。]", line))
        and not _TABLE_ROW.search(line)
        and not _TABLE_ROW.search(next_line)
        and not (len(indent) >= 3 or "\u3000" in indent or "\t" in indent)  # a paragraph's indent
        and not _LIST_ITEM.match(next_line)
    )


def _digit_groups(s: str, a: int, b: int) -> bool:
    """Whether the one space s[a:b] separates thousands: 1 350, 28 650 (not 18 17, not 2024 3)."""
    if b - a != 1 or s[a] not in _GROUP_SPACE:
        return False
    i = a
    while i > 0 and s[i - 1].isdigit() and a - i < 4:
        i -= 1
    if not 1 <= a - i <= 3 or (i > 0 and s[i - 1] in "0123456789.,，"):
        return False
    after = s[b : b + 4]
    return len(after) >= 3 and after[:3].isdigit() and not after[3:4].isdigit()


def _removable(s: str, a: int, b: int) -> bool:
    """Whether the whitespace s[a:b] is layout, to be dropped before matching (see the module doc)."""
    if a == 0 or b == len(s):
        return False
    nl = s.count("\n", a, b)
    if nl > 1 or (nl == 1 and not _soft_break(s, a, b)):
        return False
    x, y = s[a - 1], s[b]
    xd, yd = x in "0123456789", y in "0123456789"
    if xd and yd:
        return nl == 0 and _digit_groups(s, a, b)
    if xd:  # keep the space of a list number at the start of a line: "1 场地改造："
        line_start = s.rfind("\n", 0, a) + 1
        return not (_LIST_NUMBER.fullmatch(s, line_start, a) and _HEADING_AFTER.match(s, b))
    if yd:
        return True
    return _is_wide(x) and _is_wide(y)


def strip_layout(s: str) -> tuple[str, np.ndarray]:
    """``s`` without its layout whitespace, and for each character kept its offset in ``s``
    (plus ``len(s)`` at the end, so that an end offset maps too)."""
    cuts = [m.span() for m in _WS_RUN.finditer(s) if _removable(s, *m.span())]
    if not cuts:
        return s, np.arange(len(s) + 1)
    keep = np.ones(len(s) + 1, dtype=bool)
    pieces, last = [], 0
    for a, b in cuts:
        keep[a:b] = False
        pieces.append(s[last:a])
        last = b
    pieces.append(s[last:])
    return "".join(pieces), np.flatnonzero(keep)


_CELL_SEP = re.compile(r"\t+|[ \u3000]{2,}|[ \u3000]*[|｜][ \u3000]*")
_HEADER_UNIT = re.compile(r"(?P<name>.*?)[（(](?P<mag>[万千])?(?P<unit>[^（）()]{1,4})[）)]$")
_BARE_NUMBER = re.compile(r"(?:\d{1,3}(?:[,， ]\d{3})+|\d+)(?:\.\d+)?")


def _cells(s: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the non-empty cells of the line s[start:end]."""
    out, last = [], start
    for m in _CELL_SEP.finditer(s, start, end):
        out.append((last, m.start()))
        last = m.end()
    out.append((last, end))
    return [(a, b) for a, b in ((a + len(s[a:b]) - len(s[a:b].lstrip()), b) for a, b in out) if s[a:b].strip()]


@dataclass(frozen=True)
class _TableCell:
    value: float
    unit: str
    kind: str
    start: int
    end: int
    subject: str


def header_unit_cells(s: str) -> list[_TableCell]:
    """Bare numbers in table columns whose header names the unit, with offsets in ``s``."""
    if "（" not in s and "(" not in s:
        return []
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", s)]
    found: list[_TableCell] = []
    columns: dict[int, tuple[str, str, float, str]] = {}
    width = 0
    for a, b in lines:
        cells = _cells(s, a, b)
        if len(cells) < 2:
            columns = {}
            continue
        header = {}
        for j, (ca, cb) in enumerate(cells):
            m = _HEADER_UNIT.fullmatch(s[ca:cb].strip())
            if m and m["unit"] in UNITS:
                unit, kind = UNITS[m["unit"]]
                header[j] = (unit, kind, MAGNITUDE[m["mag"]] if m["mag"] else 1.0, m["name"])
        if header:
            columns, width = header, len(cells)
            continue
        if not columns or len(cells) != width:
            columns = {}
            continue
        label = s[cells[0][0] : cells[0][1]].strip()
        for j, (unit, kind, mult, name) in columns.items():
            ca, cb = cells[j]
            text = s[ca:cb].rstrip()
            if _BARE_NUMBER.fullmatch(text):
                value = float(re.sub(r"[,， ]", "", text)) * mult
                found.append(_TableCell(value, unit, kind, ca, ca + len(text), f"{label}…{name}"))
    return found
