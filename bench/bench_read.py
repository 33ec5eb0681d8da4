"""Reading data files: civscore's readers against the bare library reading the same file.

Prints, for a synthetic 200k x 130 table (bench/synthetic.py): ``read_data`` of the CSV (UTF-8,
and the same text saved as GBK) against ``pyarrow.csv.read_csv`` with every column as text, and
``read_data`` of the workbook against python-calamine reading its cells bare. Medians of 3 runs
in one process; the load average says how busy the machine was. Issue 16 asks for 3x or less.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import civscore
from civscore.readers.data import read_data

UNITS = int(os.environ.get("BENCH_READ_UNITS", "200000"))
COLUMNS = 130
RUNS = 3


def _median(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _frame():
    import synthetic

    rubric = synthetic.make_rubric(COLUMNS - 7)  # uid, grp, 3 bonus and 3 veto columns besides
    return rubric, synthetic.make_data(rubric, UNITS)


def _write_csv(frame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # unquoted, as Excel writes a table without commas in its cells
    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path, pacsv.WriteOptions(quoting_style="none"))


def _bare_csv(path: Path):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, encoding="utf-8") as fh:
        names = fh.readline().rstrip("\n").split(",")
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())))


def _csv(rubric: civscore.Rubric, frame, folder: Path) -> None:
    path = folder / "d.csv"
    _write_csv(frame, path)
    gbk = folder / "d_gbk.csv"
    # a 组 label in Chinese makes the GBK file really GBK (not ASCII)
    text = path.read_text(encoding="utf-8").replace("\nU", "\n社区U")
    gbk.write_bytes(text.encode("gbk"))
    size = path.stat().st_size / 2**20
    bare = _median(lambda: _bare_csv(path))
    ours = _median(lambda: read_data(path, rubric))
    ours_gbk = _median(lambda: read_data(gbk, rubric))
    print(f"CSV {UNITS:,} x {COLUMNS} ({size:.0f} MiB): pyarrow bare {bare:.2f} s")
    print(f"  read_data UTF-8 {ours:.2f} s = {ours / bare:.2f}x bare")
    print(f"  read_data GBK   {ours_gbk:.2f} s = {ours_gbk / bare:.2f}x bare (UTF-8 file)")


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    rubric, frame = _frame()
    with tempfile.TemporaryDirectory() as tmp:
        _csv(rubric, frame, Path(tmp))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
