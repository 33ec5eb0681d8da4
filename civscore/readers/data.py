"""read_data(): a data file as a DataFrame ready for validation against a rubric."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civscore.readers.table import read_table
from civscore.rubric.model import Rubric
from civscore.words import say


def read_data(path: str | Path, rubric: Rubric | None = None, sheet: str | None = None) -> pd.DataFrame:
    """Read a .csv (UTF-8, UTF-8 with BOM, GBK or GB18030), .xlsx (the first visible sheet, or
    ``sheet``; ``sheet="*"`` stacks every visible sheet with the same header) or .parquet file.
    Raises :class:`civscore.DataError` with a one-line reason when the file cannot be read at all;
    structural problems (a title row that is not plain, sheets with other columns, merged cells in
    scored columns) and cell-level problems are reported together by :func:`civscore.validate`.

    With a ``rubric``, its unit columns (id, name, groups) are read as trimmed text, so that an
    id typed as a number in Excel (1001) matches the same id in a CSV ("1001"), and a merged
    cell in a group column (one 街道 over twelve rows) is filled down to every row it covers
    (said so in the report's notes).
    """
    frame = read_table(path, sheet=sheet)
    if rubric is not None:
        unit = rubric.unit
        _fill_merged_groups(frame, unit.group_columns)
        for col in [unit.id_column, unit.name_column, *unit.group_columns]:
            if col and col in frame.columns:
                frame[col] = _as_label(frame[col])
    return frame


def _fill_merged_groups(frame: pd.DataFrame, groups: list[str]) -> None:
    merged = frame.attrs.get("merged") or []
    if not merged or not groups:
        return
    origin = frame.attrs["origin"]
    kept, notes = [], frame.attrs.setdefault("notes", [])
    for m in merged:
        if m["column"] not in groups:
            kept.append(m)
            continue
        rows = origin.rows_of(m["sheet"], m["first_row"], m["last_row"])
        if rows.size == 0:
            continue
        value = frame[m["column"]].iat[rows[0]]
        column = frame[m["column"]].copy()
        column.iloc[rows] = value
        frame[m["column"]] = column
        notes.append(
            say(
                f"工作表 {m['sheet']!r}：“{m['column']}”列的合并单元格 {m['ref']} 已按 {value!r} "
                f"填入它覆盖的 {rows.size} 行",
                f"sheet {m['sheet']!r}: the merged cell {m['ref']} in group column {m['column']} was read as "
                f"{value!r} in each of the {rows.size} rows it covers",
            )
        )
    frame.attrs["merged"] = kept


def _as_label(col: pd.Series) -> pd.Series:
    text = col.astype("string").str.strip()
    if not pd.api.types.is_string_dtype(col.dtype):
        text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return text.astype(object).where(text.notna(), None)
