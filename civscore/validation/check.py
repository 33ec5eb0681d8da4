"""check() and validate(): run the schema and the value checks, and gather every problem in one report."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandera.errors import SchemaErrors

from civscore.methods import method_of
from civscore.readers.data import read_data
from civscore.rubric.expr import Expression, PreviousMissing, evaluate
from civscore.rubric.model import Indicator, Rubric
from civscore.validation.cells import NOT_APPLICABLE, ColumnCache, count_columns, rubric_kinds
from civscore.validation.previous import PreviousTable, match_previous
from civscore.validation.report import ValidationReport, _problem_table
from civscore.validation.schema import build_schema
from civscore.words import fmt, say


@dataclass
class Checked:
    """The outcome of checking data: the report, and everything parsed for scoring."""

    report: ValidationReport
    ids: pd.Index
    cache: ColumnCache
    values: dict[str, np.ndarray] = field(default_factory=dict)  # indicator id -> evaluated value
    vetoes: dict[str, np.ndarray] = field(default_factory=dict)  # veto id -> triggered
    # indicator id -> True where a 不适用 cell in a column its value uses makes it not apply
    not_applicable: dict[str, np.ndarray] = field(default_factory=dict)
    gates: dict[str, np.ndarray] = field(default_factory=dict)  # indicator id -> only_if holds
    previous: PreviousTable | None = None  # the previous period's table, matched to these units


def check(data: pd.DataFrame, rubric: Rubric, previous: pd.DataFrame | str | Path | None = None) -> Checked:
    """Validate ``data`` against ``rubric``; never raises for bad data.

    ``previous`` is the previous period's unit table (a DataFrame, or a file read like the
    data), read by ``previous(name)`` in expressions; its problems are reported too, naming its
    own file and rows. A file that cannot be read at all raises :class:`civscore.DataError`.
    """
    if isinstance(previous, (str, Path)):
        previous = read_data(previous, rubric)
    source = data.attrs.get("source")
    first_row = data.attrs.get("first_row")
    frame = data.reset_index(drop=True)
    kinds = rubric_kinds(rubric)
    cache = ColumnCache(frame, kinds, frozenset(rubric.label_columns(NOT_APPLICABLE)), count_columns(rubric))
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
    if previous is not None and rubric.uses_previous():
        checked.previous = match_previous(previous, rubric, pd.Series(ids.to_numpy()))
    problems.extend(_evaluate(checked, rubric, frame))
    table = _problem_table(problems, frame, rubric, source, first_row)
    if checked.previous is not None and checked.previous.problems:
        prev = checked.previous
        earlier = _problem_table(prev.problems, prev.frame, rubric, prev.source, prev.first_row)
        table = pd.concat([table, earlier], ignore_index=True) if len(table) else earlier
    checked.report = ValidationReport(table, source, len(frame))
    return checked


def validate(data: pd.DataFrame, rubric: Rubric, previous: pd.DataFrame | str | Path | None = None) -> ValidationReport:
    """Check ``data`` against ``rubric`` and return the report; never raises for bad data.

    ``previous``: the previous period's unit table, for rubrics that use ``previous(name)``
    (a DataFrame, or a path read like the data).
    """
    return check(data, rubric, previous=previous).report


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
    previous = checked.previous.columns if checked.previous is not None else None

    def run(expr: Expression, owner: str) -> np.ndarray | None:
        if any(c not in frame.columns for c in expr.columns):
            return None  # reported once as a missing column
        if expr.uses_previous and previous is not None and any(c not in previous for c in expr.previous_columns):
            return None
        try:
            return evaluate(expr, checked.cache.values, n, previous=previous)
        except PreviousMissing as exc:
            column = ", ".join(f"previous({c})" for c in expr.previous_columns)
            problems.append(dict(row=None, column=column, value=None, rule=f"{owner} {exc}"))
            return None

    for ind in rubric.iter_indicators():
        expr = ind.expression
        gate = ind.gate
        if gate is not None:
            is_open = run(gate, ind.id)
            if is_open is not None:
                checked.gates[ind.id] = is_open
        v = run(expr, ind.id)
        if v is None:
            continue
        checked.values[ind.id] = v
        na = np.zeros(n, bool)
        for c in expr.columns:
            na |= checked.cache[c].na
        if na.any():
            checked.not_applicable[ind.id] = na
        if ind.range is not None:
            problems.extend(_range_problems(ind, v, checked))
        if expr.is_bare_column:
            continue  # its column checks already said everything
        method = method_of(ind)
        rule = method.value_rule(ind)
        if rule is not None:  # a computed value is a number: text methods read a bare column
            for i in np.flatnonzero(method.invalid(v, ind)):
                problems.append(dict(row=int(i), column=ind.value, value=float(v[i]), rule=rule))
        if rubric.missing_policy(ind) == "error":
            inputs_present = np.logical_and.reduce([~checked.cache[c].missing for c in expr.columns]) & ~bad_cells
            inputs_present &= ~na
            absent_before = np.zeros(n, bool)
            if expr.uses_previous and previous is not None:
                absent_before = np.logical_or.reduce([pd.isna(previous[c]) for c in expr.previous_columns])
            for i in np.flatnonzero(np.isnan(v) & inputs_present & ~absent_before):
                problems.append(
                    dict(
                        row=int(i),
                        column=ind.value,
                        value=None,
                        rule=f"cannot be computed (division by zero?): indicator {ind.id} uses missing: error",
                    )
                )
            for i in np.flatnonzero(np.isnan(v) & inputs_present & absent_before):
                problems.append(
                    dict(
                        row=int(i),
                        column=", ".join(f"previous({c})" for c in expr.previous_columns),
                        value=None,
                        rule=say(
                            f"上一期数据中没有该单位或该值：指标 {ind.id} 设为 missing: error",
                            "the previous period's table has no value for this unit: "
                            f"indicator {ind.id} uses missing: error",
                        ),
                    )
                )
    for veto in rubric.vetoes:
        hit = run(veto.expression, veto.id)
        if hit is not None:
            checked.vetoes[veto.id] = hit
    return problems


def _range_problems(ind: Indicator, v: np.ndarray, checked: Checked) -> list[dict]:
    """range: [lo, hi] (section 9): a value outside is a data error; missing and 不适用 are not checked."""
    assert ind.range is not None
    lo, hi = ind.range
    outside = np.flatnonzero((v < lo) | (v > hi))  # NaN (missing, 不适用) compares false
    bare = ind.expression.bare_column
    span = f"[{fmt(lo)}, {fmt(hi)}]"
    problems = []
    for i in outside:
        if bare is not None:
            column, value = bare, checked.cache.frame[bare].iloc[i]
            rule = say(
                f"应在 {span} 之间（指标 {ind.id} 的 range）", f"must lie in {span} (range of indicator {ind.id})"
            )
        else:
            column, value = ", ".join(ind.expression.columns), float(v[i])
            rule = say(
                f"指标 {ind.id} 的值 {ind.value} = {fmt(v[i])}，应在 {span} 之间",
                f"indicator {ind.id}'s value {ind.value} = {fmt(v[i])} must lie in {span}",
            )
        problems.append(dict(row=int(i), column=column, value=value, rule=rule))
    return problems


def _unit_ids(frame: pd.DataFrame, rubric: Rubric, cache: ColumnCache) -> pd.Index:
    col = rubric.unit.id_column
    if col not in frame.columns:
        return pd.RangeIndex(len(frame))
    return pd.Index(cache.unit_labels(col), name=col)
