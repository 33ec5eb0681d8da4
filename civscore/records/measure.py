"""Records in, unit-level measures out: read each declared table, check it, aggregate it.

The measures table (section 8): the unit id column, then per measure ``<id>``, ``<id>_n`` and, for
mean and share, ``<id>_se``; one row per unit, sorted by id. Record problems come back as rows
of the problem report (file, row, unit, column, value, rule, and the record table's name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from civscore.errors import CivscoreError, DataError, ValidationError
from civscore.records.quiet import quiet_ibis
from civscore.records.read import RecordFile, read_records

if TYPE_CHECKING:
    from civscore.records.engines import Engine
from civscore.rubric.model import Rubric
from civscore.validation.cells import parse_text
from civscore.validation.report import PROBLEM_COLUMNS, ValidationReport
from civscore.words import say

RecordSource = str | Path | pd.DataFrame | RecordFile
PROBLEM_TABLE_COLUMNS = PROBLEM_COLUMNS + ["table"]


@dataclass
class Measured:
    """The measures of every unit, the record problems found, and where each table came from."""

    table: pd.DataFrame
    problems: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    # with ``values_of``: the contributing records of those measures (see aggregate.contributions)
    values: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def for_units(self, data: pd.DataFrame, rubric: Rubric, labels: pd.Index) -> pd.DataFrame:
        """The measures table as a scoring run keeps it: ``attrs["sources"]`` names each record
        table's file, ``attrs["labels"]`` the unit of each row as the run's matrices name it
        (``labels``: the run's unit ids, one per row of ``data``)."""
        table = self.table
        table.attrs["sources"] = dict(self.sources)
        col = rubric.unit.id_column
        if col in data.columns and len(labels) == len(data):
            by_text = pd.Series(labels.to_numpy(dtype=object), index=unit_id_text(data, rubric).to_numpy(dtype=object))
            by_text = by_text[~by_text.index.duplicated()]
            table.attrs["labels"] = table[col].map(by_text).fillna(table[col]).to_numpy(dtype=object)
        return table


class RecordsUsage(CivscoreError, ValueError):
    """``records=`` that does not match the rubric's tables: missing or undeclared names."""


def check_record_names(rubric: Rubric, records: Mapping[str, object] | None) -> None:
    """Every declared table given, nothing undeclared; raise RecordsUsage saying which."""
    given = set(records or {})
    declared = set(rubric.records)
    problems = []
    for name in sorted(given - declared):
        known = ", ".join(sorted(declared)) or say("（无）", "(none)")
        problems.append(
            say(
                f"记录表 {name!r} 未在评分标准中声明（已声明：{known}）",
                f"record table {name!r} is not declared by the rubric (declared: {known})",
            )
        )
    for name in sorted(declared - given):
        problems.append(
            say(
                f"缺少记录表 {name} 的文件：请给出 --records {name}=FILE",
                f"record table {name} is not given: add --records {name}=FILE",
            )
        )
    if problems:
        raise RecordsUsage(say("；", "; ").join(problems))


@quiet_ibis()
def measure_units(
    rubric: Rubric,
    records: Mapping[str, RecordSource],
    units: Sequence[str] | None = None,
    engine: str | Engine = "duckdb",
    spark_master: str | None = None,
    values_of: Sequence[str] = (),
) -> Measured:
    """Compute every measure of ``rubric`` for ``units`` (unit ids as text; None: every unit id
    found in the records). Never raises for bad records: they come back as problems.
    ``values_of``: measure ids whose contributing records are also returned (``values``)."""
    # Ibis and DuckDB take a second to import: only rubrics with records pay it
    import ibis

    from civscore.records.aggregate import contributions, empty_values
    from civscore.records.engines import get_engine
    from civscore.records.scan import scan_table
    from civscore.records.validate import missing_columns

    check_record_names(rubric, records)
    eng = get_engine(engine, spark_master) if isinstance(engine, str) else engine
    known = None
    if units is not None:
        distinct = pd.Series(list(units), dtype=object).dropna().astype(str).drop_duplicates()
        known = ibis.memtable(pd.DataFrame({"uid": distinct.astype("string").to_numpy()}))
    problems: list[dict] = []
    found: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    values: list[pd.DataFrame] = []
    for name, spec in rubric.records.items():
        source = records[name]
        files = source if isinstance(source, RecordFile) else read_records(source)
        sources[name] = files.label
        measures = [m for m in rubric.measures if m.table == name]
        absent = missing_columns(name, spec, measures, files)
        problems.extend(absent)
        if absent:
            continue  # the table's checks and measures need those columns: the problems say so
        scanned = scan_table(eng, name, spec, measures, files, known)
        problems.extend(scanned.problems)
        if scanned.values is not None:
            found[name] = _named(scanned.values, measures)
            wanted = [m for m in measures if m.id in values_of]
            if wanted:
                values.append(contributions(eng, scanned.cells, scanned.uid, wanted))
    index = _unit_index(list(found.values()), units)
    out = pd.DataFrame(index=index)
    for name in rubric.records:
        measures = [m for m in rubric.measures if m.table == name]
        if not measures:
            continue
        # units without contributing records: count, sum, distinct 0 and n 0; the others missing
        empty = _named(empty_values(measures, index), measures)
        part = found[name].reindex(index).combine_first(empty) if name in found else empty
        for m in measures:
            part[f"{m.id}_n"] = part[f"{m.id}_n"].astype("int64")
        out = out.join(part[[c for m in measures for c in _columns(m)]])
    out.index.name = rubric.unit.id_column
    table = out.reset_index()
    table = table[[rubric.unit.id_column] + [c for m in rubric.measures for c in _columns(m)]]
    measured = Measured(table, _problem_frame(problems), sources)
    if values_of:
        kept = [v for v in values if len(v)]
        every = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=["unit", "measure", "x", "w"])
        if units is not None:
            every = every[every["unit"].isin(set(index))]
        measured.values = every.rename(columns={"unit": rubric.unit.id_column}).reset_index(drop=True)
    return measured


def _columns(m) -> list[str]:
    return [m.id, f"{m.id}_n"] + ([f"{m.id}_se"] if m.has_error else [])


def _named(values: pd.DataFrame, measures) -> pd.DataFrame:
    rename = {}
    for j, m in enumerate(measures):
        rename[f"v{j}"] = m.id
        rename[f"n{j}"] = f"{m.id}_n"
        rename[f"se{j}"] = f"{m.id}_se"
    return values.rename(columns=rename)


def _unit_index(parts: list[pd.DataFrame], units: Sequence[str] | None) -> pd.Index:
    if units is not None:
        ids = pd.unique(pd.Series(list(units), dtype=object).dropna().astype(str))
    else:
        found = [p.index.to_numpy(dtype=object) for p in parts]
        ids = pd.unique(np.concatenate(found)) if found else np.array([], dtype=object)
    return pd.Index(sorted(ids), dtype=object)


def _problem_frame(problems: list[dict]) -> pd.DataFrame:
    if not problems:
        return pd.DataFrame(columns=PROBLEM_TABLE_COLUMNS)
    table = pd.DataFrame(problems, columns=PROBLEM_TABLE_COLUMNS)
    table["row"] = table["row"].astype("Int64")
    return table


def unit_id_text(data: pd.DataFrame, rubric: Rubric) -> pd.Series:
    """The unit table's ids as records name them: trimmed text (None where blank)."""
    col = rubric.unit.id_column
    return pd.Series(parse_text(data[col]).values, index=data.index, dtype=object)


def attach_measures(
    data: pd.DataFrame,
    rubric: Rubric,
    records: Mapping[str, RecordSource],
    engine: str | Engine = "duckdb",
    spark_master: str | None = None,
) -> tuple[pd.DataFrame, Measured]:
    """The unit table with one column per measure added (a copy; ``data`` is not changed), and the
    measures with their record problems. A unit-table column named like a measure is a problem."""
    clash = [m.id for m in rubric.measures if m.id in data.columns]
    id_col = rubric.unit.id_column
    ids = unit_id_text(data, rubric) if id_col in data.columns else pd.Series([], dtype=object)
    measured = measure_units(rubric, records, units=list(ids.dropna()), engine=engine, spark_master=spark_master)
    frame = data.copy(deep=False)
    frame.attrs = dict(data.attrs)
    by_id = measured.table.set_index(id_col)
    for m in rubric.measures:
        if m.id in clash:
            continue
        frame[m.id] = ids.map(by_id[m.id]).to_numpy(dtype=float, na_value=np.nan)
    if clash:
        source = str(data.attrs.get("source") or "")
        extra = pd.DataFrame(
            [
                {
                    "file": source,
                    "sheet": "",
                    "row": None,
                    "unit": "",
                    "column": c,
                    "value": None,
                    "rule": say(
                        f"单位表中不能有与度量同名的列 {c}：该度量由记录表计算",
                        f"the unit table must not have a column named like measure {c}: "
                        "the measure is computed from records",
                    ),
                    "table": "",
                }
                for c in clash
            ],
            columns=PROBLEM_TABLE_COLUMNS,
        )
        measured.problems = (
            pd.concat([measured.problems, extra], ignore_index=True) if len(measured.problems) else extra
        )
    return frame, measured


def measure(
    rubric: Rubric,
    records: Mapping[str, RecordSource],
    units: pd.DataFrame | Sequence[object] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> pd.DataFrame:
    """The measures table of section 8: the unit id column, then per measure ``<id>``, ``<id>_n``
    and, for mean and share, ``<id>_se``; one row per unit, sorted by id.

    ``records`` gives one source per declared record table: a path (.csv, .xlsx, .parquet, a
    folder or glob of .parquet files) or a DataFrame. ``units`` is the unit table (a DataFrame)
    or a list of unit ids; without it, every unit id found in the records gets a row.
    ``engine`` is "duckdb" (in-process, the default) or "spark"; the numbers do not depend on it.

    Raises :class:`civscore.ValidationError` listing every record problem (file, row, unit,
    column, value, rule, record table) when the records are invalid.
    """
    return _measured(rubric, records, units, engine, spark_master).table


def record_values(
    rubric: Rubric,
    records: Mapping[str, RecordSource],
    units: pd.DataFrame | Sequence[object] | None = None,
    measures: Sequence[str] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> pd.DataFrame:
    """The contributing records behind each measure, one row per record and measure, for
    resampling a unit's records (a bootstrap): the unit id column, ``measure`` (its id), ``x``
    (the record's ``of``; for a share 1.0 where it holds, else 0.0; missing for count) and ``w``
    (its weight, 1.0 without ``weight``). Exactly the records :func:`measure` aggregates:
    ``where`` holds, ``of`` is not missing, the unit is one of ``units`` (when given).
    ``min_records`` does not drop records here.

    ``measures``: the measure ids wanted (default: every mean and share, the measures with a
    standard error). Raises :class:`civscore.ValidationError` like :func:`measure`.
    """
    wanted = list(measures) if measures is not None else [m.id for m in rubric.measures if m.has_error]
    unknown = sorted(set(wanted) - set(rubric.measure_ids()))
    if unknown:
        raise ValueError(say(f"没有这些度量：{'、'.join(unknown)}", f"no such measures: {', '.join(unknown)}"))
    values = _measured(rubric, records, units, engine, spark_master, values_of=wanted).values
    assert values is not None
    return values


def _measured(
    rubric: Rubric,
    records: Mapping[str, RecordSource],
    units: pd.DataFrame | Sequence[object] | None,
    engine: str,
    spark_master: str | None,
    values_of: Sequence[str] = (),
) -> Measured:
    """measure_units for the public verbs: ``units`` as a unit table or ids; raise on problems."""
    ids: list[str] | None = None
    if isinstance(units, pd.DataFrame):
        col = rubric.unit.id_column
        if col not in units.columns:
            label = str(units.attrs.get("source") or say("单位表", "the unit table"))
            raise DataError(label, say(f"缺少单位 id 列 {col}", f"the unit id column {col} is missing"))
        ids = list(unit_id_text(units, rubric).dropna())
    elif units is not None:
        ids = [t for t in parse_text(pd.Series(list(units), dtype=object)).values if t is not None]
    measured = measure_units(rubric, records, units=ids, engine=engine, spark_master=spark_master, values_of=values_of)
    if not measured.ok:
        source = ", ".join(measured.sources.values()) or None
        raise ValidationError(ValidationReport(measured.problems, source, len(measured.table)))
    return measured
