"""What every record engine provides, and the conversion of in-memory records they share."""

from __future__ import annotations

from typing import Protocol

import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from civscore.records.read import FILE, ROW, RecordFile

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    name: str

    def table(self, records: RecordFile) -> ir.Table:
        """The records as an Ibis table: their own columns, plus the file and row of each."""
        ...

    def view(self, expr: ir.Table, small: bool = False) -> ir.Table:
        """``expr`` registered under a name (``small``: computed once and kept), so later queries
        refer to its columns by name."""
        ...

    def execute(self, expr: ir.Expr) -> pd.DataFrame | pd.Series | object:
        """Run an expression and bring its (small) result back."""
        ...


def frame_as_text(records: RecordFile) -> pd.DataFrame:
    """A frame's cells as text (None where empty), with the row and file columns added.

    CSV cells are text already; an .xlsx or in-memory frame may hold numbers and dates, which are
    written as text here and parsed by the same expressions as CSV cells, so that every source
    is checked alike.
    """
    frame = records.frame
    assert frame is not None
    out = {}
    for name in frame.columns:
        col = frame[name]
        text = col.map({True: "true", False: "false"}) if pd.api.types.is_bool_dtype(col.dtype) else col
        text = text.astype("string")
        out[str(name)] = text.astype(pd.ArrowDtype(pa.string()))
    table = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    table[ROW] = pd.array(range(records.first_row, records.first_row + len(frame)), dtype="int64")
    table[FILE] = records.label
    return table
