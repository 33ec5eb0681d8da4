"""Check data against a rubric and report every problem with its unit, column, value and rule.

The column checks are a pandera schema built from the rubric (see :func:`build_schema`); the
checks that need evaluated indicator values (an expression's result below zero, a division by
zero under ``missing: error``) run on the evaluated columns. Cells are parsed once per column
and the parsed columns are reused by scoring.
"""

from __future__ import annotations

import datetime
import difflib
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from civscore.rubric.expr import evaluate
from civscore.rubric.model import Indicator, Rubric

MISSING_WORDS = frozenset({"", "na", "n/a", "#n/a", "null", "nan", "none", "缺失", "—", "/"})
TRUE_WORDS = frozenset({"true", "1", "1.0", "是", "有", "yes"})
FALSE_WORDS = frozenset({"false", "0", "0.0", "否", "无", "no"})
BOOLEAN_RULE = "must be yes/no: true/false, 1/0, 是/否, 有/无 or yes/no"
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
        parts = [f"  {n} × {col}: {rule}" for (col, rule), n in counts.items()]
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


# --- parsing cells ----------------------------------------------------------------------------


@dataclass
class Parsed:
    """A column parsed into what the rubric needs: values, which cells are missing, which are bad."""

    values: np.ndarray
    missing: np.ndarray
    bad: np.ndarray
    codes: np.ndarray | None = None  # text only: index into `labels` per cell, -1 if missing
    labels: np.ndarray | None = None


def _as_text(col: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        return col.str.strip()  # already Arrow-backed text: no conversion
    return col.astype("string").str.strip()


def _missing_words(text: pd.Series) -> np.ndarray:
    return (text.isna() | text.str.lower().isin(MISSING_WORDS)).to_numpy(dtype=bool, na_value=True)


def parse_number(col: pd.Series) -> Parsed:
    """Numbers as float64; thousands separators and full-width digits accepted; NaN if missing."""
    if pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        return Parsed(values, np.isnan(values), np.zeros(len(col), bool))
    if pd.api.types.is_numeric_dtype(col.dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        bad = np.isinf(values)
        values = np.where(bad, np.nan, values)
        return Parsed(values, missing, bad)
    if _is_date_dtype(col.dtype):  # pd.to_numeric would turn dates into nanoseconds since 1970
        missing = col.isna().to_numpy(dtype=bool)
        return Parsed(np.full(len(col), np.nan), missing, ~missing)
    if col.dtype == object and col.map(type).isin([bool, pd.Timestamp]).any():
        col = col.map(lambda v: str(v) if isinstance(v, (bool, pd.Timestamp)) else v)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    missing = np.zeros(len(col), bool)
    unread = np.flatnonzero(np.isnan(values))  # usually few: only these cells need text handling
    if unread.size:
        text = _as_text(col.iloc[unread])
        missing[unread] = _missing_words(text)
        retry = ~missing[unread]
        if retry.any():
            cleaned = text[retry].map(_clean_number_text)
            values[unread[retry]] = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = (np.isnan(values) | np.isinf(values)) & ~missing
    values[bad | missing] = np.nan
    return Parsed(values, missing, bad)


def _clean_number_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    if "," in text:
        head, _, tail = text.partition(".")
        groups = head.lstrip("+-").split(",")
        if groups[0] and len(groups[0]) <= 3 and all(len(g) == 3 and g.isdigit() for g in groups[1:]):
            text = head.replace(",", "") + ("." + tail if tail else "")
    return text


def parse_boolean(col: pd.Series) -> Parsed:
    """Yes/no as 1.0/0.0 (NaN if missing) from the contract's vocabulary."""
    if pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        return Parsed(values, np.isnan(values), np.zeros(len(col), bool))
    if pd.api.types.is_numeric_dtype(col.dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan, copy=True)
        missing = np.isnan(values)
        bad = ~missing & (values != 0) & (values != 1)
        values[bad] = np.nan
        return Parsed(values, missing, bad)
    text = _as_text(col).str.lower()
    missing = _missing_words(text)
    values = np.full(len(col), np.nan)
    values[text.isin(TRUE_WORDS).to_numpy(dtype=bool, na_value=False)] = 1.0
    values[text.isin(FALSE_WORDS).to_numpy(dtype=bool, na_value=False)] = 0.0
    bad = np.isnan(values) & ~missing
    return Parsed(values, missing, bad)


def parse_text(col: pd.Series) -> Parsed:
    """Labels as stripped text (None if missing); 2.0 read from Excel becomes "2"."""
    text = _as_text(col)
    if col.dtype == object or pd.api.types.is_float_dtype(col.dtype):
        text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    missing = _missing_words(text)
    # one hashing pass over the column; every later step works per distinct label
    codes, labels = pd.factorize(text)
    codes[missing] = -1  # "NA", "/" ... stay among the labels but no cell points at them
    labels = np.asarray(labels, dtype=object)
    values = np.append(labels, None)[codes]  # code -1 (missing) picks the trailing None
    return Parsed(values, missing, np.zeros(len(col), bool), codes=codes, labels=labels)


PARSERS = {"number": parse_number, "boolean": parse_boolean, "text": parse_text}
KIND_RULES = {"number": "must be a number", "boolean": BOOLEAN_RULE}
DATE_RULE = "must be a number, not a date (is the column formatted as a date in Excel?)"


def _is_date_dtype(dtype) -> bool:
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def _bad(p: Parsed, s: pd.Series, dates: bool) -> np.ndarray:
    """The bad cells that hold a date or time (Excel cells formatted as dates), or the others."""
    if _is_date_dtype(s.dtype):
        return p.bad & dates
    if not p.bad.any() or s.dtype != object:  # only object columns (from .xlsx) can hold dates
        return p.bad & (not dates)
    is_date = s.map(lambda v: isinstance(v, (datetime.date, datetime.time))).to_numpy(dtype=bool)
    return p.bad & (is_date if dates else ~is_date)


def column_kind(kinds: set[str]) -> str:
    """The one kind a column is read as, from the kinds its uses need."""
    if "text" in kinds:
        return "text"
    return "boolean" if "boolean" in kinds else "number"


class ColumnCache:
    """Parses each column once, on first use, for both the checks and the scoring."""

    def __init__(self, frame: pd.DataFrame, kinds: dict[str, str]):
        self.frame = frame
        self.kinds = kinds
        self._parsed: dict[str, Parsed] = {}
        self._labels: dict[str, pd.Series] = {}

    def __getitem__(self, name: str) -> Parsed:
        if name not in self._parsed:
            self._parsed[name] = PARSERS[self.kinds[name]](self.frame[name])
        return self._parsed[name]

    def values(self, name: str) -> np.ndarray:
        return self[name].values

    def unit_labels(self, name: str) -> pd.Series:
        """:func:`unit_labels` of a column, computed once for the checks and the result."""
        if name not in self._labels:
            self._labels[name] = unit_labels(self.frame[name])
        return self._labels[name]

    def parsed(self, name: str) -> Parsed | None:
        """The column as parsed so far, or None if nothing has read it."""
        return self._parsed.get(name)


# --- the pandera schema -----------------------------------------------------------------------


def _check(fn, error: str) -> pa.Check:
    # ignore_na=False: our checks see the whole column, so parsed masks line up with its index
    return pa.Check(fn, error=error, ignore_na=False)


def _ok(mask: np.ndarray, s: pd.Series) -> pd.Series:
    return pd.Series(~mask, index=s.index)


def build_schema(rubric: Rubric, cache: ColumnCache | None = None) -> pa.DataFrameSchema:
    """The pandera schema a data set must satisfy for ``rubric``.

    With a ``cache``, the checks share its parsed columns with scoring; without one, each check
    parses its column itself (for printing or reusing the schema on its own).
    """
    kinds = {col: column_kind(ks) for col, ks in rubric.columns().items()}

    def parsed(name: str, s: pd.Series) -> Parsed:
        return cache[name] if cache is not None else PARSERS[kinds[name]](s)

    unit = rubric.unit

    def labels(s: pd.Series) -> pd.Series:
        return cache.unit_labels(unit.id_column) if cache is not None else unit_labels(s)

    columns: dict[str, pa.Column] = {
        unit.id_column: pa.Column(
            nullable=True,
            checks=[
                _check(lambda s: ~_blank(s), "unit id must not be empty"),
                _check(lambda s: ~labels(s).duplicated(keep=False) | _blank(s), "unit id must be unique"),
            ],
        )
    }
    if unit.name_column:
        columns[unit.name_column] = pa.Column(nullable=True)
    for g in unit.group_columns:
        columns[g] = pa.Column(
            nullable=True,
            checks=_check(lambda s: ~_blank(s), f"must not be empty: units are ranked within {g}"),
        )
    users = _users(rubric)
    for name, kind in kinds.items():
        checks = []
        if kind == "number":
            checks.append(_check(lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=False), s), error=KIND_RULES[kind]))
            checks.append(_check(lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=True), s), error=DATE_RULE))
        elif kind in KIND_RULES:
            checks.append(_check(lambda s, n=name: _ok(parsed(n, s).bad, s), error=KIND_RULES[kind]))
        for ind in users.get(name, []):
            checks.extend(_indicator_checks(rubric, ind, name, parsed))
        if name in columns:  # a unit column also read by an expression
            columns[name] = pa.Column(nullable=True, checks=list(columns[name].checks) + checks)
        else:
            columns[name] = pa.Column(nullable=True, checks=checks)
    return pa.DataFrameSchema(columns, name=f"civscore rubric {rubric.id} {rubric.version}", strict=False)


def _indicator_checks(rubric: Rubric, ind: Indicator, name: str, parsed) -> list[pa.Check]:
    checks = []
    bare = ind.expression.bare_column == name
    if rubric.missing_policy(ind) == "error":
        checks.append(
            _check(
                lambda s, n=name: _ok(parsed(n, s).missing, s),
                error=f"must not be empty: indicator {ind.id} uses missing: error",
            )
        )
    if bare and ind.method in ("deduction", "count"):
        checks.append(
            _check(
                lambda s, n=name: _ok(parsed(n, s).values < 0, s),
                error=f"must be 0 or more: indicator {ind.id} counts items ({ind.method})",
            )
        )
    if bare and ind.method == "categorical":
        labels = list(ind.map)
        shown = ", ".join(labels[:12]) + (", ..." if len(labels) > 12 else "")
        checks.append(
            _check(
                lambda s, n=name, keys=frozenset(labels): _ok(_not_in(parsed(n, s), keys), s),
                error=f"must be one of: {shown} (indicator {ind.id})",
            )
        )
    return checks


def _not_in(p: Parsed, labels: frozenset[str]) -> np.ndarray:
    unknown = np.array([label not in labels for label in p.labels] + [False])
    return unknown[p.codes]  # code -1 (missing) picks the trailing False


def _users(rubric: Rubric) -> dict[str, list[Indicator]]:
    users: dict[str, list[Indicator]] = {}
    for ind in rubric.iter_indicators():
        for col in ind.expression.columns:
            users.setdefault(col, []).append(ind)
    return users


def _blank(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.isna()
    return s.isna() | (s.astype("string").str.strip() == "").fillna(True)


def unit_labels(s: pd.Series) -> pd.Series:
    """Unit ids as the result shows them: numbers kept; text trimmed, Excel's 1001.0 read as "1001".

    The uniqueness check and the result use this one function, so two cells that become the same
    id in the result are always reported as duplicates.
    """
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s
    return pd.Series(parse_text(s).values, index=s.index, dtype=object)


# --- running the checks -----------------------------------------------------------------------


@dataclass
class Checked:
    """The outcome of checking data: the report, and everything parsed for scoring."""

    report: ValidationReport
    ids: pd.Index
    cache: ColumnCache
    values: dict[str, np.ndarray] = field(default_factory=dict)  # indicator id -> evaluated value
    vetoes: dict[str, np.ndarray] = field(default_factory=dict)  # veto id -> triggered


def check(data: pd.DataFrame, rubric: Rubric) -> Checked:
    """Validate ``data`` against ``rubric``; never raises for bad data."""
    source = data.attrs.get("source")
    first_row = data.attrs.get("first_row")
    frame = data.reset_index(drop=True)
    kinds = {col: column_kind(ks) for col, ks in rubric.columns().items()}
    cache = ColumnCache(frame, kinds)
    problems = _missing_columns(frame, rubric, kinds)
    schema = build_schema(rubric, cache)
    # a column the data lacks is reported once above, in plain words, not again by pandera
    schema = schema.remove_columns([c for c in schema.columns if c not in frame.columns])
    # pandera keeps a weak reference to the frame it validated; validate a short-lived shallow
    # copy so that reference is released now, not during interpreter shutdown.
    target = frame.copy(deep=False)
    try:
        schema.validate(target, lazy=True, inplace=True)
    except SchemaErrors as exc:
        problems.extend(_from_pandera(exc.failure_cases, frame))
    finally:
        del target
    ids = _unit_ids(frame, rubric, cache)
    checked = Checked(ValidationReport(pd.DataFrame(), source, len(frame)), ids, cache)
    problems.extend(_evaluate(checked, rubric, frame))
    table = _problem_table(problems, frame, rubric, source, first_row)
    checked.report = ValidationReport(table, source, len(frame))
    return checked


def validate(data: pd.DataFrame, rubric: Rubric) -> ValidationReport:
    """Check ``data`` against ``rubric`` and return the report; never raises for bad data."""
    return check(data, rubric).report


def _missing_columns(frame: pd.DataFrame, rubric: Rubric, kinds: dict[str, str]) -> list[dict]:
    unit = rubric.unit
    needed: dict[str, list[str]] = {}
    needed.setdefault(unit.id_column, []).append("the unit id column")
    if unit.name_column:
        needed.setdefault(unit.name_column, []).append("the unit name column")
    for g in unit.group_columns:
        needed.setdefault(g, []).append("a group column")
    for col, _, owner in rubric.column_uses():
        users = needed.setdefault(col, [])
        if owner not in users:
            users.append(owner)
    problems = []
    available = [str(c) for c in frame.columns]
    for col, users in needed.items():
        if col in frame.columns:
            continue
        close = difflib.get_close_matches(col, available, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(
            dict(
                row=None,
                column=col,
                value=None,
                rule=f"column is missing from the data (needed by {', '.join(users)}){hint}",
            )
        )
    return problems


def _from_pandera(failures: pd.DataFrame, frame: pd.DataFrame) -> list[dict]:
    problems = []
    for f in failures.itertuples(index=False):
        if f.index is None or (isinstance(f.index, float) and np.isnan(f.index)):
            problems.append(dict(row=None, column=f.column, value=None, rule=str(f.check)))
            continue
        problems.append(dict(row=int(f.index), column=f.column, value=f.failure_case, rule=str(f.check)))
    return problems


def _evaluate(checked: Checked, rubric: Rubric, frame: pd.DataFrame) -> list[dict]:
    """Evaluate every expression once; report what only the evaluated values can show."""
    n = len(frame)
    problems: list[dict] = []
    bad_cells = np.zeros(n, bool)
    for col in checked.cache.kinds:
        if col in frame.columns:
            bad_cells |= checked.cache[col].bad
    for ind in rubric.iter_indicators():
        expr = ind.expression
        if any(c not in frame.columns for c in expr.columns):
            continue
        v = evaluate(expr, checked.cache.values, n)
        checked.values[ind.id] = v
        if expr.is_bare_column:
            continue  # its column checks already said everything
        if ind.method in ("deduction", "count"):
            for i in np.flatnonzero(v < 0):
                problems.append(
                    dict(
                        row=int(i),
                        column=ind.value,
                        value=float(v[i]),
                        rule=f"must be 0 or more: indicator {ind.id} counts items ({ind.method})",
                    )
                )
        if rubric.missing_policy(ind) == "error":
            inputs_present = np.logical_and.reduce([~checked.cache[c].missing for c in expr.columns]) & ~bad_cells
            for i in np.flatnonzero(np.isnan(v) & inputs_present):
                problems.append(
                    dict(
                        row=int(i),
                        column=ind.value,
                        value=None,
                        rule=f"cannot be computed (division by zero?): indicator {ind.id} uses missing: error",
                    )
                )
    for veto in rubric.vetoes:
        if all(c in frame.columns for c in veto.expression.columns):
            checked.vetoes[veto.id] = evaluate(veto.expression, checked.cache.values, n)
    return problems


def _unit_ids(frame: pd.DataFrame, rubric: Rubric, cache: ColumnCache) -> pd.Index:
    col = rubric.unit.id_column
    if col not in frame.columns:
        return pd.RangeIndex(len(frame))
    return pd.Index(cache.unit_labels(col), name=col)


def _problem_table(
    problems: list[dict], frame: pd.DataFrame, rubric: Rubric, source: str | None, first_row: int | None
) -> pd.DataFrame:
    if not problems:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    table = pd.DataFrame(problems)
    id_col = rubric.unit.id_column
    positions = table["row"]
    has_row = positions.notna()
    units = pd.Series("", index=table.index, dtype=object)
    if id_col in frame.columns and has_row.any():
        id_text = parse_text(frame[id_col]).values
        units[has_row] = [id_text[int(i)] or "" for i in positions[has_row]]
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
