"""The problem report: one row per problem (file, sheet, row, unit, column, value, rule), in plain
words, and the notes: what civscore interpreted on the way (a title row skipped, several sheets
stacked, a merged group cell filled down), which are not problems but must be said."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civscore.rubric.model import Rubric
from civscore.validation.cells import parse_text
from civscore.words import say

PROBLEM_COLUMNS = ["file", "sheet", "row", "unit", "column", "value", "rule"]
# reports that include record tables (rubric-contract section 8) add a last column, `table`:
# the record table's name, empty for problems of the unit table


@dataclass
class ValidationReport:
    """Every problem found in a data set; ``ok`` is true when there are none. ``notes`` say how
    the file was read where that needed interpreting (they never make the report fail)."""

    problems: pd.DataFrame
    source: str | None = None
    n_units: int = 0
    notes: list[str] = field(default_factory=list)
    source_sha256: str | None = None  # of the data file's bytes, when it was read from a file

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def lines(self) -> list[str]:
        """One plain-words line per problem."""
        return [_problem_line(row) for row in self.problems.itertuples(index=False)]

    def note_lines(self) -> list[str]:
        """One line per note, naming the file."""
        return [say(f"{self.source or '数据'}：注意：{n}", f"{self.source or 'data'}: note: {n}") for n in self.notes]

    def summary(self) -> str:
        source = self.source or say("数据", "data")
        if self.ok:
            return say(f"{source}：{self.n_units} 个单位，没有问题", f"{source}: {self.n_units} units, no problems")
        counts = self.problems.groupby(["column", "rule"], sort=False, dropna=False).size()
        n = len(self.problems)
        head = say(
            f"{source}：{self.n_units} 个单位中有 {n} 个问题", f"{source}: {n} problem(s) in {self.n_units} units"
        )
        parts = [
            say(f"  {k} × {col}：{rule}", f"  {k} × {col}: {rule}")
            for col, rule, k in counts.reset_index().itertuples(index=False)
        ]
        return "\n".join([head, *parts])

    def __str__(self) -> str:
        return "\n".join([self.summary(), *self.lines()]) if not self.ok else self.summary()

    def _repr_html_(self) -> str:
        from html import escape

        notes = "".join(f"<p>ℹ️ {escape(n)}</p>" for n in self.notes)
        if self.ok:
            return f"<p>✅ {escape(self.summary())}</p>" + notes
        n = len(self.problems)
        return say(f"<p>❌ {n} 个问题</p>", f"<p>❌ {n} problem(s)</p>") + notes + self.problems.to_html(index=False)


def _problem_line(p) -> str:
    """文件 x.xlsx，工作表 2025，第 6 行，单位 SQ005，列 知晓率，填写内容 '85%'：必须是数字 (or the English line)."""
    where = [say(f"文件 {p.file}", p.file) if p.file else say("数据", "data")]
    table = getattr(p, "table", "")
    if isinstance(table, str) and table:
        where[0] += say(f"（记录表 {table}）", f" (record table {table})")
    if p.sheet:
        where.append(say(f"工作表 {p.sheet}", f"sheet {p.sheet}"))
    if pd.notna(p.row):
        where.append(say(f"第 {int(p.row)} 行", f"row {int(p.row)}"))
    if p.unit:
        where.append(say(f"单位 {p.unit}", f"unit {p.unit}"))
    if p.column:
        where.append(say(f"列 {p.column}", f"column {p.column}"))
    if p.value is not None and not (isinstance(p.value, float) and np.isnan(p.value)) and p.value != "":
        where.append(say(f"填写内容 {p.value!r}", f"value {p.value!r}"))
    return say("，", ", ").join(where) + say(f"：{p.rule}", f": {p.rule}")


def _problem_table(
    problems: list[dict], frame: pd.DataFrame, rubric: Rubric, source: str | None, first_row: int | None
) -> pd.DataFrame:
    """The problems as a table. A problem gives either ``row``, a position in ``frame`` (cell
    problems), or ``sheet`` and ``row_number``, a spreadsheet row (structure the reader found)."""
    if not problems:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    table = pd.DataFrame(problems)
    # built as objects: a column of 855 and 150.0 would otherwise become floats (855.0)
    table["value"] = pd.Series([p.get("value") for p in problems], index=table.index, dtype=object)
    for key in ("row", "row_number", "sheet"):
        if key not in table.columns:
            table[key] = None
    origin = frame.attrs.get("origin")
    positions = pd.to_numeric(table["row"], errors="coerce")
    has_row = positions.notna().to_numpy()
    absolute = pd.to_numeric(table["row_number"], errors="coerce")
    sheets = table["sheet"].astype(object).where(table["sheet"].notna(), None)
    sheet_names: tuple[str, ...] = ()
    if origin is not None and len(origin) == len(frame):
        sheet_names = origin.sheets
        at = positions[has_row].astype(int).to_numpy()
        absolute[has_row] = origin.numbers[at]
        sheets[has_row] = origin.sheet_of(at)
        # a structural problem on a data row (a merged cell, an unsaved formula) names its unit too
        numbers = absolute.to_numpy(dtype=float, na_value=np.nan)
        for k in np.flatnonzero(~has_row & ~np.isnan(numbers)).tolist():
            pos = origin.position(sheets.iat[k], int(numbers[k]))
            if pos is not None:
                positions.iat[k] = pos
    else:
        offset = first_row if first_row is not None else 0
        absolute[has_row] = positions[has_row] + offset
    if len(sheet_names) == 1:
        sheets = sheets.where(sheets.notna(), sheet_names[0])
    id_col = rubric.unit.id_column
    units = pd.Series("", index=table.index, dtype=object)
    located = positions.notna().to_numpy()
    if id_col in frame.columns and located.any():
        id_text = parse_text(frame[id_col]).values
        units.loc[located] = pd.Series([id_text[int(i)] or "" for i in positions[located]], index=units.index[located])
    table["unit"] = units
    table["row"] = absolute.astype("Int64")
    table["sheet"] = sheets.fillna("").astype(object)
    table["file"] = source or ""
    table["value"] = pd.Series([_plain_value(v) for v in table["value"]], index=table.index, dtype=object)
    table["column"] = table["column"].astype(object).where(table["column"].notna(), "")
    order = {name: k for k, name in enumerate(sheet_names)}
    table["_sheet_order"] = table["sheet"].map(order).fillna(-1)
    table = table.sort_values(["_sheet_order", "row", "column"], na_position="first", kind="stable", key=_sort_key)
    return table[PROBLEM_COLUMNS].reset_index(drop=True)


def _sort_key(s: pd.Series) -> pd.Series:
    return s if s.name in ("row", "_sheet_order") else s.astype("string")


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
