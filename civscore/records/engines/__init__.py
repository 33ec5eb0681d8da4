"""The engines that hold record tables and aggregate them: one module per engine.

An engine (:class:`~civscore.records.engines.base.Engine`) turns a
:class:`~civscore.records.read.RecordFile` into an Ibis table with two extra columns (the file
and the spreadsheet row of each record) and runs Ibis expressions. Everything else — checks,
measure expressions, aggregates — is written once, in Ibis, for all engines.
"""

from __future__ import annotations

from civscore.records.engines.base import ENGINES, Engine
from civscore.words import say

__all__ = ["ENGINES", "Engine", "get_engine"]


def get_engine(name: str = "duckdb", spark_master: str | None = None) -> Engine:
    """The engine called ``name``: "duckdb" (in-process, the default) or "spark" (local[*] unless
    ``spark_master`` or SPARK_REMOTE names a cluster)."""
    if name == "duckdb":
        from civscore.records.engines.duckdb import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        from civscore.records.engines.spark import SparkEngine

        return SparkEngine(spark_master)
    raise ValueError(
        say(
            f"engine 只能是 {' 或 '.join(ENGINES)}，不能是 {name!r}",
            f"engine must be one of {', '.join(ENGINES)}, not {name!r}",
        )
    )
