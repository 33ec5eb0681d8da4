"""Record files as users send them: CSV (the unit table's encodings), XLSX, Parquet, or a folder or
glob of Parquet files.

CSV and XLSX go through the unit table's readers (:mod:`civscore.readers`), so a GBK file or an
Excel number typed as 1001.0 reads the same way; their cells are handed to the engine as text.
Parquet stays where it is: the engine scans the files itself, so 100 M records are never loaded
into pandas. Only the files' footers are read here, to refuse differing schemas up front.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from civscore.errors import DataError
from civscore.readers.parquet import read_parquet_footer
from civscore.readers.table import read_table
from civscore.words import say

ROW = "__civscore_row__"  # the spreadsheet row of each record, as the file's user counts it
FILE = "__civscore_file__"  # the file each record came from (a Parquet folder has many)


@dataclass(frozen=True, eq=False)
class RecordFile:
    """One record table's source: cells read into a frame, or Parquet files left on disk.

    ``label`` names the source in messages; ``columns`` are its column names. ``first_row`` is
    the spreadsheet row of the first record (2 below a header; 0 for a frame built in memory,
    whose rows are named by position).
    """

    label: str
    columns: tuple[str, ...]
    frame: pd.DataFrame | None = None
    parquet: tuple[str, ...] = ()
    first_row: int = 2
    attrs: dict = field(default_factory=dict)

    @property
    def is_parquet(self) -> bool:
        return bool(self.parquet)


def read_records(source: str | Path | pd.DataFrame, sheet: str | None = None) -> RecordFile:
    """Open a record table: a .csv (UTF-8, UTF-8 with BOM, GBK or GB18030), .xlsx (first visible
    sheet, or ``sheet``) or .parquet file, a folder of .parquet files, a glob such as
    ``survey/*.parquet``, or a DataFrame built in memory (never modified).

    Raises :class:`civscore.DataError` when the source cannot be read at all (missing, empty,
    damaged, Parquet files with differing columns); record-level problems are reported later,
    all at once, by the checks.
    """
    if isinstance(source, pd.DataFrame):
        label = str(source.attrs.get("source") or say("（内存中的记录表）", "(records in memory)"))
        if source.shape[1] == 0 or source.shape[0] == 0:
            raise DataError(label, say("没有任何记录", "has no records"))
        first_row = int(source.attrs.get("first_row", 0))
        return RecordFile(label, tuple(str(c) for c in source.columns), frame=source, first_row=first_row)
    text = str(source)
    path = Path(source)
    if any(ch in text for ch in "*?[") and not path.exists():
        return _parquet_files(text, sorted(glob.glob(text)))
    if path.is_dir():
        return _parquet_files(text, sorted(str(p) for p in path.iterdir() if p.suffix.lower() == ".parquet"))
    if path.suffix.lower() == ".parquet":
        return _parquet_files(text, [text])
    frame = read_table(path, sheet=sheet)  # .csv / .xlsx, with every check the unit table gets
    return RecordFile(text, tuple(str(c) for c in frame.columns), frame=frame, first_row=2)


def _parquet_files(label: str, files: list[str]) -> RecordFile:
    if not files:
        raise DataError(label, say("没有找到 .parquet 文件", "no .parquet files found"))
    schemas = {}
    for f in files:
        schema = read_parquet_footer(Path(f), f)
        if schema.num_rows == 0 and len(files) == 1:
            raise DataError(f, say("没有任何记录", "has no records"))
        schemas[f] = schema
    first, first_schema = next(iter(schemas.items()))
    for f, schema in schemas.items():
        if schema.columns != first_schema.columns:
            only_here = sorted(set(schema.columns) - set(first_schema.columns))
            only_there = sorted(set(first_schema.columns) - set(schema.columns))
            detail = "; ".join(
                part
                for part in (
                    say(f"多出列 {', '.join(only_here)}", f"extra columns {', '.join(only_here)}") if only_here else "",
                    say(f"缺少列 {', '.join(only_there)}", f"lacks {', '.join(only_there)}") if only_there else "",
                )
                if part
            ) or say("列的顺序不同", "columns in another order")
            raise DataError(
                label,
                say(
                    f"文件 {f} 的列与 {first} 不同（{detail}）；同一记录表的所有文件须有相同的列",
                    f"file {f} has other columns than {first} ({detail}); every file of a record table "
                    "must have the same columns",
                ),
            )
    if sum(s.num_rows for s in schemas.values()) == 0:
        raise DataError(label, say("没有任何记录", "has no records"))
    return RecordFile(label, tuple(first_schema.columns), parquet=tuple(files), first_row=2)
