"""The problem report: one row per problem (file, row, unit, column, value, rule), in plain words."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civscore.rubric.model import Rubric
from civscore.validation.cells import parse_text

PROBLEM_COLUMNS = ["file", "row", "unit", "column", "value", "rule"]


@dataclass
class ValidationReport:
    """Every problem found in a data set; ``ok`` is true when there are none."""

    problems: pd.DataFrame
    source: str | None = None
    n_units: int = 0

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def lines(self) -> list[str]:
        """One plain-words line per problem."""
        return [_problem_line(row) for row in self.problems.itertuples(index=False)]

    def summary(self) -> str:
        if self.ok:
            return f"{self.source or 'data'}: {self.n_units} units, no problems"
        counts = self.problems.groupby(["column", "rule"], sort=False, dropna=False).size()
        head = f"{self.source or 'data'}: {len(self.problems)} problem(s) in {self.n_units} units"
        parts = [f"  {n} × {col}: {rule}" for col, rule, n in counts.reset_index().itertuples(index=False)]
        return "\n".join([head, *parts])

    def __str__(self) -> str:
        return "\n".join([self.summary(), *self.lines()]) if not self.ok else self.summary()

    def _repr_html_(self) -> str:
        if self.ok:
            return f"<p>✅ {self.summary()}</p>"
        return f"<p>❌ {len(self.problems)} problem(s)</p>" + self.problems.to_html(index=False)


def _problem_line(p) -> str:
    where = [p.file or "data"]
    if pd.notna(p.row):
        where.append(f"row {int(p.row)}")
    if p.unit:
        where.append(f"unit {p.unit}")
    if p.column:
        where.append(f"column {p.column}")
    if p.value is not None and not (isinstance(p.value, float) and np.isnan(p.value)) and p.value != "":
        where.append(f"value {p.value!r}")
    return ", ".join(where) + f": {p.rule}"


def _problem_table(
    problems: list[dict], frame: pd.DataFrame, rubric: Rubric, source: str | None, first_row: int | None
) -> pd.DataFrame:
    if not problems:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    table = pd.DataFrame(problems)
    # built as objects: a column of 855 and 150.0 would otherwise become floats (855.0)
    table["value"] = pd.Series([p.get("value") for p in problems], index=table.index, dtype=object)
    id_col = rubric.unit.id_column
    positions = table["row"]
    has_row = positions.notna()
    units = pd.Series("", index=table.index, dtype=object)
    if id_col in frame.columns and has_row.any():
        id_text = parse_text(frame[id_col]).values
        units[has_row] = np.array([id_text[int(i)] or "" for i in positions[has_row]], dtype=object)
    table["unit"] = units
    offset = first_row if first_row is not None else 0
    table["row"] = (positions + offset).astype("Int64")
    table["file"] = source or ""
    table["value"] = pd.Series([_plain_value(v) for v in table["value"]], index=table.index, dtype=object)
    table = table.sort_values(["row", "column"], na_position="first", kind="stable", key=_sort_key)
    return table[PROBLEM_COLUMNS].reset_index(drop=True)


def _sort_key(s: pd.Series) -> pd.Series:
    return s if s.name == "row" else s.astype("string")


def _plain_value(v):
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, str) and not v.strip():
        return None
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, datetime.datetime) and v == datetime.datetime.combine(v.date(), datetime.time()):
        return v.date().isoformat()  # a date typed in Excel, shown as the user typed it
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat(sep=" ") if isinstance(v, datetime.datetime) else v.isoformat()
    return v
