"""Parquet: the tables exactly as computed, for the next program rather than for people."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civscore.scoring.scored import Scored

SUFFIX = ".parquet"


def write_table(table: pd.DataFrame, tmp: Path, sheet: str | None = None) -> None:
    """Write ``table`` to the temporary file ``tmp`` (``sheet`` has no meaning in Parquet)."""
    table.to_parquet(tmp, index=False)


def write_result(result: Scored, tmp: Path) -> None:
    """The result table of contract section 6, as it is."""
    write_table(result.table, tmp)
