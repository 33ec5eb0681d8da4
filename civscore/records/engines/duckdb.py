"""DuckDB, in-process: nothing to start. Parquet files are scanned in place, in parallel."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from civscore.records.engines.base import frame_as_text
from civscore.records.quiet import quiet_ibis
from civscore.records.read import FILE, ROW, RecordFile


class DuckDBEngine:
    name = "duckdb"

    def __init__(self) -> None:
        self.con = ibis.duckdb.connect()
        self._views = 0

    def view(self, expr: ir.Table, small: bool = False) -> ir.Table:
        """``expr`` behind a name, so later queries refer to its columns instead of repeating the
        expressions that define them. A small table (read from CSV or XLSX) is computed once
        into a temporary table; Parquet files stay behind a view and are scanned in place."""
        self._views += 1
        name = f"civscore_records_{self._views}"
        if small:
            return self.con.create_table(name, expr, temp=True)
        return self.con.create_view(name, expr, overwrite=True)

    def table(self, records: RecordFile) -> ir.Table:
        if not records.is_parquet:
            return ibis.memtable(frame_as_text(records))
        # DuckDB numbers rows per file from 0; the spreadsheet row is that + 2 (row 1 is the header)
        t = self.con.read_parquet(list(records.parquet), file_row_number=True, filename=FILE)
        return t.mutate(**{ROW: t.file_row_number + records.first_row}).drop("file_row_number")

    def execute(self, expr: ir.Expr):
        with quiet_ibis():
            if isinstance(expr, ir.Table):
                # Arrow's own conversion: Ibis's execute turns every column holding a null into
                # Python objects one cell at a time (a second for 100,000 units' measures)
                return self.con.to_pyarrow(expr).to_pandas()
            return self.con.execute(expr)
