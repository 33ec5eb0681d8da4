"""Apache Spark through Ibis's PySpark backend, for record tables beyond one machine.

``local[*]`` by default (every core of this machine, nothing to install but Java and the
``civscore[spark]`` extra); a cluster with ``--spark-master URL`` or the SPARK_REMOTE
environment variable (Spark Connect). One session serves the whole process.
"""

from __future__ import annotations

import os
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from civscore.errors import import_extra
from civscore.records.engines.base import frame_as_text
from civscore.records.quiet import quiet_ibis
from civscore.records.read import FILE, ROW, RecordFile
from civscore.words import say

_SESSIONS: dict[str, object] = {}


def session(master: str | None = None):
    """The process's Spark session for ``master`` (started on first use: about 15 s)."""
    SparkSession = import_extra("pyspark.sql", "spark", say("--engine spark ", "--engine spark")).SparkSession
    remote = os.environ.get("SPARK_REMOTE") if master is None else None
    key = master or (f"remote:{remote}" if remote else "local[*]")
    if key not in _SESSIONS:
        builder = SparkSession.builder.appName("civscore")
        builder = builder.remote(remote) if remote else builder.master(master or "local[*]")
        if not remote:
            builder = (
                builder.config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")  # no progress bars over our messages
                .config("spark.sql.shuffle.partitions", os.environ.get("CIVSCORE_SPARK_PARTITIONS", "8"))
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            )
        _SESSIONS[key] = builder.getOrCreate()
    return _SESSIONS[key]


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None) -> None:
        self.session = session(master)
        self.con = ibis.pyspark.connect(self.session)
        self._views = 0
        self._files: dict[str, str] = {}  # Spark's file URI -> the path as the user gave it

    def _name(self) -> str:
        self._views += 1
        return f"civscore_records_{id(self)}_{self._views}"

    def table(self, records: RecordFile) -> ir.Table:
        name = self._name()
        if not records.is_parquet:
            frame = self.session.createDataFrame(frame_as_text(records))
        else:
            # Spark's hidden per-file metadata gives each record its file and its row in that file
            for path in records.parquet:
                self._files[Path(path).resolve().as_uri()] = path
            frame = self.session.read.parquet(*records.parquet).select(
                "*", "_metadata.file_path", "_metadata.row_index"
            )
            frame = frame.withColumn(ROW, frame["row_index"] + records.first_row).withColumnRenamed("file_path", FILE)
            frame = frame.drop("row_index")
        frame.createOrReplaceTempView(name)
        return self.con.table(name)

    def view(self, expr: ir.Table, small: bool = False) -> ir.Table:
        name = self._name()
        view = self.con.create_view(name, expr, overwrite=True)
        if small:  # records read from CSV or XLSX: computed once, kept for the checks and measures
            self.session.catalog.cacheTable(name)
        return view

    def execute(self, expr: ir.Expr):
        with quiet_ibis():
            out = self.con.execute(expr)
        if isinstance(out, pd.DataFrame) and FILE in out.columns and self._files:
            out[FILE] = [self._files.get(_plain_uri(f), f) for f in out[FILE]]  # at most a few rows
        return out


def _plain_uri(uri: str) -> str:
    """Spark writes local files as file:/x or file:///x; Path.as_uri gives file:///x."""
    if uri.startswith("file:/") and not uri.startswith("file:///"):
        return "file:///" + uri[len("file:/") :]
    return uri
