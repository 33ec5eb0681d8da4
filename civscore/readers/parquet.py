"""Parquet files, with their decompressed size bounded before anything is loaded."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from civscore.errors import DataError
from civscore.readers import safety
from civscore.words import say

SUFFIX = ".parquet"
ORDER = 3
SHEETS = False
SIZE_BOUND = False  # its unpacked size is bounded instead, when it is read


def read(path: Path, label: str, sheet: str | None = None) -> pd.DataFrame:
    """The file's table, with the types it was written with."""
    return _read_parquet(path, label)


@dataclass(frozen=True)
class ParquetFooter:
    """What a Parquet file's footer says: its columns and its number of rows."""

    columns: tuple[str, ...]
    num_rows: int


def _check_magic(path: Path, label: str) -> None:
    if path.stat().st_size < 12:  # header magic + footer length + footer magic
        raise DataError(label, say("太短，不可能是 Parquet 文件", "is too short to be a Parquet file"))
    with open(path, "rb") as fh:
        head = fh.read(4)
        fh.seek(-4, os.SEEK_END)
        tail = fh.read(4)
    if head == b"PAR1" and tail != b"PAR1":
        raise DataError(
            label,
            say(
                "是不完整的 Parquet 文件（缺少文件尾）；请重新写出或复制",
                "is a truncated Parquet file (its footer is missing); write or copy it again",
            ),
        )


def _not_readable(label: str, exc: BaseException) -> DataError:
    return DataError(
        label,
        say(
            f"不是可读取的 Parquet 文件（{type(exc).__name__}）",
            f"is not a readable Parquet file ({type(exc).__name__})",
        ),
    )


def read_parquet_footer(path: Path, label: str) -> ParquetFooter:
    """Check a Parquet file that an engine will scan in place (records), reading only its footer."""
    try:
        if not path.is_file():
            raise DataError(
                label,
                say("找不到文件", "file not found")
                if not path.exists()
                else say("不是普通文件", "is not a regular file"),
            )
        _check_magic(path, label)
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
    except DataError:
        raise
    except OSError as exc:
        reason = exc.strerror or exc
        raise DataError(label, say(f"无法读取：{reason}", f"cannot be read: {reason}")) from None
    except Exception as exc:  # pyarrow raises ArrowInvalid, ... for damaged files
        raise _not_readable(label, exc) from None
    return ParquetFooter(tuple(meta.schema.to_arrow_schema().names), meta.num_rows)


def _read_parquet(path: Path, label: str) -> pd.DataFrame:
    _check_magic(path, label)
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        rows, columns = meta.num_rows, meta.num_columns
    except Exception:  # let the reader below name the problem
        unpacked = rows = columns = 0
    # the footer's uncompressed sizes and shape, not the file's bytes: a compressed file may be
    # large and honest (1M units), or small and unpack to gigabytes
    if unpacked > safety.MAX_DATA_BYTES:
        raise DataError(label, safety.too_many_bytes(unpacked, unpacked=True))
    safety.check_cells(rows, columns, label)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        raise _not_readable(label, exc) from None
    if not isinstance(frame.index, pd.RangeIndex) or any(name is not None for name in frame.index.names):
        # written by df.to_parquet() with the ids as the index (pandas keeps it in the metadata):
        # the id is a column like any other here
        frame = frame.reset_index()
    return frame
