"""Where each row of a data frame came from: its spreadsheet row and, for workbooks, its sheet.

Kept in ``frame.attrs["origin"]``. pandas copies and compares ``attrs`` on many operations, so
the arrays sit in an object that is never copied (it is never changed) and compares by identity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class RowOrigin:
    """``numbers[i]``: the spreadsheet row (1-based) of frame row ``i``; ``sheet_codes[i]``: its
    index into ``sheets`` (empty for a CSV or Parquet file)."""

    numbers: np.ndarray
    sheet_codes: np.ndarray
    sheets: tuple[str, ...] = ()

    def __deepcopy__(self, memo: dict) -> RowOrigin:
        return self

    def __len__(self) -> int:
        return len(self.numbers)

    def sheet_of(self, positions: np.ndarray) -> np.ndarray:
        """Sheet names of frame rows ``positions`` (None when the file has no sheets)."""
        if not self.sheets:
            return np.full(len(positions), None, dtype=object)
        return np.asarray(self.sheets, dtype=object)[self.sheet_codes[positions]]

    def position(self, sheet: str | None, number: int) -> int | None:
        """The frame row of spreadsheet row ``number`` of ``sheet``, if it is a data row."""
        code = self.sheets.index(sheet) if sheet in self.sheets else 0
        hits = np.flatnonzero((self.numbers == number) & (self.sheet_codes == code))
        return int(hits[0]) if hits.size else None

    def rows_of(self, sheet: str | None, first: int, last: int) -> np.ndarray:
        """Frame rows of spreadsheet rows ``first``..``last`` of ``sheet``."""
        code = self.sheets.index(sheet) if sheet in self.sheets else 0
        return np.flatnonzero((self.sheet_codes == code) & (self.numbers >= first) & (self.numbers <= last))
