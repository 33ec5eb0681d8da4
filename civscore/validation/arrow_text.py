"""Whole-column work on text cells through pyarrow compute, with pandas' results.

A CSV arrives with every column as Arrow-backed text, so validation reads 100 columns of
200,000 text cells each. ``pd.to_numeric`` turns each column into Python objects first
(~80 ms a column, 5.6 s for 200k x 73 number columns: issue 16). Here the cells pyarrow can
read are read by one cast over the column, and only the others (blanks, 不适用, 1,000, full-width
digits: usually a few per cent) go through pandas, so the values are exactly
``pd.to_numeric(col, errors="coerce")``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

# What pyarrow's string -> float64 cast reads (and pd.to_numeric reads the same way): plain
# decimals with an optional exponent. RE2 syntax; [0-9], not \d, which is Unicode in Python.
_PLAIN_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def arrow_text(col: pd.Series):
    """The column's pyarrow ChunkedArray when it is Arrow-backed text, else None."""
    if not pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
        return None
    if getattr(col.dtype, "storage", None) != "pyarrow":
        return None
    return col.array.__arrow_array__()


def as_string(col: pd.Series) -> pd.Series:
    """``col.astype("string")``; an object column of Python strings (unit ids as read_data
    leaves them) is converted by pyarrow in one pass, about three times faster. Inside
    :func:`converting_once`, a column converted before is not converted again."""
    memo = _converted.get()
    if memo is not None and id(col) in memo and memo[id(col)][0] is col:
        return memo[id(col)][1]
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) == "string":
        import pyarrow as pa

        arr = pa.array(col.to_numpy(), type=pa.large_string(), from_pandas=True)
        text = pd.Series(pandas_text(arr, pd.StringDtype("pyarrow")), index=col.index, name=col.name)
    else:
        text = col.astype("string")
    if memo is not None:
        memo[id(col)] = (col, text)  # the column held too: its id cannot be reused meanwhile
    return text


# (column, its text) by id(column), while converting_once() runs
_converted: ContextVar[dict[int, tuple[pd.Series, pd.Series]] | None] = ContextVar("converted", default=None)


@contextmanager
def converting_once() -> Iterator[None]:
    """Within this block :func:`as_string` converts each column object once: validation's
    id, name and group checks each read the text of the same object columns (1M unit ids:
    ~40 ms a conversion). The columns must not be changed meanwhile (validation only reads)."""
    token = _converted.set({})
    try:
        yield
    finally:
        _converted.reset(token)


def to_numbers(col: pd.Series) -> np.ndarray:
    """``pd.to_numeric(col, errors="coerce")`` as a fresh float64 array (NaN where unread)."""
    text = arrow_text(col)
    if text is None:
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = pc.fill_null(pc.equal(pc.binary_length(text), 0), True)  # "" (read from the offsets) or null
    null = pa.scalar(None, text.type)
    try:  # a clean column (blank cells aside) reads in one cast
        values = _floats(pc.cast(pc.if_else(blank, null, text), pa.float64()))
        rest = None
    except pa.ArrowInvalid:
        plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN_NUMBER), False)
        values = _floats(pc.cast(pc.if_else(plain, text, null), pa.float64()))
        rest = np.flatnonzero(~(plain.to_numpy(zero_copy_only=False) | blank.to_numpy(zero_copy_only=False)))
    if rest is not None and rest.size:  # padded numbers, inf, words: as pandas reads them
        values[rest] = pd.to_numeric(col.iloc[rest], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values


def _floats(arr) -> np.ndarray:
    out = arr.to_numpy(zero_copy_only=False)  # null -> NaN; a fresh array unless one chunk without nulls
    return out if out.flags.writeable else out.copy()


def empty_cells(col: pd.Series) -> np.ndarray | None:
    """Where an Arrow text column holds "" (a CSV's blank cell), from the cells' offsets; None
    when the column is not Arrow text."""
    text = arrow_text(col)
    if text is None:
        return None
    import pyarrow.compute as pc

    return pc.fill_null(pc.equal(pc.binary_length(text), 0), False).to_numpy(zero_copy_only=False)


def on_cells(text: pd.Series, rows: np.ndarray, change: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``change`` applied to the ``rows`` of ``text`` only; the other cells keep their text. For
    a cell-by-cell step (a Python regex, NFKC) that cannot change the other cells."""
    if rows.size == len(text):
        return change(text)
    out = text.copy()
    if rows.size:
        out.iloc[rows] = change(text.iloc[rows]).to_numpy()
    return out


def holding(text: pd.Series, part: str) -> np.ndarray:
    """Positions of the cells containing ``part`` (every cell unless ``text`` is Arrow text):
    a literal, or a character class such as ``[计均汇]``."""
    arr = arrow_text(text)
    if arr is None:
        return np.arange(len(text))
    import pyarrow.compute as pc

    if part.startswith("[") and part.endswith("]") and len(part) > 2:
        found = pc.match_substring_regex(arr, part)
    else:
        found = pc.match_substring(arr, part)
    return np.flatnonzero(pc.fill_null(found, False).to_numpy(zero_copy_only=False))


def nfkc(text: pd.Series) -> pd.Series:
    """``text.str.normalize("NFKC")``, run only on the cells that are not plain ASCII (which NFKC
    leaves as they are): pandas normalises Arrow text one Python string at a time."""
    arr = arrow_text(text)
    if arr is None:
        return text.str.normalize("NFKC")
    import pyarrow.compute as pc

    ascii_ = pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(zero_copy_only=False)
    return on_cells(text, np.flatnonzero(~ascii_), lambda t: t.str.normalize("NFKC"))


def drop_characters(text: pd.Series, char_class: str) -> pd.Series:
    r"""``text.str.replace(char_class, "", regex=True)`` for a Python character class of code
    points (``[\u200b-\u200f\x00-\x1f]``): pyarrow's RE2 reads the same class written as
    ``\x{200b}``, where pandas would fall back to Python's re cell by cell."""
    arr = arrow_text(text)
    if arr is None:
        return text.str.replace(char_class, "", regex=True)
    import pyarrow.compute as pc

    re2 = re.sub(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))", lambda m: "\\x{" + (m[1] or m[2]) + "}", char_class)
    dropped = pc.replace_substring_regex(arr, pattern=re2, replacement="")
    return pd.Series(pandas_text(dropped, text.dtype), index=text.index, name=text.name)


def pandas_text(arr, dtype) -> pd.api.extensions.ExtensionArray:
    """A pyarrow string array as a pandas text array of ``dtype``, without a pass in Python."""
    return arr.to_pandas(types_mapper=lambda _type: dtype).array
