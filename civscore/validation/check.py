"""check() and validate(): run the schema and the value checks, and gather every problem in one report."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandera.errors import SchemaErrors

from civscore.rubric.expr import Expression, PreviousMissing, evaluate
from civscore.rubric.model import Rubric
from civscore.validation.cells import ColumnCache, column_kind
from civscore.validation.report import ValidationReport, _problem_table
from civscore.validation.schema import build_schema


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
    cases = failures[["index", "column", "check", "failure_case"]]
    for index, column, rule, case in cases.itertuples(index=False, name=None):
        if index is None or (isinstance(index, float) and np.isnan(index)):
            problems.append(dict(row=None, column=column, value=None, rule=str(rule)))
            continue
        problems.append(dict(row=int(index), column=column, value=case, rule=str(rule)))
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
        if _needs_previous(expr, ind.id, problems):
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
        if _needs_previous(veto.expression, veto.id, problems):
            continue
        if all(c in frame.columns for c in veto.expression.columns):
            checked.vetoes[veto.id] = evaluate(veto.expression, checked.cache.values, n)
    return problems


def _needs_previous(expr: Expression, owner: str, problems: list[dict]) -> bool:
    """previous() without a previous period's table: one problem per expression, not a crash."""
    if not expr.uses_previous:
        return False
    try:
        evaluate(expr, {}, 0)
    except PreviousMissing as exc:
        column = ", ".join(f"previous({c})" for c in expr.previous_columns)
        problems.append(dict(row=None, column=column, value=None, rule=f"{owner}: {exc}"))
    return True


def _unit_ids(frame: pd.DataFrame, rubric: Rubric, cache: ColumnCache) -> pd.Index:
    col = rubric.unit.id_column
    if col not in frame.columns:
        return pd.RangeIndex(len(frame))
    return pd.Index(cache.unit_labels(col), name=col)
