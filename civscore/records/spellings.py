"""Each distinct text of a record column cleaned once, instead of every record's cell.

A survey's 评价 column holds three spellings over ten million records. Cleaning a cell (trim,
the missing words, full-width digits, yes/no) costs far more than comparing it, so the engine
is asked once for the column's distinct values and how many records hold each; the very
expressions of :func:`civscore.records.compile.prepare` clean those few values; and a record's
form is then read off its stored cell: the cell itself where cleaning changes none of the
values (the common case: ``评价 == "满意"`` is then the plain comparison a hand-written query
makes), else a CASE over the few values it does change. The record checks of the column are
counted on the distinct values too, each weighted by its number of records.

The results are those of cleaning every cell, by construction: the forms of every value that
occurs are computed by the same expressions, and a value that occurs is one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from civscore.records.compile import COUNT, WHICH, Cells, _finite, one_of, prepare

FETCHED = 10_000  # distinct values brought back per column; a column with more is cleaned per record
CASES = 64  # values a per-record CASE may test; beyond that the column is cleaned per record
FORMS = ("raw", "txt", "num", "bool")
_TYPES = {"raw": "string", "txt": "string", "num": "float64", "bool": "boolean"}


@dataclass
class Spellings:
    """The distinct stored values of one text column (``values``: columns ``value``, ``n`` and
    one per form, see :data:`FORMS`, plus ``try``: the value read by a plain cast to a number;
    None when the column has more than :data:`FETCHED` of them), and how many records break
    each record check of the column (``counts``, keyed like the checks)."""

    column: str
    values: pd.DataFrame | None
    counts: dict[str, int]

    def form(self, form: str, stored: ir.Value) -> ir.Value | None:
        """A record's ``form`` of this column from its stored cell ``stored``: the cheapest
        expression that agrees with the cleaned form on every value that occurs, or None when
        every candidate would test too many values (then the caller cleans per record)."""
        if self.values is None or not stored.type().is_string():
            return None
        v = self.values
        target = v[form]
        candidates: list[tuple[ir.Value, pd.Series]] = []
        if form in ("raw", "txt"):
            candidates.append((stored, v["value"]))
        candidates.append((ibis.null(_TYPES[form]), pd.Series([None] * len(v), index=v.index, dtype=object)))
        if form == "num":
            candidates.append((_finite(stored.try_cast("float64")), v["try"]))
        best: tuple[ir.Value, np.ndarray] | None = None
        for candidate, default in candidates:
            differs = ~_same(default, target)
            if differs[v["value"].isna().to_numpy()].any():
                continue  # an empty cell is read alike by every candidate; never a value to test
            if best is None or differs.sum() < best[1].sum():
                best = (candidate, differs)
        assert best is not None
        expr, mask = best
        changed = pd.Series(mask, index=v.index)
        if changed.sum() > CASES:
            return None
        if not changed.any():
            return expr
        groups: dict[object, list[str]] = {}  # the cleaned value -> the stored values that clean to it
        for value, cleaned in zip(v["value"][changed], target[changed], strict=True):
            groups.setdefault(None if _missing(cleaned) else _plain(cleaned), []).append(str(value))
        branches = [
            (one_of(stored, spelt), ibis.null(_TYPES[form]) if out is None else ibis.literal(out, type=_TYPES[form]))
            for out, spelt in groups.items()
        ]
        return ibis.cases(*branches, else_=expr)


def spellings(
    engine,
    distinct: ir.Table,
    column: str,
    checks: Mapping[str, Callable[[Cells], ir.BooleanValue]],
    fetch: int | None = FETCHED,
) -> Spellings:
    """Clean the distinct values of ``column`` (``distinct``: one row per stored value, its number
    of records in ``COUNT``) and count the records that break each of ``checks`` there.
    ``fetch``: bring back at most this many values (None: all)."""
    prepared = prepare(distinct, [column], name=engine.view)
    cells = Cells(prepared, [column])
    flags = {k: check(cells) for k, check in checks.items()}
    wanted = prepared.select(
        value=prepared["__col0"],
        n=prepared[COUNT],
        **{form: prepared[f"__{form}0"] for form in FORMS},
        **({"try": _finite(prepared["__col0"].try_cast("float64"))} if prepared["__col0"].type().is_string() else {}),
        **{f"flag_{k}": f for k, f in flags.items()},
    )
    values = engine.execute(wanted if fetch is None else wanted.limit(fetch + 1)) if fetch != 0 else None
    if values is not None and (fetch is None or len(values) <= fetch):
        counts = {k: int(values["n"][values[f"flag_{k}"].fillna(False).astype(bool)].sum()) for k in flags}
        return Spellings(column, values.drop(columns=[f"flag_{k}" for k in flags]), counts)
    # too many to bring back: the checks are still counted on the distinct values, in the engine
    sums = {k: (f.cast("int64") * prepared[COUNT]).sum().fill_null(0) for k, f in flags.items()}
    counts = {k: int(x) for k, x in engine.execute(prepared.aggregate(**sums)).iloc[0].items()} if sums else {}
    return Spellings(column, None, counts)


def profile(
    engine,
    table: ir.Table,
    stored: Mapping[str, ir.Value],
    checks: Mapping[str, Mapping[str, Callable[[Cells], ir.BooleanValue]]],
) -> dict[str, Spellings]:
    """:class:`Spellings` of several text columns of ``table`` (``stored``: column name -> its
    stored cells) in one query: the distinct values of every column (at most
    :data:`FETCHED` + 1 each) stacked into one small table, cleaned by one :func:`prepare`, and
    brought back with the verdict of each of the column's ``checks``. A column with more
    distinct values than that is counted on its own, in the engine (:func:`spellings`)."""
    names = list(stored)
    if not names:
        return {}
    parts = []
    for k, name in enumerate(names):
        one = table.group_by(__v=stored[name]).aggregate(**{COUNT: ibis._.count()}).limit(FETCHED + 1)
        parts.append(
            one.select(
                **{WHICH: ibis.literal(k, type="int64")},
                **{COUNT: one[COUNT]},
                **{other: (one["__v"] if other == name else ibis.null(stored[other].type())) for other in names},
            )
        )
    stacked = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    prepared = prepare(stacked, names, name=engine.view)
    cells = Cells(prepared, names)
    wanted: dict[str, ir.Value] = {"which": prepared[WHICH], "n": prepared[COUNT]}
    for j, name in enumerate(names):
        wanted[f"value{j}"] = prepared[f"__col{j}"]
        for form in FORMS:
            wanted[f"{form}{j}"] = prepared[f"__{form}{j}"]
        wanted[f"try{j}"] = _finite(prepared[f"__col{j}"].try_cast("float64"))
        for key, check in checks.get(name, {}).items():
            wanted[f"flag{j}_{key}"] = check(cells)
    rows = engine.execute(prepared.select(**wanted))
    out: dict[str, Spellings] = {}
    for j, name in enumerate(names):
        mine = rows[rows["which"] == j]
        tests = checks.get(name, {})
        if len(mine) > FETCHED:
            distinct = table.group_by(**{name: stored[name]}).aggregate(**{COUNT: ibis._.count()})
            out[name] = spellings(engine, engine.view(distinct), name, tests, fetch=0)
            continue
        values = pd.DataFrame(
            {
                "value": mine[f"value{j}"],
                "n": mine["n"],
                **{form: mine[f"{form}{j}"] for form in (*FORMS, "try")},
            }
        ).reset_index(drop=True)
        counts = {k: int(mine["n"][mine[f"flag{j}_{k}"].fillna(False).astype(bool)].sum()) for k in tests}
        out[name] = Spellings(name, values, counts)
    return out


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where two missing values are equal too."""
    xs, ys = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    out = np.zeros(len(xs), bool)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        out[i] = _missing(y) if _missing(x) else (not _missing(y) and bool(x == y))
    return out


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _plain(value):
    """A pandas or NumPy scalar as the Python value an Ibis literal takes."""
    return value.item() if isinstance(value, np.generic) else value
