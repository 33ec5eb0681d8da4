"""One record table checked and aggregated: the fewest passes over its records we know.

1. For each text column (but keys, whose values are all distinct), the engine groups the stored
   values and the distinct ones are cleaned (:mod:`civscore.records.spellings`); the column's
   record checks are counted there.
2. One group-by over the records by the unit id *as stored* computes every measure's sums and
   counts the checks no distinct values answered. Its groups are the unit ids' distinct values:
   they are cleaned and checked (blank, not in the unit table) like the others. Two stored ids
   that clean to the same unit (``"A1"`` and ``" A1"``) make the group-by run once more by the
   cleaned id, so a unit's records are always aggregated together.
3. A key's duplicates need a group-by of their own (:func:`civscore.records.validate.check_table`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from civscore.records.aggregate import ALL, finish, group_sums
from civscore.records.compile import COUNT, Cells, prepare
from civscore.records.read import RecordFile
from civscore.records.spellings import profile, spellings
from civscore.records.validate import Rule, check_table, per_record, rules, used_columns
from civscore.rubric.records import Measure, RecordTable
from civscore.validation.cells import MISSING_WORDS


@dataclass
class Scanned:
    """A record table's measures (indexed by unit id; None without measures), its problems,
    and its prepared cells (for :func:`civscore.records.aggregate.contributions`)."""

    values: pd.DataFrame | None
    problems: list[dict]
    cells: Cells
    uid: ir.StringValue


def scan_table(
    engine,
    name: str,
    spec: RecordTable,
    measures: list[Measure],
    files: RecordFile,
    known: ir.Table | None,
    check: bool = True,
) -> Scanned:
    """Check one record table and compute its measures (``known``: the unit ids, None: any).
    ``check=False`` leaves the record checks out (only bench/ measures that)."""
    columns = used_columns(spec, measures)
    base = prepare(engine.table(files), columns, name=engine.view)
    if not files.is_parquet:  # records read from CSV or XLSX: every form computed once and kept
        base = engine.view(base, small=True)
    uc = spec.unit_column
    tests = _tests_by_column(rules(spec, measures, known, Cells(base, columns))) if check else {}
    texts = {
        column: base[f"__col{i}"]
        for i, column in enumerate(columns)
        if base[f"__col{i}"].type().is_string() and column not in spec.key and not (column == uc and measures)
    }
    spelt = profile(engine, base, texts, tests)
    cells = Cells(base, columns, spelt)
    checks = rules(spec, measures, known, cells) if check else []
    counted = {k: n for s in spelt.values() for k, n in s.counts.items()}
    values = None
    if measures:
        flags = {k: f for k, f in per_record(checks).items() if k not in counted and k not in tests.get(uc, {})}
        sums, flagged = group_sums(engine, cells, cells.stored(uc), measures, flags)
        counted.update(flagged)
        ids = _unit_ids(engine, sums, cells.stored(uc).type(), uc, tests.get(uc, {}), counted)
        if ids.dropna().duplicated().any():  # two spellings of one unit: group by the cleaned id
            sums, _ = group_sums(engine, cells, cells.text(uc), measures)
            ids = pd.Series(sums.index, index=sums.index, dtype=object)
        sums.index = pd.Index(ids.to_numpy(dtype=object))
        values = finish(sums[sums.index.notna()], measures)
    problems = check_table(name, cells.table, checks, engine, files.label, counted=counted)
    return Scanned(values, problems, cells, cells.text(uc))


def _tests_by_column(checks: list[Rule]) -> dict[str, dict[str, Callable[[Cells], ir.BooleanValue]]]:
    """The per-record checks by the column each reads, keyed ``r{i}`` as check_table counts them."""
    out: dict[str, dict[str, Callable[[Cells], ir.BooleanValue]]] = {}
    for i, r in enumerate(checks):
        if r.per_row and r.test is not None:
            out.setdefault(r.column, {})[f"r{i}"] = r.test
    return out


# A stored text id made of only these (and not a missing word) is its own cleaned id: no space
# to trim, no "1001.0" to shorten (see prepare). Only the other ids ask the engine. Not a raw
# string: the class holds the characters themselves, which pyarrow's RE2 matches; pandas hands a
# pattern with \u escapes to Python's re, one id at a time (4x slower at 100,000 ids)
_PLAIN = "[0-9A-Za-z_\u3400-\u4dbf\u4e00-\u9fff]+"


def _unit_ids(engine, sums: pd.DataFrame, dtype, column: str, tests, counted: dict[str, int]) -> pd.Series:
    """The cleaned unit id of each group of ``sums`` (None: blank), and the checks of the unit
    column counted into ``counted`` on those ids, each weighted by its number of records."""
    stored = pd.Series(sums.index.to_numpy(dtype=object), dtype=object)
    present = stored.notna().to_numpy()
    cleaned = pd.Series([None] * len(stored), dtype=object)
    if dtype.is_integer():  # the engine writes an integer as Python does
        cleaned[present] = [str(int(k)) for k in stored[present]]
        plain = present
    elif dtype.is_string():
        text = stored[present].astype(str)
        plain = present.copy()
        plain[present] = (text.str.fullmatch(_PLAIN) & ~text.str.lower().isin(MISSING_WORDS)).to_numpy()
        cleaned[plain] = stored[plain]
    else:
        plain = np.zeros(len(stored), bool)
    other = present & ~plain
    raw = cleaned.copy()
    if other.any():
        asked = ibis.memtable(pd.DataFrame({column: stored[other].to_numpy(dtype=object), COUNT: 0}))
        asked = asked.mutate(**{column: asked[column].cast(dtype)})
        spelt = spellings(engine, asked, column, {}, fetch=None)
        assert spelt.values is not None
        forms = spelt.values.set_index("value")
        picked = stored[other]
        cleaned[other] = [_text(forms["txt"].get(k)) for k in picked]
        raw[other] = [_text(forms["raw"].get(k)) for k in picked]
    if tests:
        table = pd.DataFrame(
            {"__col0": stored.to_numpy(dtype=object), "__raw0": raw, "__txt0": cleaned, COUNT: sums[ALL].to_numpy()}
        )
        ids = ibis.memtable(table)
        ids = ids.mutate(
            __col0=ids["__col0"].cast(dtype), __raw0=ids["__raw0"].cast("string"), __txt0=ids["__txt0"].cast("string")
        )
        cells = Cells(ids, [column])
        sums_ = {k: (test(cells).cast("int64") * ids[COUNT]).sum().fill_null(0) for k, test in tests.items()}
        counted.update({k: int(n) for k, n in engine.execute(ids.aggregate(**sums_)).iloc[0].items()})
    return pd.Series(cleaned.to_numpy(dtype=object), index=sums.index, dtype=object)


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
