"""What a fast cell reader does not tell about a sheet, from one streaming pass over its XML.

Merged ranges, hidden rows and columns, error cells (``#DIV/0!``: python-calamine reads them as
blanks, which would silently turn a failed formula into a missing value), formulas without a saved
result, and the true extent of the cells (a stray cell in column XFD would make a dense reader
allocate 16,384 columns for every row). The XML is inflated in blocks and searched with bytes
methods; the regular expressions run only on blocks where a cheap search found something.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field

_BLOCK = 1 << 22
_P = rb"(?:\w+:)?"  # an optional namespace prefix
_MERGE = re.compile(rb"<" + _P + rb'mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_HIDDEN_ROW = re.compile(rb"<" + _P + rb'row\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_HIDDEN_COL = re.compile(rb"<" + _P + rb'col\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_ATTR = {name: re.compile(rb"\b" + name + rb'="(\d+)"') for name in (b"r", b"min", b"max")}
_FORMULA_TAG = re.compile(rb"<" + _P + rb"f[ >/]")
# a formula cell whose saved result is missing, empty or only spaces
_UNSAVED = re.compile(
    rb"<"
    + _P
    + rb"f\b[^>]*(?:/>|>[^<]*</"
    + _P
    + rb"f>)(?:<"
    + _P
    + rb"v\s*/>|<"
    + _P
    + rb"v>\s*</"
    + _P
    + rb"v>)?</"
    + _P
    + rb"c>"
)
_CELL_BODY = rb"[^>]*>(?:(?!</" + _P + rb"c>|<" + _P + rb"c\b).)*?<" + _P + rb"v>([^<]*)</"  # up to its <v>
_ERROR_CELL = re.compile(rb"<" + _P + rb'c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"' + _CELL_BODY, re.S)
_ERROR_CELL_T_FIRST = re.compile(rb"<" + _P + rb'c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+)(\d+)"' + _CELL_BODY, re.S)
_REF = re.compile(rb'([A-Z]{1,3})(\d+)"')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')


@dataclass
class Merge:
    """A merged range, in 1-based spreadsheet rows and columns."""

    first_row: int
    last_row: int
    first_col: int
    last_col: int

    @property
    def ref(self) -> str:
        return f"{excel_column(self.first_col)}{self.first_row}:{excel_column(self.last_col)}{self.last_row}"


@dataclass
class SheetXml:
    """What the cell values do not tell about a sheet (see the module's docstring)."""

    merges: list[Merge] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)
    unsaved_formulas: bool = False  # some formula cell has no saved result (or a blank one)
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column, "#DIV/0!")
    extent: tuple[int, int] | None = None  # (last row, last column) holding a cell; None: unknown


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def excel_column(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def scan_sheet(archive: zipfile.ZipFile, part: str | None) -> SheetXml:
    """The sheet's :class:`SheetXml`; empty when the part is missing. A damaged stream raises
    (``zipfile.BadZipFile``, ``zlib.error``, ``OSError``, ``EOFError``) for the caller to judge."""
    xml = SheetXml()
    if not part:
        return xml
    try:
        stream = archive.open(part.lstrip("/"))
    except KeyError:
        return xml
    last_row = last_col = 0
    extent_known = True
    carry = b""
    with stream:
        while True:
            piece = stream.read(_BLOCK)
            block = carry + piece
            if piece:
                cut = block.rfind(b"</row>")
                cut = cut + 6 if cut >= 0 else block.rfind(b">") + 1
                block, carry = block[:cut], block[cut:]
            if not block:
                if not piece:
                    break
                continue
            extent_known &= _scan_block(block, xml)
            rows = _row_extent(block)
            if rows is None:
                extent_known = False
            else:
                last_row, last_col = max(last_row, rows[0]), max(last_col, rows[1])
            if not piece:
                break
    xml.extent = (last_row, last_col) if extent_known else None
    return xml


def _scan_block(block: bytes, xml: SheetXml) -> bool:
    """Add what ``block`` holds to ``xml``; False if an error cell could not be placed, or the
    block holds cells the fast reader is not known to read as openpyxl does."""
    if b"mergeCell" in block:
        xml.merges.extend(
            Merge(int(r1), int(r2), column_number(c1.decode()), column_number(c2.decode()))
            for c1, r1, c2, r2 in _MERGE.findall(block)
        )
    if b"hidden=" in block:
        rows = (_ATTR[b"r"].search(m.group()) for m in _HIDDEN_ROW.finditer(block))
        xml.hidden_rows.extend(int(r.group(1)) for r in rows if r is not None)
        for m in _HIDDEN_COL.finditer(block):
            lo, hi = _ATTR[b"min"].search(m.group()), _ATTR[b"max"].search(m.group())
            if lo and hi:
                xml.hidden_cols.extend(range(int(lo.group(1)), min(int(hi.group(1)), 16_384) + 1))
    if not xml.unsaved_formulas and b"<f" in block and _FORMULA_TAG.search(block):
        xml.unsaved_formulas = _UNSAVED.search(block) is not None
    if b't="d"' in block:
        return False  # ISO 8601 date cells: calamine and openpyxl may read them differently
    placed = True
    if b't="e"' in block:
        found = 0
        for pattern in (_ERROR_CELL, _ERROR_CELL_T_FIRST):
            for m in pattern.finditer(block):
                letters, row, text = m.groups()
                xml.errors.append((int(row), column_number(letters.decode()), text.decode("utf-8", "replace")))
                found += 1
        placed = found == block.count(b't="e"')
    return placed


def _row_extent(block: bytes) -> tuple[int, int] | None:
    """(last row, widest column) of the rows ending in ``block``, from the last cell of each
    row; None when a row's cells carry no reference (then the extent is unknown)."""
    last_row = last_col = 0
    start = 0
    while True:
        end = block.find(b"</row>", start)
        if end < 0:
            break
        # rows follow one another: the row's tag is where the last one ended (else look back)
        head = start if block.startswith(b"<row", start) else block.rfind(b"<row", start, end)
        if head < 0:
            return None  # a namespace prefix, or no row tag: not the XML Excel writes
        tag_end = block.find(b">", head)
        number = _ROW_NUMBER.search(block, head, tag_end + 1)
        if number is None:
            return None
        last_row = max(last_row, int(number.group(1)))
        cell = block.rfind(b' r="', tag_end, end)
        if cell >= 0:
            ref = _REF.match(block, cell + 4)
            if ref is None:
                return None
            last_col = max(last_col, column_number(ref.group(1).decode()))
        start = end + 6
    tail = block.rfind(b"<row", start)  # self-closing empty rows (<row r="9"/>) after the last </row>
    if tail >= 0:
        number = _ROW_NUMBER.search(block, tail, block.find(b">", tail) + 1)
        if number is not None:
            last_row = max(last_row, int(number.group(1)))
    return last_row, last_col
