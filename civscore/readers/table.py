"""read_table(): any supported data file as a DataFrame of cells, the format picked by extension."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civscore.errors import DataError
from civscore.readers.csv import _read_csv
from civscore.readers.parquet import _read_parquet
from civscore.readers.safety import _check_file, _check_frame
from civscore.readers.xlsx import _read_xlsx

SUPPORTED = (".csv", ".xlsx", ".parquet")


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a data file into a DataFrame without interpreting it against any rubric.

    The frame's ``attrs["source"]`` names the file and ``attrs["first_row"]`` the spreadsheet
    row of its first data row, so that problems can be reported as a user would find them.
    """
    path = Path(path)
    label = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(label, f"unsupported file type {suffix or '(none)'!r}; use .csv, .xlsx or .parquet")
    if sheet is not None and suffix != ".xlsx":
        raise DataError(label, "--sheet applies only to .xlsx files")
    _check_file(path, label, bound_size=suffix == ".csv")  # .xlsx/.parquet: their unpacked size
    try:
        if suffix == ".csv":
            frame = _read_csv(path, label)
        elif suffix == ".xlsx":
            frame = _read_xlsx(path, label, sheet)
        else:
            frame = _read_parquet(path, label)
    except OSError as exc:  # permissions, a file removed while reading, a network drive gone
        raise DataError(label, f"cannot be read: {exc.strerror or exc}") from None
    _check_frame(frame, label)
    frame.attrs["source"] = label
    frame.attrs["first_row"] = 2  # row 1 is the header in every supported format
    return frame
