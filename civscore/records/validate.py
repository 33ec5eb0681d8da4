"""Checks on record tables, run in the engine: a pandera.ibis schema built from the rubric.

Each rule of section 8 (blank or unknown unit ids, key duplicates, ``columns:`` vocabularies and
ranges, weights that are not > 0, cells that are not numbers or yes/no where a measure needs one)
is one pandera check that asks the engine a single yes/no question, so the records never leave
it. For a rule that fails, the engine is then asked how many records break it and for the first
few of them in file order: a million problems make a short, readable report, with the count.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd
from pandera.errors import SchemaError, SchemaErrors

from civscore._light_import import import_without_pyspark
from civscore.records.compile import Cells, one_of
from civscore.records.read import FILE, ROW, RecordFile
from civscore.rubric.records import Measure, RecordTable
from civscore.words import fmt, say

FIRST_ROWS = 20  # records listed per failing rule; the rest are counted
UNIT = "__civscore_unit__"
VALUE = "__civscore_value__"
RULE = "__civscore_rule__"


@dataclass(frozen=True)
class Rule:
    """One check: the records that break it (an Ibis table with the row, file, unit and value)."""

    column: str
    text: str
    failing: Callable[[], ir.Table]
    count: Callable[[], ir.IntegerScalar]
    per_row: bool = True  # counted in the one scan of all per-record rules
    bad: Callable[[], ir.BooleanValue] | None = None  # per record: breaks the rule (per-row rules)
    # the same test for any prepared cells of the column (its distinct values, see spellings.py)
    test: Callable[[Cells], ir.BooleanValue] | None = None


def used_columns(spec: RecordTable, measures: list[Measure]) -> list[str]:
    """Every column of a record table that the rubric reads, unit column first."""
    cols = [spec.unit_column, *spec.key, *spec.columns]
    for m in measures:
        cols.extend(m.record_columns())
    return list(dict.fromkeys(cols))


def missing_columns(name: str, spec: RecordTable, measures: list[Measure], records: RecordFile) -> list[dict]:
    """Columns the rubric reads that the record file lacks, with a close match where there is one."""
    needed: dict[str, list[str]] = {spec.unit_column: [say("单位列 unit_column", "the unit_column")]}
    for col in spec.key:
        needed.setdefault(col, []).append("key")
    for col in spec.columns:
        needed.setdefault(col, []).append("columns:")
    for m in measures:
        for col in m.record_columns():
            needed.setdefault(col, []).append(say(f"度量 {m.id}", f"measure {m.id}"))
    problems = []
    for col, users in needed.items():
        if col in records.columns:
            continue
        close = difflib.get_close_matches(col, list(records.columns), n=1, cutoff=0.6)
        hint = say(f"；是否应为 {close[0]!r}？", f"; did you mean {close[0]!r}?") if close else ""
        problems.append(
            _problem(
                name,
                records.label,
                column=col,
                rule=say(
                    f"记录表 {name} 缺少此列（{'、'.join(users)} 需要）{hint}",
                    f"column is missing from record table {name} (needed by {', '.join(users)}){hint}",
                ),
            )
        )
    return problems


def rules(spec: RecordTable, measures: list[Measure], units: ir.Table | None, cells: Cells) -> list[Rule]:
    """Every record rule of section 8 for one prepared table (see :func:`prepare`), given the unit
    ids (None: any id is known)."""
    out: list[Rule] = []
    t = cells.table

    def rule(column: str, text: str, bad: Callable[..., ir.BooleanValue]) -> None:
        def failing() -> ir.Table:
            return t.filter(bad(cells)).select(
                **{ROW: t[ROW], FILE: t[FILE], UNIT: cells.raw_text(spec.unit_column), VALUE: cells.raw_text(column)}
            )

        def count() -> ir.IntegerScalar:
            # a sum, not a filtered count: an engine pushes a filter down through the prepared
            # views, spelling every derived cell out again inside it (seconds per million rows)
            return bad(cells).cast("int64").sum().fill_null(0)

        out.append(Rule(column, text, failing, count, bad=lambda: bad(cells), test=bad))

    uc = spec.unit_column
    rule(
        uc,
        say("单位 id 为空：每条记录都须注明所属单位", "unit id is blank: every record must name its unit"),
        lambda c: c.text(uc).isnull(),
    )
    if units is not None:
        rule(
            uc,
            say("单位 id 不在单位表中", "unit id is not in the unit table"),
            # not NOT IN: Spark plans a negated IN as a nested-loop join over both tables (ids x
            # units: 10^10 comparisons at 100,000 units); the ids hold no null, so this is the same
            lambda c: c.text(uc).notnull() & ibis.ifelse(c.text(uc).isin(units["uid"]), False, True),
        )
    if spec.key:
        keys = list(spec.key)
        text = say(f"记录键（{'、'.join(keys)}）重复：每条记录须唯一", f"key ({', '.join(keys)}) is not unique")

        def duplicates() -> ir.Table:
            keyed = t.select(
                **{ROW: t[ROW], FILE: t[FILE], UNIT: cells.raw_text(uc), VALUE: cells.raw_text(keys[0])},
                **{f"__k{i}": cells.text(k) for i, k in enumerate(keys)},
            )
            cols = [f"__k{i}" for i in range(len(keys))]
            present = ibis.and_(*[keyed[c].notnull() for c in cols])
            dups = keyed.filter(present).group_by(cols).aggregate(__n=ibis._.count()).filter(ibis._.__n > 1)
            return keyed.inner_join(dups.select(cols), cols).select(ROW, FILE, UNIT, VALUE)

        def repeated() -> ir.IntegerScalar:
            keyed = t.select(**{f"__k{i}": cells.text(k) for i, k in enumerate(keys)})
            cols = [f"__k{i}" for i in range(len(keys))]
            groups = keyed.group_by(cols).aggregate(__n=ibis._.count())
            present = ibis.and_(*[groups[c].notnull() for c in cols])  # after the group-by: nothing pushed down
            return groups.filter(present & (groups.__n > 1)).__n.sum().fill_null(0)

        out.append(Rule(keys[0], text, duplicates, repeated, per_row=False))
    for col, check in spec.columns.items():
        if check.values is not None:
            allowed = list(check.values)
            shown = "、".join(allowed[:12]) + ("…" if len(allowed) > 12 else "")
            rule(
                col,
                say(f"须为以下之一：{shown}", f"must be one of: {', '.join(allowed[:12])}"),
                lambda c, col=col, allowed=allowed: c.text(col).notnull() & ~one_of(c.text(col), allowed),
            )
        else:
            lo = fmt(check.min) if check.min is not None else "-∞"
            hi = fmt(check.max) if check.max is not None else "∞"
            rule(col, say("须为数字", "must be a number"), lambda c, col=col: c.number_bad(col))

            def outside(c: Cells, col: str = col, check=check) -> ir.BooleanValue:
                x = c.number(col)
                low = (x < check.min) if check.min is not None else ibis.literal(False)
                high = (x > check.max) if check.max is not None else ibis.literal(False)
                return (low | high).fill_null(False)

            rule(col, say(f"须在 [{lo}, {hi}] 之间", f"must lie in [{lo}, {hi}]"), outside)
    # weights have their own rule below, which also covers cells that are not numbers
    checked_numbers = {c for c, ch in spec.columns.items() if ch.values is None} | {
        m.weight for m in measures if m.weight
    }
    kinds: dict[str, set[str]] = {}
    arithmetic = {c for m in measures if m.of_expression is not None for c in m.of_expression.arithmetic}
    for m in measures:
        for col, ks in m.record_columns().items():
            kinds.setdefault(col, set()).update(ks)
    for col, ks in kinds.items():
        if "number" in ks and col not in checked_numbers:
            users = "、".join(m.id for m in measures if col in m.record_columns())
            if col in arithmetic:  # section 9: a yes/no cell counts 1 / 0 in arithmetic
                rule(
                    col,
                    say(
                        f"须为数字或 是/否（度量 {users} 需要）",
                        f"must be a number or yes/no (needed by measure {users})",
                    ),
                    lambda c, col=col: c.number_bad(col) & c.boolean(col).isnull(),
                )
            else:
                rule(
                    col,
                    say(f"须为数字（度量 {users} 需要）", f"must be a number (needed by measure {users})"),
                    lambda c, col=col: c.number_bad(col),
                )
        if "boolean" in ks:
            rule(
                col,
                say(
                    "须为 是/否：true/false、1/0、是/否、有/无 或 yes/no",
                    "must be yes/no: true/false, 1/0, 是/否, 有/无 or yes/no",
                ),
                lambda c, col=col: c.boolean_bad(col),
            )
    for w in dict.fromkeys(m.weight for m in measures if m.weight):
        users = "、".join(m.id for m in measures if m.weight == w)
        rule(
            w,
            say(f"权重须为大于 0 的数（度量 {users}）", f"weight must be a number > 0 (measure {users})"),
            lambda c, w=w: c.number(w).isnull() | (c.number(w) <= 0),
        )
    return out


def record_schema(name: str, rule_list: list[Rule]):
    """The pandera.ibis schema of a record table's rule counts (see :func:`rule_counts`): one
    column per rule, which must be 0, its check named by the rule's own words."""
    # a second to import, and asked only about records that break a rule (see check_table)
    import_without_pyspark("pandera.ibis")  # pandera would import PySpark too (see civscore._light_import)
    import pandera.ibis as pa

    columns = {
        f"r{i}": pa.Column(checks=pa.Check.eq(0, error=f"{r.column}: {r.text}", name=str(i)), nullable=False)
        for i, r in enumerate(rule_list)
    }
    return pa.DataFrameSchema(columns, name=f"civscore record table {name}")


def per_record(rule_list: list[Rule]) -> dict[str, ir.BooleanValue]:
    """The per-record rules as columns ``r{i}`` (True where the record breaks rule i), for
    counting them in the same scan as the measures (see :func:`check_table`'s ``counted``)."""
    return {f"r{i}": r.bad() for i, r in enumerate(rule_list) if r.per_row and r.bad is not None}


def rule_counts(table: ir.Table, rule_list: list[Rule], skip: frozenset[str] = frozenset()) -> ir.Table | None:
    """A one-row table: how many records break each rule (column ``r{i}``), leaving out the
    columns in ``skip`` (counted already); None when nothing is left to count.

    The per-record rules are counted in one scan of the records; a key's duplicates need a
    group-by of their own, joined on as one more column."""
    per_row = {f"r{i}": r.count() for i, r in enumerate(rule_list) if r.per_row and f"r{i}" not in skip}
    counts = table.aggregate(**per_row) if per_row else None
    for i, r in enumerate(rule_list):
        if not r.per_row and f"r{i}" not in skip:
            one = r.count().name(f"r{i}").as_table()
            counts = one if counts is None else counts.cross_join(one)
    return counts


def check_table(
    name: str, table: ir.Table, rule_list: list[Rule], engine, label: str, counted: dict[str, int] | None = None
) -> list[dict]:
    """Count each rule's failures in the engine and, when any is not 0, validate the counts with
    the pandera.ibis schema, whose verdict names the failing rules; for each failing rule, list
    its first records in file order and say how many more.

    The engine is asked twice at most, whatever the number of rules: once for the counts (one
    scan of the records), and, if any rule fails, once for the first records of every failing
    rule together. ``counted``: the counts of the per-record rules, already taken in the scan
    that aggregated the measures (:func:`per_record`), so that only a key's duplicates are left
    to count here. The one-row table of counts is validated in process (an Ibis memtable), so a
    Spark cluster is not asked one question per check."""
    if not rule_list:
        return []
    counted = counted or {}
    rest = rule_counts(table, rule_list, skip=frozenset(counted))
    numbers = engine.execute(rest) if rest is not None else pd.DataFrame(index=[0])
    for col, k in counted.items():
        numbers[col] = k
    numbers = numbers[[f"r{i}" for i in range(len(rule_list))]]
    if not (numbers.iloc[0] > 0).any():
        return []  # every count is 0: the schema's verdict is known without asking pandera
    failed: list[int] = []
    try:
        record_schema(name, rule_list).validate(ibis.memtable(numbers), lazy=True)
    except SchemaErrors as exc:
        failed = sorted(int(e.check.name) for e in exc.schema_errors if e.check is not None)
    except SchemaError as exc:  # pandera raises a single error when only one check runs
        if exc.check is not None:
            failed = [int(exc.check.name)]
    if not failed:
        return []
    parts = []
    for i in failed:
        rows = rule_list[i].failing()
        parts.append(rows.order_by([rows[FILE], rows[ROW]]).limit(FIRST_ROWS).mutate(**{RULE: ibis.literal(i)}))
    first = engine.execute(ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0])
    problems: list[dict] = []
    for i in failed:
        r = rule_list[i]
        mine = first[first[RULE] == i].sort_values([FILE, ROW], kind="stable")
        count = int(numbers[f"r{i}"].iloc[0])
        for row in mine.to_dict("records"):
            problems.append(
                _problem(
                    name, row[FILE], row=int(row[ROW]), unit=row[UNIT], column=r.column, value=row[VALUE], rule=r.text
                )
            )
        if count > len(mine):
            problems.append(
                _problem(
                    name,
                    label,
                    column=r.column,
                    rule=say(
                        f"……另有 {count - len(mine):,} 条记录违反同一规则（共 {count:,} 条）：{r.text}",
                        f"... and {count - len(mine):,} more records break the same rule ({count:,} in all): {r.text}",
                    ),
                )
            )
    return problems


def _problem(table: str, file: str, row: int | None = None, unit=None, column: str = "", value=None, rule: str = ""):
    return {
        "file": file,
        "sheet": "",
        "row": row,
        "unit": "" if unit is None or (isinstance(unit, float) and pd.isna(unit)) else str(unit),
        "column": column,
        "value": value,
        "rule": rule,
        "table": table,
    }
