"""check() and validate(): run the schema and the value checks, and gather every problem in one report."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civscore.methods import method_of
from civscore.readers.data import read_data
from civscore.rubric.evaluate import PreviousMissing, evaluate
from civscore.rubric.expr import Expression
from civscore.rubric.model import Indicator, Rubric, facts_once
from civscore.validation.arrow_text import as_string, converting_once, holding
from civscore.validation.cells import NOT_APPLICABLE, ColumnCache, count_columns, rubric_kinds
from civscore.validation.previous import PreviousTable, match_previous
from civscore.validation.report import ValidationReport, _problem_table
from civscore.validation.schema import Rule, column_rules, schema_name, schema_of
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
    # per unit: each measure, its n and standard error (contract section 8); attrs["sources"]
    # names each record table's file; None when the rubric has no record tables
    measures: pd.DataFrame | None = None


def check(
    data: pd.DataFrame,
    rubric: Rubric,
    previous: pd.DataFrame | str | Path | None = None,
    records: Mapping[str, Any] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> Checked:
    """Validate ``data`` against ``rubric``; never raises for bad data.

    ``previous`` is the previous period's unit table (a DataFrame, or a file read like the
    data), read by ``previous(name)`` in expressions; its problems are reported too, naming its
    own file and rows. A file that cannot be read at all raises :class:`civscore.DataError`.

    A rubric with record tables (contract section 8) needs ``records`` (table name -> path or
    DataFrame): the measures are computed first (by ``engine``: "duckdb" or "spark") and then
    checked like data columns; record problems join the same report, with the record table's
    name in a ``table`` column.
    """
    if not (rubric.records or records):
        return _check_units(data, rubric, previous)
    from civscore.records.measure import attach_measures

    frame, measured = attach_measures(data, rubric, records or {}, engine=engine, spark_master=spark_master)
    checked = _check_units(frame, rubric, previous)
    units = checked.report.problems.assign(table="")
    both = [t for t in (measured.problems, units) if len(t)]
    checked.report = replace(checked.report, problems=pd.concat(both, ignore_index=True) if both else units)
    checked.measures = measured.for_units(frame, rubric, checked.ids)
    return checked


def _check_units(data: pd.DataFrame, rubric: Rubric, previous: pd.DataFrame | str | Path | None) -> Checked:
    if isinstance(previous, (str, Path)):
        previous = read_data(previous, rubric)
    with converting_once(), facts_once():
        return _check_frame(data, rubric, previous)


def _check_frame(data: pd.DataFrame, rubric: Rubric, previous: pd.DataFrame | None) -> Checked:
    source = data.attrs.get("source")
    digest = data.attrs.get("sha256")
    first_row = data.attrs.get("first_row")
    frame = data.reset_index(drop=True)
    kinds = rubric_kinds(rubric)
    cache = ColumnCache(frame, kinds, frozenset(rubric.label_columns(NOT_APPLICABLE)), count_columns(rubric))
    problems = _missing_columns(frame, rubric, kinds)
    problems.extend(_schema_problems(frame, rubric, cache))
    ids = _unit_ids(frame, rubric, cache)
    checked = Checked(ValidationReport(pd.DataFrame(), source, len(frame), source_sha256=digest), ids, cache)
    if previous is not None and rubric.uses_previous():
        checked.previous = match_previous(previous, rubric, pd.Series(ids.to_numpy()))
    problems.extend(_evaluate(checked, rubric, frame))
    problems.extend(frame.attrs.get("problems") or [])  # structure the reader found (title rows, sheets)
    problems.extend(_merged_cells(frame, rubric))
    summaries = _summary_rows(frame, rubric, cache)
    if summaries:  # a 合计 row is one problem, not also its blank id and street
        rows = {p["row"] for p in summaries}
        problems = [p for p in problems if p.get("row") not in rows]
    problems.extend(summaries)
    table = _problem_table(problems, frame, rubric, source, first_row)
    if checked.previous is not None and checked.previous.problems:
        prev = checked.previous
        earlier = _problem_table(prev.problems, prev.frame, rubric, prev.source, prev.first_row)
        table = pd.concat([table, earlier], ignore_index=True) if len(table) else earlier
    checked.report = ValidationReport(
        table, source, len(frame), list(frame.attrs.get("notes") or []), source_sha256=digest
    )
    return checked


def validate(
    data: pd.DataFrame,
    rubric: Rubric,
    previous: pd.DataFrame | str | Path | None = None,
    records: Mapping[str, Any] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> ValidationReport:
    """Check ``data`` against ``rubric`` and return the report; never raises for bad data.

    ``previous``: the previous period's unit table, for rubrics that use ``previous(name)``
    (a DataFrame, or a path read like the data). ``records``: the record tables of a rubric
    that declares any (table name -> path or DataFrame), aggregated by ``engine``.
    """
    return check(data, rubric, previous=previous, records=records, engine=engine, spark_master=spark_master).report


def _missing_columns(frame: pd.DataFrame, rubric: Rubric, kinds: dict[str, str]) -> list[dict]:
    unit = rubric.unit
    needed: dict[str, list[str]] = {}
    needed.setdefault(unit.id_column, []).append(say("单位编号列", "the unit id column"))
    if unit.name_column:
        needed.setdefault(unit.name_column, []).append(say("单位名称列", "the unit name column"))
    for g in unit.group_columns:
        needed.setdefault(g, []).append(say("分组列", "a group column"))
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
        rule = say(
            f"数据中没有这一列（{'、'.join(users)} 需要）" + (f"；是不是 {close[0]!r}？" if close else ""),
            f"column is missing from the data (needed by {', '.join(users)})"
            + (f"; did you mean {close[0]!r}?" if close else ""),
        )
        problems.append(dict(row=None, column=col, value=None, rule=rule))
    return problems


def _schema_problems(frame: pd.DataFrame, rubric: Rubric, cache: ColumnCache) -> list[dict]:
    """The cells that break the schema's rules, as pandera reports them.

    Every rule is computed once, over its whole column (a column the data lacks is reported
    once, in plain words, by _missing_columns). pandera then validates the columns in which some
    cell breaks a rule, with those same results: on clean data its per-check work is not paid
    at all, and on bad data only for the columns it has something to say about.
    """
    flagged: dict[str, list[Rule]] = {}
    for name, rules in column_rules(rubric, cache).items():
        if name not in frame.columns:
            continue
        column = cache.column(name)
        cells = [rule.cells(column) for rule in rules]
        if any(c.any() for c in cells):
            flagged[name] = [Rule(r.words, _found(c)) for r, c in zip(rules, cells, strict=True)]
    if not flagged:
        return []
    # pandera keeps a weak reference to the frame it validated; validate a short-lived shallow
    # copy so that reference is released now, not during interpreter shutdown.
    target = frame.copy(deep=False)
    schema = schema_of(flagged, schema_name(rubric))  # imports pandera, which clean data never needs
    from pandera.errors import SchemaErrors

    try:
        schema.validate(target, lazy=True, inplace=True)
    except SchemaErrors as exc:
        return _from_pandera(exc.failure_cases, frame)
    finally:
        del target
    return []


def _found(cells: np.ndarray) -> Callable[[pd.Series], np.ndarray]:
    return lambda _column: cells


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
                        rule=say(
                            f"无法计算（除数为零？）：指标 {ind.id} 设置了 missing: error",
                            f"cannot be computed (division by zero?): indicator {ind.id} uses missing: error",
                        ),
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


def _merged_cells(data: pd.DataFrame, rubric: Rubric) -> list[dict]:
    """A merged cell left in a column the rubric reads: only its first row holds the value, and
    every other row it covers would silently count as blank."""
    used = set(rubric.columns()) | {rubric.unit.id_column}
    if rubric.unit.name_column:
        used.add(rubric.unit.name_column)
    used |= set(rubric.unit.group_columns)
    problems = []
    for m in data.attrs.get("merged") or []:
        if m["column"] not in used:
            continue
        n = m["last_row"] - m["first_row"] + 1
        problems.append(
            dict(
                sheet=m["sheet"],
                row_number=m["first_row"],
                column=m["column"],
                value=None,
                rule=say(
                    f"第 {m['first_row']}–{m['last_row']} 行是一个合并单元格（{m['ref']}）："
                    f"只有第一行有值，其余 {n - 1} 行"
                    "会被当作空白；请取消合并，并在每一行填上值",
                    f"rows {m['first_row']}–{m['last_row']} are one merged cell ({m['ref']}): only its first row holds "
                    f"the value and the other {n - 1} would count as blank; unmerge it and fill in every row",
                ),
            )
        )
    return problems


SUMMARY_WORDS = ("合计", "总计", "小计", "平均", "平均值", "平均数", "均值", "汇总", "累计")
# matched against the cell with every space removed: 合 计, 全街道合计, 平均值：
# every summary word holds one of these: a cell without them is never a summary row
_SUMMARY_CHARACTERS = "[计均汇]"
assert all(any(c in w for c in _SUMMARY_CHARACTERS[1:-1]) for w in SUMMARY_WORDS)
_SUMMARY = "(?:全|本)?(?:街道|社区|镇|区|县|市)?(?:" + "|".join(SUMMARY_WORDS) + ")[:：]?"


def _summary_rows(frame: pd.DataFrame, rubric: Rubric, cache: ColumnCache) -> list[dict]:
    """合计 / 平均 / 小计 rows are never units: by their id or name, or because every number in
    them is the sum (or the mean) of the same column over the other rows."""
    unit = rubric.unit
    flagged = np.zeros(len(frame), bool)
    problems = []
    for col in [unit.id_column, unit.name_column]:
        if not col or col not in frame.columns:
            continue
        text = as_string(cache.column(col))
        hits = np.zeros(len(frame), bool)
        rows = holding(text, _SUMMARY_CHARACTERS)  # Python's \s below: only where a word can be
        if rows.size:
            words = text.iloc[rows].str.replace(r"\s+", "", regex=True)
            hits[rows] = words.str.fullmatch(_SUMMARY).to_numpy(dtype=bool, na_value=False)
        for i in np.flatnonzero(hits & ~flagged).tolist():
            problems.append(dict(row=i, column=col, value=frame[col].iat[i], rule=_summary_rule()))
        flagged |= hits
    for i in _arithmetic_summaries(frame, rubric, cache):
        if not flagged[i]:
            problems.append(
                dict(
                    row=int(i),
                    column=unit.id_column,
                    value=None,
                    rule=say(
                        "这一行的每个数都等于其他各行之和（或平均值）：像是合计/平均行，不是单位；请删除",
                        "every number in this row is the sum (or the mean) of the other rows: it looks like a "
                        "total or average row, not a unit; delete it",
                    ),
                )
            )
    return problems


def _summary_rule() -> str:
    return say(
        "是合计/平均/小计行，不是单位；请删除这一行", "is a total, average or subtotal row, not a unit; delete the row"
    )


def _arithmetic_summaries(frame: pd.DataFrame, rubric: Rubric, cache: ColumnCache) -> np.ndarray:
    """Rows in which every number column (at least two, each with 4+ numbers that are not all
    equal) holds the sum, or the mean, of the same column over the other rows, and some number
    is not 0.

    A row holds the sum of the others where x = total - x, and their mean where
    x = (total - x) / (count - 1). The first column leaves a handful of candidate rows at most;
    every further column is compared at those rows only, so the check costs a pass or two per
    column instead of several over a units x columns matrix (issue 16: 1.2 s at 200k units).
    """
    n = len(frame)
    if n < 4:
        return np.zeros(0, int)
    sums = np.arange(n)  # candidate rows for "the sum of the others", then for "their mean"
    means = np.arange(n)
    nonzero = np.zeros(n, bool)
    used = 0
    for col, kind in cache.kinds.items():
        if kind != "number" or col not in frame.columns:
            continue
        x = cache.values(col)
        finite = np.isfinite(x)
        count = int(np.count_nonzero(finite))
        if count < 4:
            continue
        present = x[finite]
        if not present.max() > present.min():
            continue
        used += 1
        total = present.sum()
        at = x[sums]
        sums = sums[np.isclose(at, total - at, rtol=1e-6, atol=1e-9)]
        at = x[means]
        means = means[np.isclose(at, (total - at) / (count - 1), rtol=1e-6, atol=1e-9)]
        for rows in (sums, means):
            nonzero[rows] |= x[rows] != 0
        if not sums.size and not means.size:
            return np.zeros(0, int)
    if used < 2:
        return np.zeros(0, int)
    rows = np.union1d(sums, means)
    return rows[nonzero[rows]]


def _unit_ids(frame: pd.DataFrame, rubric: Rubric, cache: ColumnCache) -> pd.Index:
    col = rubric.unit.id_column
    if col not in frame.columns:
        return pd.RangeIndex(len(frame))
    return pd.Index(cache.unit_labels(col), name=col)
