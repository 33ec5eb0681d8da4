"""Rows of a worksheet as SpreadsheetML, built a column at a time with Arrow's string kernels.

xlsxwriter spends several microseconds on every cell it writes (a method call, checks, a tuple,
then XML text); a district's ranking has millions of cells. Here the XML of a block of rows is
made with whole-column Arrow string operations (no Python object per cell for numbers and for
text that is already Arrow-backed; a repeating column's cells made once per distinct value) and
laid end to end by one take, and :mod:`civscore.writers.xlsx` streams it into xlsxwriter's
worksheet file, so memory stays at one block of rows. The cells are what
xlsxwriter itself writes for in-line strings: booleans as ``t="b"``, text with XML escaped,
control characters as ``_xHHHH_``, leading or trailing blanks preserved, at most 32,767
characters; numbers in their shortest exact decimal form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civscore.writers.safe_text import safe_texts
from civscore.writers.xlsx_widths import utf8_bytes

MAX_TEXT = 32_767  # characters in one Excel cell
DEFAULT_ROW_PIXELS = 20  # 15 pt
# characters XML 1.0 cannot hold, and literal _xHHHH_ (which Excel would read as an escape)
_CONTROL_REGEX = r"[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]|_x[0-9a-fA-F]{4}_"
_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL_CHAR = re.compile(r"([\x00-\x08\x0b-\x1f])")
_TRUE = '" t="b"><v>1</v></c>'
_FALSE = '" t="b"><v>0</v></c>'
_INFINITE = '" t="e"><v>#NUM!</v></c>'  # Excel has no infinity: the error value it shows for one
_BLANK = '"/>'
_XML_BLANKS = np.frombuffer(b" \t\n\r", dtype=np.uint8)


def column_letter(j: int) -> str:
    """'A' for the first column, 'AA' for the 27th."""
    name = ""
    j += 1
    while j:
        j, rest = divmod(j - 1, 26)
        name = chr(65 + rest) + name
    return name


def _control_escaped(text: str) -> str:
    """Control characters as Excel's _xHHHH_ escapes (a literal _xHHHH_ gets its _ escaped)."""
    text = _ESCAPED.sub(r"_x005F\1", text)
    text = _CONTROL_CHAR.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _has(data: np.ndarray, pattern: bytes) -> bool:
    """Whether ``pattern`` occurs in the bytes ``data``."""
    n = len(pattern)
    if len(data) < n:
        return False
    hit = data[: len(data) - n + 1] == pattern[0]
    for k in range(1, n):
        hit &= data[k : len(data) - n + 1 + k] == pattern[k]
    return bool(hit.any())


def text_xml(texts: pa.Array, head: str = "", tail: str = "") -> pa.Array:
    """The part of in-line string cells after the style, for text already formula-safe, between
    ``head`` and ``tail``.

    What needs escaping is looked for in the column's UTF-8 bytes at once; Arrow's string
    kernels then run only for what was found.
    """
    data, offsets = utf8_bytes(texts)
    if len(offsets) > 1 and np.diff(offsets).max() > MAX_TEXT and pc.max(pc.utf8_length(texts)).as_py() > MAX_TEXT:
        texts = pc.utf8_slice_codeunits(texts, 0, MAX_TEXT)
        data, offsets = utf8_bytes(texts)
    control = (data < 0x20) & (data != 9) & (data != 10) & (data != 13)
    if control.any() or _has(data, b"_x") or _has(data, "\ufffe".encode()) or _has(data, "\uffff".encode()):
        found = pc.match_substring_regex(texts, _CONTROL_REGEX)
        if pc.any(found).as_py():  # rare: escape those texts one by one
            values = texts.to_pylist()
            for i in np.flatnonzero(found.to_numpy(zero_copy_only=False)):
                values[i] = _control_escaped(values[i])
            texts = pa.array(values, type=pa.string())
            data, offsets = utf8_bytes(texts)
    for char, entity in ((b"&", "&amp;"), (b"<", "&lt;"), (b">", "&gt;")):
        if _has(data, char):
            texts = pc.replace_substring(texts, char.decode(), entity)
    # leading or trailing XML blanks (space, tab, line break) are kept with xml:space
    filled = np.flatnonzero(np.diff(offsets) > 0)
    edges = np.concatenate([data[offsets[filled]], data[offsets[filled + 1] - 1]])
    opening: object = head + '" t="inlineStr"><is><t>'
    if np.isin(edges, _XML_BLANKS).any():
        first, last = np.zeros(len(texts), dtype=bool), np.zeros(len(texts), dtype=bool)
        first[filled] = np.isin(data[offsets[filled]], _XML_BLANKS)
        last[filled] = np.isin(data[offsets[filled + 1] - 1], _XML_BLANKS)
        kept = pa.array(first | last)
        opening = pc.if_else(kept, head + '" t="inlineStr"><is><t xml:space="preserve">', opening)
    return _join(opening, texts, "</t></is></c>" + tail)


def number_xml(numbers: np.ndarray, head: str = "", tail: str = "") -> pa.Array:
    """The part of number cells after the style, for finite floats, between ``head`` and ``tail``."""
    return _join(head + '"><v>', pc.cast(pa.array(numbers, type=pa.float64()), pa.string()), "</v></c>" + tail)


def _kind(value: object) -> str:
    """'s' text, 'b' yes/no, 'n' number, '' blank (None, NA, NaN, empty text)."""
    if isinstance(value, str):
        return "s" if value else ""
    if isinstance(value, (bool, np.bool_)):
        return "b"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "" if value != value else "n"  # NaN
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    return "s"  # anything else (a date, a decimal) shows as its text


def _numbers(numbers: np.ndarray, head: str = "", tail: str = "") -> pa.Array:
    """Cell endings of a float column between ``head`` and ``tail``: finite numbers, #NUM! for
    infinities, null for NaN."""
    finite = np.isfinite(numbers)
    out = pa.nulls(len(numbers), pa.string())
    if finite.all():
        return number_xml(numbers, head, tail)
    if finite.any():
        out = pc.replace_with_mask(out, pa.array(finite), number_xml(numbers[finite], head, tail))
    infinite = np.isinf(numbers)
    if infinite.any():
        out = pc.if_else(pa.array(infinite), head + _INFINITE + tail, out)
    return out


# Codes of a column's distinct values, in the smallest integers that hold them: a long table's
# codes stay small in memory. The last code of each width is kept for a blank cell.
_CODE_TYPES = (np.int8, np.int16, np.int32)

# A block's cells of one column: texts, and which of them each row takes (None: one text a row).
BlockCells = tuple[pa.Array, np.ndarray | None]
Cells = Callable[[int, int, np.ndarray], BlockCells]


def column_cells(values: pd.Series, styles: Sequence[str], after: str, safe: bool = True) -> Cells:
    """The cells of a column for any block of its rows, ``cells(start, stop, classes)``: per row,
    what follows the cell's reference (``<c r="B12``): the style of the row's class
    (``styles[classes[i]]``), the value (a blank cell as an empty element with its style), then
    ``after``, the start of the next cell's reference (``<c r="C``) or the end of the row. A
    row is then its row number and its cells' texts end to end (:func:`rows_xml`).

    A column whose values repeat (at most half distinct: categories, names, points, yes/no) has
    its cells made once per distinct value and style, for the whole column, and a block says
    which of them each row takes. Other columns are made block by block, style and ``after`` in
    the same join.
    """
    styles = [str(style) for style in styles]
    kind = values.dtype
    if pd.api.types.is_bool_dtype(kind) and not values.isna().any():
        return _coded(pa.array([_FALSE, _TRUE]), values.to_numpy(bool).astype(np.int8), styles, after)
    numeric = pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
    if numeric:
        column = pa.array(values.to_numpy(float, na_value=np.nan), type=pa.float64())
    elif isinstance(kind, pd.StringDtype):  # text or missing, nothing else: stays in Arrow
        column = pa.array(values, type=pa.string(), from_pandas=True)
    elif pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        # Python text and blanks only (names, groups, joined notes): the same cells as text in
        # Arrow, made for the whole column, not value by value in each block
        column = pa.array(values.to_numpy(object), type=pa.string(), from_pandas=True)
    else:
        return lambda start, stop, classes: _by_class(
            lambda head, tail: _object_endings(values.iloc[start:stop], safe, head, tail), classes, styles, after
        )

    def work(part: pa.Array, head: str = "", tail: str = "") -> pa.Array:
        if numeric:
            return _numbers(part.to_numpy(zero_copy_only=False), head, tail)
        return _text_endings(part, safe, head, tail)

    coded = pc.dictionary_encode(column)
    distinct = len(coded.dictionary)
    if distinct > len(column) // 2:
        return lambda start, stop, classes: _by_class(
            lambda head, tail: work(column.slice(start, stop - start), head, tail), classes, styles, after
        )
    width = next(t for t in _CODE_TYPES if distinct < np.iinfo(t).max)
    codes = pc.fill_null(coded.indices, distinct).to_numpy(zero_copy_only=False).astype(width)
    return _coded(work(coded.dictionary), codes, styles, after)


def _coded(endings: pa.Array, codes: np.ndarray, styles: list[str], after: str) -> Cells:
    """Cells taken from the ``endings`` of a column's distinct values (null: blank) by their
    ``codes`` (``len(endings)``: blank), made once for every style."""
    size = len(endings) + 1
    endings = pc.fill_null(pa.concat_arrays([endings, pa.nulls(1, pa.string())]), _BLANK)
    made = pa.concat_arrays([_join(style, endings, after) for style in styles])

    def cells(start: int, stop: int, classes: np.ndarray) -> BlockCells:
        part = codes[start:stop]
        if len(classes) and (classes != classes[0]).any():
            return made, part.astype(np.int64) + classes.astype(np.int64) * size
        shift = int(classes[0]) * size if len(classes) else 0
        return made, part.astype(np.int64) + shift if shift else part

    return cells


def _by_class(make: Callable[[str, str], pa.Array], classes: np.ndarray, styles: list[str], after: str) -> BlockCells:
    """A block's cells from ``make(head, tail)`` (endings between head and tail, null for a
    blank): with the style as ``head`` when the block's rows share one, else joined to each
    row's style."""
    if not len(classes) or (classes == classes[0]).all():
        style = styles[int(classes[0])] if len(classes) else styles[0]
        made = make(style, after)
        return (pc.fill_null(made, style + _BLANK + after) if made.null_count else made), None
    made = make("", after)
    made = pc.fill_null(made, _BLANK + after) if made.null_count else made
    return _join(pc.take(pa.array(styles, type=pa.string()), pa.array(classes)), made), None


def _object_endings(values: pd.Series, safe: bool, head: str = "", tail: str = "") -> pa.Array:
    """Cell endings of a column of mixed Python values (text, yes/no, numbers, blanks), between
    ``head`` and ``tail``; null for a blank."""
    obj = values.to_numpy(object)
    types = pd.Series(obj, dtype=object).map(_kind).to_numpy()
    out = pa.nulls(len(obj), pa.string())
    texts = types == "s"
    if texts.any():
        column = pa.array([str(v) for v in obj[texts]], type=pa.string())
        out = pc.replace_with_mask(out, pa.array(texts), text_xml(safe_texts(column) if safe else column, head, tail))
    flags = types == "b"
    if flags.any():
        truth = pa.array(np.array([bool(v) for v in obj[flags]]))
        flag_cells = pc.if_else(truth, head + _TRUE + tail, head + _FALSE + tail)
        out = pc.replace_with_mask(out, pa.array(flags), flag_cells)
    numbers = types == "n"
    if numbers.any():
        out = pc.replace_with_mask(out, pa.array(numbers), _numbers(obj[numbers].astype(float), head, tail))
    return out


def _text_endings(texts: pa.Array, safe: bool, head: str = "", tail: str = "") -> pa.Array:
    """What follows the style in cells of text, between ``head`` and ``tail``; null for a blank
    (null or empty) text."""
    texts = pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)
    return text_xml(safe_texts(texts) if safe else texts, head, tail)


def cell_afters(n_columns: int) -> list[str]:
    """What follows each column's cells in a row (:func:`column_cells`' ``after``): the start
    of the next cell's reference, and the end of the row after the last."""
    return [f'<c r="{column_letter(j + 1)}' for j in range(n_columns - 1)] + ["</row>"]


def rows_xml(first_row: int, n: int, cells: list[BlockCells], heights: np.ndarray | None = None) -> memoryview:
    """The UTF-8 ``<row>`` elements of ``n`` rows from 0-based ``first_row``, made of each
    column's :func:`column_cells` (with the ``after`` of :func:`cell_afters`); ``heights`` are
    row heights in points (None: the default).

    Heights are rounded to whole pixels and the default 15 pt is left unsaid, as xlsxwriter's
    ``set_row`` does.
    """
    numbers = row_numbers(first_row, n)
    first = '"><c r="A' if cells else '"></row>'
    opening = _join('<row r="', numbers, first)
    if heights is not None:
        pixels = (np.asarray(heights, dtype=float) * 4.0 / 3.0 + 0.5).astype(np.int64)
        custom = pixels != DEFAULT_ROW_PIXELS
        if custom.any():
            points = pc.cast(pa.array(pixels * 0.75), pa.string())
            tall = _join('<row r="', numbers, '" ht="', points, '" customHeight="1' + first)
            opening = pc.if_else(pa.array(custom), tall, opening)
    # Every text the rows are made of, and per row which ones in order: its opening, then per
    # cell its row number and the cell. One take lays them end to end: the block's bytes, each
    # copied once, where a join over the columns would first take each column's cells.
    texts = [opening, numbers, *(column for column, _ in cells)]
    starts = np.cumsum([0, *map(len, texts)])
    pieces = np.empty((n, 1 + 2 * len(cells)), dtype=np.int32 if starts[-1] < 2**31 else np.int64)
    rows = np.arange(n)
    pieces[:, 0] = rows
    pieces[:, 1::2] = (starts[1] + rows)[:, None]
    for j, (_, taken) in enumerate(cells):
        pieces[:, 2 + 2 * j] = starts[2 + j] + (rows if taken is None else taken)
    # 32-bit offsets unless the block could pass 2 GiB (a row at most its longest pieces)
    longest = [pc.max(pc.binary_length(t)).as_py() or 0 for t in texts]
    widest_row = longest[0] + sum(longest[1] + size for size in longest[2:])
    kind, width = (pa.string(), np.int32) if n * widest_row < 2**31 else (pa.large_string(), np.int64)
    laid = pa.concat_arrays([t.cast(kind) for t in texts]).take(pa.array(pieces.ravel()))
    # the rows' characters end to end are the block: Arrow's data buffer, no copy
    offsets = np.frombuffer(laid.buffers()[1], dtype=width)[laid.offset : laid.offset + len(laid) + 1]
    data = laid.buffers()[2]
    return memoryview(data)[offsets[0] : offsets[-1]] if data is not None else memoryview(b"")


def row_numbers(first_row: int, n: int) -> pa.Array:
    """1-based row numbers as text, for cell references."""
    return pc.cast(pa.array(np.arange(first_row + 1, first_row + n + 1)), pa.string())


__all__ = ["cell_afters", "column_cells", "column_letter", "row_numbers", "rows_xml", "text_xml"]
