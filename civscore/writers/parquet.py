"""Parquet: the tables exactly as computed, for the next program rather than for people."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from civscore.scoring.scored import Scored

SUFFIX = ".parquet"
ORDER = 3  # the place in messages listing the formats


def write_table(table: pd.DataFrame, tmp: Path, sheet: str | None = None) -> None:
    """Write ``table`` to the temporary file ``tmp`` (``sheet`` has no meaning in Parquet)."""
    _typed_columns(table).to_parquet(tmp, index=False)


def _typed_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Parquet columns have one type: a column mixing numbers, yes/no and text (an indicator's
    value in a gaps list or a breakdown: 85.5, True, 'B') is written as text, blanks kept."""
    mixed = [name for name in table.columns if table[name].dtype == object and _mixed(table[name])]
    if not mixed:
        return table
    out = table.copy()
    for name in mixed:
        col = out[name]
        out[name] = col.map(str).where(col.notna(), None)
    return out


def _mixed(col: pd.Series) -> bool:
    kinds = set(col.dropna().map(type).unique())
    return len(kinds) > 1 and not kinds <= _NUMBERS


_NUMBERS = {int, float, np.int64, np.float64}


def write_result(result: Scored, tmp: Path) -> None:
    """The result table of contract section 6, as it is."""
    write_table(result.table, tmp)
