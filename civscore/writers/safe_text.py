"""Formula neutralising (OWASP CSV injection): text that a spreadsheet would run is kept as text."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_FORMULA_START = tuple("=+-@\t\r＝＋－＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?$")
# the same two rules for Arrow's (RE2) regular expressions, to treat whole columns at once
FORMULA_START_REGEX = "^[=+\\-@\\t\\r＝＋－＠]"
PLAIN_NUMBER_REGEX = _PLAIN_NUMBER.pattern


def neutralise(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (OWASP).

    Plain numbers written as text ("-5", "+3.2") are left alone.
    """
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text.strip()):
        return "'" + text
    return text


def safe_texts(texts: pa.Array) -> pa.Array:
    """:func:`neutralise` on an Arrow column of text at once (nulls stay null)."""
    risky = pc.match_substring_regex(texts, FORMULA_START_REGEX)
    if not pc.any(risky).as_py():
        return texts
    plain = pc.match_substring_regex(pc.utf8_trim_whitespace(texts), PLAIN_NUMBER_REGEX)
    return pc.if_else(pc.and_(risky, pc.invert(plain)), pc.binary_join_element_wise("'", texts, ""), texts)


def neutralise_column(col: pd.Series) -> pd.Series:
    """A column with its text cells made formula-safe; numbers, blanks and other values untouched."""
    if isinstance(col.dtype, pd.StringDtype):
        safe = safe_texts(pa.array(col, type=pa.string(), from_pandas=True))
        return pd.Series(safe.to_numpy(zero_copy_only=False), index=col.index, name=col.name, dtype=col.dtype)
    if col.dtype != object:
        return col
    values = col.to_numpy(object)
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    if not is_text.any():
        return col
    safe = safe_texts(pa.array(values[is_text].tolist(), type=pa.string()))
    out = values.copy()
    out[is_text] = safe.to_numpy(zero_copy_only=False)
    return pd.Series(out, index=col.index, name=col.name, dtype=object)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are formula-safe; numbers untouched."""
    out = frame.copy()
    for j in range(out.shape[1]):
        out.isetitem(j, neutralise_column(out.iloc[:, j]).to_numpy())
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out
