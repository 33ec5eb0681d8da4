"""Input limits bound what a file unpacks to and its cells, not a packed file's bytes (issue 16),
and every refusal says how to raise the limit."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from civscore.errors import DataError
from civscore.readers import safety
from civscore.readers.table import read_table
from civscore.words import using_language


def _frame(rows: int = 50, cols: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({f"c{j}": rng.random(rows) for j in range(cols)})


def test_a_parquet_file_is_bounded_by_its_unpacked_size_not_its_bytes(tmp_path, monkeypatch):
    path = tmp_path / "d.parquet"
    _frame().to_parquet(path)
    # smaller than the file itself, larger than what it unpacks to: a packed file's bytes alone
    # must not refuse it (a 1M-unit file of 643 MiB was refused by a 512 MiB file-size check)
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    assert unpacked < path.stat().st_size
    monkeypatch.setattr(safety, "MAX_DATA_BYTES", unpacked)
    assert read_table(path).shape == (50, 4)
    monkeypatch.setattr(safety, "MAX_DATA_BYTES", unpacked - 1)
    with using_language("en"), pytest.raises(DataError) as exc:
        read_table(path)
    assert f"unpacks to {unpacked:,} bytes; data files are limited to {unpacked - 1:,} bytes" in str(exc.value)
    assert "CIVSCORE_MAX_INPUT_BYTES" in str(exc.value)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_too_many_cells_are_refused_naming_the_variable_that_raises_the_limit(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"d{suffix}"
    frame = _frame(rows=50, cols=4)
    frame.to_parquet(path) if suffix == ".parquet" else frame.to_csv(path, index=False)
    monkeypatch.setattr(safety, "MAX_DATA_CELLS", 199)
    with using_language("en"), pytest.raises(DataError) as exc:
        read_table(path)
    assert str(exc.value) == (
        f"{path}: has 50 rows x 4 columns = 200 cells; data files are limited to 199 cells "
        "(to raise the limit, set the environment variable CIVSCORE_MAX_INPUT_CELLS)"
    )
    with pytest.raises(DataError) as exc:  # Chinese by default
        read_table(path)
    assert "超过数据文件的上限 199 个" in str(exc.value) and "CIVSCORE_MAX_INPUT_CELLS" in str(exc.value)
    monkeypatch.setattr(safety, "MAX_DATA_CELLS", 200)
    assert read_table(path).shape == (50, 4)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4294967296", 4294967296),
        ("4_294_967_296", 4294967296),
        ("", 2 * 1024**3),
        ("lots", 2 * 1024**3),
        ("0", 2 * 1024**3),
    ],
)
def test_the_byte_limit_comes_from_the_environment(value, expected):
    env = dict(os.environ, CIVSCORE_MAX_INPUT_BYTES=value)
    code = "from civscore.readers import safety; print(safety.MAX_DATA_BYTES)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) == expected


def test_a_raised_limit_lets_a_large_csv_through_the_command_line(tmp_path):
    """The console script, as users run it: refused one byte under the file's size, read at it."""
    path = tmp_path / "d.csv"
    path.write_bytes((ROOT / "data" / "communities_2025.csv").read_bytes())
    size = path.stat().st_size
    command = [
        sys.executable,
        "-m",
        "civscore.cli",
        "validate",
        str(ROOT / "rubrics/civilized-community-2025.yaml"),
        str(path),
    ]
    small = dict(os.environ, CIVSCORE_MAX_INPUT_BYTES=str(size - 1), CIVSCORE_LANG="en")
    proc = subprocess.run(command, env=small, capture_output=True, text=True)
    assert proc.returncode == 1 and f"is {size:,} bytes; data files are limited to {size - 1:,} bytes" in proc.stderr
    enough = dict(small, CIVSCORE_MAX_INPUT_BYTES=str(size))
    proc = subprocess.run(command, env=enough, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "60 units" in proc.stdout + proc.stderr
