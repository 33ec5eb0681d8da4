"""Rows of a worksheet as SpreadsheetML, built a column at a time with Arrow's string kernels.

xlsxwriter spends several microseconds on every cell it writes (a method call, checks, a tuple,
then XML text); a district's ranking has millions of cells. Here the XML of a block of rows is
made with whole-column Arrow string operations (no Python object per cell for numbers and for
text that is already Arrow-backed) and joined once, and :mod:`civscore.writers.xlsx` streams it
into xlsxwriter's worksheet file, so memory stays at one block of rows. The cells are what
xlsxwriter itself writes for in-line strings: booleans as ``t="b"``, text with XML escaped,
control characters as ``_xHHHH_``, leading or trailing blanks preserved, at most 32,767
characters; numbers in their shortest exact decimal form.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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


def text_xml(texts: pa.Array) -> pa.Array:
    """The part of in-line string cells after the style, for text already formula-safe.

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
    opening: object = '" t="inlineStr"><is><t>'
    if np.isin(edges, _XML_BLANKS).any():
        first, last = np.zeros(len(texts), dtype=bool), np.zeros(len(texts), dtype=bool)
        first[filled] = np.isin(data[offsets[filled]], _XML_BLANKS)
        last[filled] = np.isin(data[offsets[filled + 1] - 1], _XML_BLANKS)
        kept = pa.array(first | last)
        opening = pc.if_else(kept, '" t="inlineStr"><is><t xml:space="preserve">', '" t="inlineStr"><is><t>')
    return _join(opening, texts, "</t></is></c>")


def number_xml(numbers: np.ndarray) -> pa.Array:
    """The part of number cells after the style, for finite floats."""
    return _join('"><v>', pc.cast(pa.array(numbers, type=pa.float64()), pa.string()), "</v></c>")


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


def _numbers(numbers: np.ndarray) -> pa.Array:
    """Cell endings of a float column: finite numbers, #NUM! for infinities, null for NaN."""
    finite = np.isfinite(numbers)
    out = pa.nulls(len(numbers), pa.string())
    if finite.all():
        return number_xml(numbers)
    if finite.any():
        out = pc.replace_with_mask(out, pa.array(finite), number_xml(numbers[finite]))
    infinite = np.isinf(numbers)
    if infinite.any():
        out = pc.if_else(pa.array(infinite), _INFINITE, out)
    return out


def cell_endings(values: pd.Series, safe: bool = True) -> Callable[[int, int], pa.Array]:
    """What follows the style in the cells of rows ``start`` .. ``stop - 1`` of a column (null
    where a cell is blank), for any block of its rows: ``cell_endings(col)(start, stop)``.

    A column whose values repeat (at most half distinct: categories, names, points) has the
    endings of its distinct values made once, and each block takes its rows' from them.
    """
    kind = values.dtype
    if pd.api.types.is_bool_dtype(kind) and not values.isna().any():
        flags = pa.array(values.to_numpy(bool))
        return lambda start, stop: pc.if_else(flags.slice(start, stop - start), _TRUE, _FALSE)
    numeric = pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
    if numeric:
        column = pa.array(values.to_numpy(float, na_value=np.nan), type=pa.float64())
    elif isinstance(kind, pd.StringDtype):  # text or missing, nothing else: stays in Arrow
        column = pa.array(values, type=pa.string(), from_pandas=True)
    else:
        return lambda start, stop: _object_endings(values.iloc[start:stop], safe)

    def work(part: pa.Array) -> pa.Array:
        return _numbers(part.to_numpy(zero_copy_only=False)) if numeric else _text_endings(part, safe)

    coded = pc.dictionary_encode(column)
    if len(coded.dictionary) > len(column) // 2:
        return lambda start, stop: work(column.slice(start, stop - start))
    done = work(coded.dictionary)
    # the smallest integers that hold the codes: a long table's codes stay small in memory
    width = next(t for t in (pa.int8(), pa.int16(), pa.int32()) if len(coded.dictionary) <= 2 ** (t.bit_width - 1))
    codes = pc.cast(coded.indices, width)
    return lambda start, stop: done.take(codes.slice(start, stop - start))


def _object_endings(values: pd.Series, safe: bool) -> pa.Array:
    """Cell endings of a column of mixed Python values (text, yes/no, numbers, blanks)."""
    obj = values.to_numpy(object)
    types = pd.Series(obj, dtype=object).map(_kind).to_numpy()
    out = pa.nulls(len(obj), pa.string())
    texts = types == "s"
    if texts.any():
        column = pa.array([str(v) for v in obj[texts]], type=pa.string())
        out = pc.replace_with_mask(out, pa.array(texts), text_xml(safe_texts(column) if safe else column))
    flags = types == "b"
    if flags.any():
        truth = np.array([bool(v) for v in obj[flags]])
        out = pc.replace_with_mask(out, pa.array(flags), pc.if_else(pa.array(truth), _TRUE, _FALSE))
    numbers = types == "n"
    if numbers.any():
        out = pc.replace_with_mask(out, pa.array(numbers), _numbers(obj[numbers].astype(float)))
    return out


def _text_endings(texts: pa.Array, safe: bool) -> pa.Array:
    """What follows the style in cells of text; null for a blank (null or empty) text."""
    texts = pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)
    return text_xml(safe_texts(texts) if safe else texts)


ROWS = object()  # stands, in a column's parts, for the row numbers of the block


def column_parts(endings: pa.Array, letter: str, styles: pa.Array | str) -> list:
    """The pieces that make one column's ``<c>`` elements for a block of rows, to be joined row
    by row with the other columns' (:func:`rows_xml`): ``endings`` from :func:`cell_endings`,
    ``styles`` the ``s`` attribute text per row, or one for all. Every cell is written, a blank
    one as an empty element with its style (as an absent cell shows its column's format, so
    does this one).
    """
    return ['<c r="' + letter, ROWS, styles, pc.fill_null(endings, _BLANK)]


def rows_xml(first_row: int, n: int, columns: list[list], heights: np.ndarray | None = None) -> memoryview:
    """The UTF-8 ``<row>`` elements of ``n`` rows from 0-based ``first_row``, made of each
    column's :func:`column_parts`; ``heights`` are row heights in points (None: the default).

    Heights are rounded to whole pixels and the default 15 pt is left unsaid, as xlsxwriter's
    ``set_row`` does.
    """
    numbers = row_numbers(first_row, n)
    opening = _join('<row r="', numbers, '">')
    if heights is not None:
        pixels = (np.asarray(heights, dtype=float) * 4.0 / 3.0 + 0.5).astype(np.int64)
        custom = pixels != DEFAULT_ROW_PIXELS
        if custom.any():
            points = pc.cast(pa.array(pixels * 0.75), pa.string())
            tall = _join('<row r="', numbers, '" ht="', points, '" customHeight="1">')
            opening = pc.if_else(pa.array(custom), tall, opening)
    parts = [numbers if part is ROWS else part for column in columns for part in column]
    rows = _join(opening, *parts, "</row>").cast(pa.large_string())
    # the rows' characters end to end are the block: Arrow's data buffer, no copy
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset : rows.offset + len(rows) + 1]
    data = rows.buffers()[2]
    return memoryview(data)[offsets[0] : offsets[-1]] if data is not None else memoryview(b"")


def row_numbers(first_row: int, n: int) -> pa.Array:
    """1-based row numbers as text, for cell references."""
    return pc.cast(pa.array(np.arange(first_row + 1, first_row + n + 1)), pa.string())


def style_column(styles: np.ndarray, classes: np.ndarray) -> pa.Array | str:
    """Per row, the style text of its class (one text when every row has the same)."""
    if len(classes) and (classes == classes[0]).all():
        return str(styles[classes[0]])
    return pc.take(pa.array(styles.tolist(), type=pa.string()), pa.array(classes))


__all__ = ["cell_endings", "column_letter", "column_parts", "row_numbers", "rows_xml", "style_column", "text_xml"]
