"""read_data(): a data file as a DataFrame ready for validation against a rubric."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civscore.readers.table import read_table
from civscore.rubric.model import Rubric


def read_data(path: str | Path, rubric: Rubric | None = None, sheet: str | None = None) -> pd.DataFrame:
    """Read a .csv (UTF-8, UTF-8 with BOM, GBK or GB18030), .xlsx (first visible sheet, or
    ``sheet``) or .parquet file. Raises :class:`civscore.DataError` with a one-line reason when
    the file cannot be read at all; cell-level problems are left to :func:`civscore.validate`.

    With a ``rubric``, its unit columns (id, name, groups) are read as trimmed text, so that an
    id typed as a number in Excel (1001) matches the same id in a CSV ("1001").
    """
    frame = read_table(path, sheet=sheet)
    if rubric is not None:
        unit = rubric.unit
        for col in [unit.id_column, unit.name_column, *unit.group_columns]:
            if col and col in frame.columns:
                frame[col] = _as_label(frame[col])
    return frame


def _as_label(col: pd.Series) -> pd.Series:
    text = col.astype("string").str.strip()
    if not pd.api.types.is_string_dtype(col.dtype):
        text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return text.astype(object).where(text.notna(), None)
