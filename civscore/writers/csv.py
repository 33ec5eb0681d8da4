"""CSV for Excel: UTF-8 with a BOM (so Excel shows Chinese), text cells made formula-safe."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civscore.scoring.scored import Scored
from civscore.writers.atomic import write_atomic
from civscore.writers.safe_text import neutralise_frame

SUFFIX = ".csv"
ORDER = 1  # the place in messages listing the formats


def write_table(table: pd.DataFrame, tmp: Path, sheet: str | None = None) -> None:
    """Write ``table`` to the temporary file ``tmp`` (``sheet`` has no meaning in CSV)."""
    neutralise_frame(table).to_csv(tmp, index=False, encoding="utf-8-sig")


def write_result(result: Scored, tmp: Path) -> None:
    """The result table of contract section 6, as it is."""
    write_table(result.table, tmp)


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """CSV that Excel opens with Chinese intact (UTF-8 with BOM), written atomically."""
    return write_atomic(path, lambda tmp: write_table(table, tmp))
