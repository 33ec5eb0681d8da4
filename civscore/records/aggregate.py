"""Measures as one group-by per record table, in the engine (rubric-contract section 8).

With x = ``of``, w = ``weight`` (1 when not given) and c = the contributing records (``where``
holds, x is not missing):

- count = Σ c; sum = Σ w·x; mean = Σ w·x / Σ w; share = Σ w·[x ≠ 0] / Σ w;
  min, max, median of x (unweighted); distinct = number of distinct x;
- n = Σ c, also when ``min_records`` makes the measure missing;
- for mean and share a standard error with n_eff = (Σ w)² / Σ w²: share √(p(1−p)/n_eff),
  mean s/√n_eff, where s² = Σ w (x − mean)² / (Σ w − Σ w² / Σ w) — the reliability-weights
  variance, which is the ordinary ddof-1 variance when every w is 1; missing when n_eff < 2.

Only per-unit sums leave the engine (a few numbers per unit); units without contributing records,
``min_records`` and the standard errors are finished in pandas on those.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from civscore.records.compile import Cells, compile_condition, number_of
from civscore.rubric.records import ZERO_WHEN_EMPTY, Measure

UID = "__uid__"


def _parts(
    cells: Cells, uid: ir.Value, measures: list[Measure], flags: dict[str, ir.BooleanValue] | None = None
) -> ir.Table:
    """Per record: its unit, and for measure j its x_j, w_j and whether it contributes (c_j);
    ``flags``: more per-record booleans to carry along (the record checks)."""
    table = cells.table
    cols: dict[str, ir.Value] = {UID: uid, **(flags or {})}
    for j, m in enumerate(measures):
        keep = compile_condition(m.where_expression, cells) if m.where_expression is not None else ibis.literal(True)
        if m.of_expression is not None:
            x, nullable = number_of(m.of_expression, cells)
            if nullable:
                keep = keep & x.notnull()
            cols[f"x{j}"] = x
        if m.weight:
            w = cells.number(m.weight)
            keep = keep & w.notnull() & (w > 0)  # a bad weight is a data error; it never counts
            cols[f"w{j}"] = w
        cols[f"c{j}"] = keep
    # records without a unit id make one group of their own, dropped after the group-by: a filter
    # here would be pushed down through the prepared views and spell the id's cleaning out again
    return table.select(**cols)


def _sums(p: ir.Table, measures: list[Measure]) -> dict[str, ir.Scalar]:
    # Contributing values are masked (missing elsewhere) instead of passed as ``where=``: every
    # aggregate skips missing values alike on every engine, and Ibis's PySpark backend cannot
    # compile a filtered median.
    out: dict[str, ir.Scalar] = {}
    for j, m in enumerate(measures):
        c = p[f"c{j}"]
        out[f"n{j}"] = c.cast("int64").sum()
        if m.aggregate == "count":
            continue
        x = ibis.ifelse(c, p[f"x{j}"], ibis.null("float64"))
        w = ibis.ifelse(c, p[f"w{j}"], ibis.null("float64")) if m.weight else None
        if m.aggregate in ("sum", "mean", "share"):
            v = (x != 0).cast("float64") if m.aggregate == "share" else x
            out[f"swx{j}"] = (v * w if w is not None else v).sum()
            if w is not None:  # unweighted, Σw and Σw² are n (see finish)
                out[f"sw{j}"] = w.sum()
                out[f"sww{j}"] = (w * w).sum()
            if m.aggregate == "mean" and w is None:
                out[f"var{j}"] = x.var(how="sample")  # the engine's own stable variance
        elif m.aggregate == "min":
            out[f"v{j}"] = x.min()
        elif m.aggregate == "max":
            out[f"v{j}"] = x.max()
        elif m.aggregate == "median":
            out[f"v{j}"] = x.median()
        elif m.aggregate == "distinct":
            out[f"v{j}"] = x.nunique()
    return out


ALL = "__all__"  # per group: its number of records, whatever they hold


def group_sums(
    engine, cells: Cells, key: ir.Value, measures: list[Measure], flags: dict[str, ir.BooleanValue] | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One group-by over the records by ``key`` (a unit id, cleaned or as stored): per group
    its number of records (``ALL``) and the sums every measure is finished from (see
    :func:`finish`), indexed by the key (the group of records without one included); and, for
    each of ``flags``, the number of records where it holds, counted in the same scan (the
    record checks: one pass over 100 M records instead of two)."""
    flags = flags or {}
    p = _parts(cells, key, measures, flags)
    counts = {k: p[k].cast("int64").sum() for k in flags}
    sums = engine.execute(p.group_by(UID).aggregate(**{ALL: ibis._.count()}, **_sums(p, measures), **counts))
    flagged = {k: int(sums[k].fillna(0).sum()) for k in flags}  # every group, the blank unit id's too
    sums = sums.set_index(UID)
    weighted_means = [j for j, m in enumerate(measures) if m.aggregate == "mean" and m.weight]
    known = sums[sums.index.notna()]
    if weighted_means and len(known):
        means = pd.DataFrame({f"m{j}": known[f"swx{j}"] / known[f"sw{j}"] for j in weighted_means})
        means.index.name = UID
        # Σ w (x − mean)² in a second pass: the one-pass Σwx² − (Σwx)²/Σw loses every digit
        # when the answers of a unit are all alike, which is common in surveys
        m_t = ibis.memtable(means.reset_index())
        m_t = m_t.mutate(**{UID: m_t[UID].cast(key.type())})
        joined = p.inner_join(m_t, UID)
        dev = {
            f"ss{j}": ibis.ifelse(
                joined[f"c{j}"], joined[f"w{j}"] * (joined[f"x{j}"] - joined[f"m{j}"]) ** 2, ibis.null("float64")
            ).sum()
            for j in weighted_means
        }
        ss = engine.execute(joined.group_by(UID).aggregate(**dev)).set_index(UID)
        sums = sums.join(ss)
    return sums, flagged


def aggregate_table(
    engine, cells: Cells, uid: ir.StringValue, measures: list[Measure], flags: dict[str, ir.BooleanValue] | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Per unit id found in the records (``uid``: the cleaned id of each record): every
    measure's value, n and standard error (as columns ``v{j}``, ``n{j}``, ``se{j}``), indexed by
    unit id; and the number of records where each of ``flags`` holds (see :func:`group_sums`)."""
    sums, flagged = group_sums(engine, cells, uid, measures, flags)
    return finish(sums[sums.index.notna()], measures), flagged


def contributions(engine, cells: Cells, uid: ir.StringValue, measures: list[Measure]) -> pd.DataFrame:
    """Every contributing record of each measure, for resampling (a bootstrap of a unit's
    records): columns ``unit``, ``measure``, ``x`` (for a share 1.0 where ``of`` holds, else 0.0;
    missing for count, whose records carry no value) and ``w`` (1.0 without ``weight``)."""
    p = _parts(cells, uid, measures)
    pieces = []
    for j, m in enumerate(measures):
        if m.aggregate == "count":
            x = ibis.null("float64")
        else:
            x = p[f"x{j}"].cast("float64")
            x = (x != 0).cast("float64") if m.aggregate == "share" else x
        w = p[f"w{j}"].cast("float64") if m.weight else ibis.literal(1.0)
        rows = p.filter(p[f"c{j}"] & p[UID].notnull())
        pieces.append(rows.select(unit=rows[UID], measure=ibis.literal(m.id), x=x, w=w))
    if not pieces:
        return pd.DataFrame(columns=["unit", "measure", "x", "w"])
    return engine.execute(ibis.union(*pieces, distinct=False) if len(pieces) > 1 else pieces[0])


def finish(sums: pd.DataFrame, measures: list[Measure]) -> pd.DataFrame:
    """The measures of each group from its sums (:func:`group_sums`): value, n and standard error."""
    out = pd.DataFrame(index=sums.index)
    for j, m in enumerate(measures):
        n = sums[f"n{j}"].fillna(0).astype("int64")
        se: pd.Series | None = None
        if m.aggregate == "count":
            v = n.astype(float)
        elif m.aggregate in ("sum", "mean", "share"):
            swx = sums[f"swx{j}"].astype(float)
            sw = sums[f"sw{j}"].astype(float) if m.weight else n.astype(float)
            sww = sums[f"sww{j}"].astype(float) if m.weight else sw
            if m.aggregate == "sum":
                v = swx.fillna(0.0)
            else:
                with np.errstate(all="ignore"):
                    v = (swx / sw).where(sw > 0)
                    n_eff = (sw * sw / sww).where(sww > 0)
                    if m.aggregate == "share":
                        var = v * (1 - v)
                    elif m.weight:
                        var = sums[f"ss{j}"].astype(float) / (sw - sww / sw)
                    else:
                        var = sums[f"var{j}"].astype(float)
                    se = (var.clip(lower=0) / n_eff).pow(0.5).where(n_eff >= 2)
        else:
            v = sums[f"v{j}"].astype(float)
            if m.aggregate == "distinct":
                v = v.fillna(0.0)
        if m.min_records is not None:
            v = v.where(n >= m.min_records)
            if se is not None:
                se = se.where(n >= m.min_records)
        if se is not None:
            se = se.where(v.notna())
        out[f"v{j}"] = v
        out[f"n{j}"] = n
        if m.has_error:
            out[f"se{j}"] = se if se is not None else np.nan
    return out


def empty_values(measures: list[Measure], index: pd.Index) -> pd.DataFrame:
    """What a unit without any record gets: count, sum and distinct 0, the others missing."""
    out = pd.DataFrame(index=index)
    for j, m in enumerate(measures):
        zero = m.aggregate in ZERO_WHEN_EMPTY and m.min_records is None
        out[f"v{j}"] = 0.0 if zero else np.nan
        out[f"n{j}"] = np.int64(0)
        if m.has_error:
            out[f"se{j}"] = np.nan
    return out
