"""The scoring run: evaluated values -> points matrix -> totals -> vetoes -> tiers -> ranks.

Everything works on whole columns. The points matrix (units x indicators) is built once and kept
on the :class:`~civscore.scoring.scored.Scored` record; totals, dimension sums and ranks are
derived from it, and every stage of contract section 5 is kept beside them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civscore.errors import ValidationError
from civscore.methods import points_for
from civscore.rubric.model import Indicator, Rubric
from civscore.scoring.missing import (
    applicable_matrix,
    excluded_cells,
    excluded_columns,
    fill_column,
    imputed_matrix,
)
from civscore.scoring.ranks import competition_rank, ranks_and_order
from civscore.scoring.scored import Scored
from civscore.scoring.tiers import tier_codes
from civscore.scoring.totals import aggregate, applicable_points, totals_from_sums, veto_label_codes
from civscore.validation.arrow_text import pandas_text
from civscore.validation.check import Checked, check

# rows scored at a time: one block of a column (512 KB of points) stays in cache through its steps
BLOCK_ROWS = 65_536

# contract section 5, in order: E and A, the rescaled base, the bonus before and after its cap, the
# total before vetoes, the deductions, the total after them (floored at 0), the smallest cap, the total
STAGES = (
    "earned",
    "applicable_points",
    "base",
    "bonus_earned",
    "bonus",
    "before_vetoes",
    "deducted",
    "after_deductions",
    "cap",
    "total",
)


def score(
    data: pd.DataFrame,
    rubric: Rubric,
    previous: pd.DataFrame | str | Path | None = None,
    records: Mapping[str, Any] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> Scored:
    """Validate ``data`` against ``rubric``, then score and rank every unit.

    ``previous`` is the previous period's unit table, for rubrics that use ``previous(name)``.
    A rubric with record tables needs ``records`` (table name -> path or DataFrame), aggregated
    by ``engine``. Raises :class:`civscore.ValidationError` (carrying the full report) when the
    data or the records have problems. ``data`` is never modified.
    """
    checked = check(data, rubric, previous=previous, records=records, engine=engine, spark_master=spark_master)
    if not checked.report.ok:
        raise ValidationError(checked.report)
    return score_checked(data, rubric, checked)


def score_checked(data: pd.DataFrame, rubric: Rubric, checked: Checked) -> Scored:
    """Score data that :func:`civscore.validation.check.check` found valid."""
    frame = data.reset_index(drop=True)
    ids = checked.ids
    n = len(frame)
    base = rubric.base_indicators()
    bonus = rubric.bonus_indicators()
    indicators = [ind for _, ind in base] + bonus
    evaluated = {ind.id: checked.values[ind.id] for ind in indicators}
    policies = [rubric.missing_policy(ind) for ind in indicators]
    k = len(base)
    dim_of = [path[0] for path, _ in base]
    sum_here = not rubric.weighted  # weighted rubrics sum per dimension in aggregate()
    # Column-major, in blocks of rows: each indicator's points are computed, masked, filled
    # under its policy and added to its sums while that block of the column is still in cache.
    # Past 100k units a whole column no longer fits in cache, and every pass over it (and every
    # fresh column-sized temporary a method makes) goes to memory (issue 16: 1M units cost 8x
    # 200k), so each step runs on a block of BLOCK_ROWS rows of every column in turn; the points
    # matrix is the only float matrix of a run. Methods score each unit from its own value, so
    # a block's points are the column's. The sums run column by column in order within each
    # row, as NumPy's row sum of a column-major matrix does: the same bits.
    points = np.empty((n, len(indicators)), order="F")
    missing = np.empty(points.shape, dtype=bool, order="F")
    # zeros: pages a rubric without 不适用 or gates never touches cost no memory
    not_applicable = np.zeros(points.shape, bool, order="F")
    gated = np.zeros(points.shape, bool, order="F")
    inputs = [_method_input(ind, checked) for ind in indicators]
    nas = [checked.not_applicable.get(ind.id) for ind in indicators]
    gates = [checked.gates.get(ind.id) for ind in indicators]
    any_na = any(na is not None and bool(na.any()) for na in nas)
    blocks = [slice(start, min(start + BLOCK_ROWS, n)) for start in range(0, n, BLOCK_ROWS)]

    def raw(j: int, rows: slice) -> np.ndarray:
        """Indicator j's points on ``rows``: NaN where 不适用 or missing, 0 where its gate is closed."""
        col = points_for(indicators[j], inputs[j][rows], out=points[rows, j])  # straight into the matrix
        np.isnan(col, out=missing[rows, j])
        na, gate = nas[j], gates[j]
        if na is not None:
            # section 9's order: 不适用 leaves the indicator out; else a closed gate earns 0 (it
            # applies, whether or not the value is there); else the missing policy
            not_applicable[rows, j] = na[rows]
            missing[rows, j] &= ~na[rows]
            col[na[rows]] = np.nan
        if gate is not None:
            gated[rows, j] = ~gate[rows] & ~not_applicable[rows, j]
            col[gated[rows, j]] = 0.0
        return col

    for j, policy in enumerate(policies):  # a mean is over the whole column: those come first
        if policy == "mean":
            for rows in blocks:
                raw(j, rows)
            fill_column(points[:, j], policy, nas[j])
    # "" = E, the earned base points; then one per dimension. Each starts as a copy of its first
    # column (0 + x is not always x: -0.0) and adds the others in order.
    adds_to = [("", dim_of[j]) if j < k and sum_here else () for j in range(len(indicators))]
    first: dict[str, int] = {}
    for j, keys in enumerate(adds_to):
        for key in keys:
            first.setdefault(key, j)
    sums = {key: np.empty(n) for key in first}
    for rows in blocks:
        for j, policy in enumerate(policies):
            if policy == "mean":
                col = points[rows, j]
            else:
                col = raw(j, rows)
                # without 不适用 or a gate, the NaN cells are exactly the missing ones just found
                plain = nas[j] is None and gates[j] is None
                fill_column(col, policy, None, nan=missing[rows, j] if plain else None)
            for key in adds_to[j]:
                if first[key] == j:
                    sums[key][rows] = col
                else:
                    sums[key][rows] += col
    # the cells whose points the missing policy decided: missing, and no closed gate
    filled = missing & ~gated if checked.gates else missing
    na_mask = not_applicable if any_na else None

    weights = np.array([ind.points for _, ind in base], dtype=float)
    veto_matrix = _veto_matrix(checked, rubric, n)
    if sum_here:
        # A from the excluded cells alone: the applicable matrix is built only if someone reads it
        out = excluded_columns(filled, policies, k, na_mask)
        A = applicable_points(weights, excluded_cells(filled, policies, na_mask, out), np.asarray(out, dtype=np.intp))
        E = sums.get("", np.zeros(n))
        totals = totals_from_sums(E, A, points[:, k:], rubric, veto_matrix, keep_stages=True)
        dims = {dim.id: sums.get(dim.id, np.zeros(n)) for dim in rubric.dimensions}
    else:
        applicable = applicable_matrix(filled, policies, k, na_mask)
        totals = aggregate(
            points[:, :k], applicable[:, :k], weights, points[:, k:], rubric, veto_matrix, keep_stages=True
        )
        dims = {dim.id: totals["dimensions"][:, d] for d, dim in enumerate(rubric.dimensions)}

    table = _result_table(frame, rubric, ids, totals, dims)
    ind_ids = [ind.id for ind in indicators]
    # copy=False: the matrices are column-major already, i.e. laid out as pandas blocks; they
    # are not touched again, so sharing them costs nothing and saves copying units x indicators
    stages = pd.DataFrame({name: totals[name] for name in STAGES}, index=ids, copy=False)  # fresh arrays: no copy
    return Scored(
        rubric=rubric,
        table=table,
        points=pd.DataFrame(points, index=ids, columns=ind_ids, copy=False),
        missing=pd.DataFrame(missing, index=ids, columns=ind_ids, copy=False),
        build_applicable=_mask_builder(applicable_matrix, filled, policies, k, na_mask, ids=ids, columns=ind_ids),
        build_imputed=_mask_builder(imputed_matrix, filled, policies, ids=ids, columns=ind_ids),
        not_applicable=pd.DataFrame(not_applicable, index=ids, columns=ind_ids, copy=False),
        gated=pd.DataFrame(gated, index=ids, columns=ind_ids, copy=False),
        previous=_previous_values(checked, ids),
        current=_current_values(checked, ids),
        build_values=functools.partial(_values_frame, evaluated, ids, frame),
        vetoes=pd.DataFrame(totals["veto_matrix"], index=ids, columns=[v.id for v in rubric.vetoes], copy=False),
        report=checked.report,
        stages=stages,
        measures=checked.measures,
    )


def _values_frame(evaluated: dict[str, np.ndarray], ids: pd.Index, data: pd.DataFrame) -> pd.DataFrame:
    """The evaluated values as a frame (``build_values``). A bare number column's values are
    NumPy's read-only view of the data (validation does not copy them); ``data``, a pandas
    copy-on-write reference to the same columns, is held with them until then, so that a later
    write into the caller's DataFrame copies the column there instead of changing these."""
    return pd.DataFrame(evaluated, index=ids)


def _mask_builder(
    build: Callable[..., np.ndarray], *args, ids: pd.Index, columns: list[str]
) -> Callable[[], pd.DataFrame]:
    """A units x indicators bool frame made on first use (and then shared by every copy of
    the record, e.g. the public Result), not at every scoring run."""
    made: list[pd.DataFrame] = []

    def frame() -> pd.DataFrame:
        if not made:
            made.append(pd.DataFrame(build(*args), index=ids, columns=columns, copy=False))
        return made[0]

    return frame


def _method_input(ind: Indicator, checked: Checked) -> np.ndarray | pd.Categorical:
    """The indicator's evaluated value; a bare text column comes with the labels already coded
    by validation, so the categorical method does not hash 200,000 strings a second time."""
    column = ind.expression.bare_column
    parsed = checked.cache.parsed(column) if column is not None else None
    if parsed is not None and parsed.codes is not None:
        return parsed.method_input()
    return checked.values[ind.id]


def _previous_values(checked: Checked, ids: pd.Index) -> pd.DataFrame | None:
    """The previous period's values that previous(name) read, per unit (None without them)."""
    if checked.previous is None:
        return None
    return pd.DataFrame(checked.previous.columns, index=ids)


def _current_values(checked: Checked, ids: pd.Index) -> pd.DataFrame | None:
    """This period's values of the columns previous(name) reads, where the unit table has them."""
    if checked.previous is None:
        return None
    cols = {c: checked.cache.values(c) for c in checked.previous.columns if c in checked.cache.kinds}
    return pd.DataFrame(cols, index=ids)


def _veto_matrix(checked: Checked, rubric: Rubric, n: int) -> np.ndarray:
    if not rubric.vetoes:
        return np.zeros((n, 0), bool)
    return np.column_stack([checked.vetoes[v.id] for v in rubric.vetoes])


def _result_table(
    frame: pd.DataFrame, rubric: Rubric, ids: pd.Index, totals: dict[str, np.ndarray], dims: dict[str, np.ndarray]
) -> pd.DataFrame:
    unit = rubric.unit
    total, disq = totals["total"], totals["disqualified"]
    groups = {g: _group_labels(frame[g]) for g in unit.group_columns}
    rank, by_rank = ranks_and_order(total, disq)
    id_values = ids.to_numpy()
    # Each column is gathered once into rank order and handed to the frame as it is (copy=False),
    # text as pandas' str arrays made by pyarrow, instead of building the table and copying it
    # with .iloc, or letting the constructor convert Python strings one by one.
    order = _rank_order(rank, id_values, by_rank)
    out: dict[str, object] = {"rank": rank[order]}
    for g, (codes, _) in groups.items():
        out[f"rank_in_{g}"] = competition_rank(total, disq, pd.Series(codes))[order]
    out[unit.id_column] = _text_array(id_values, order)
    if unit.name_column:
        out[unit.name_column] = _text_array(frame[unit.name_column].to_numpy(), order)
    for g, (codes, labels) in groups.items():
        out[g] = labels.take(codes[order], allow_fill=True)
    out["total"] = total[order]
    out["base"] = totals["base"][order]
    out["bonus"] = totals["bonus"][order]
    out["tier"] = _tier_names(rubric).take(tier_codes(total, disq, rubric)[order].astype(np.intp))
    out["disqualified"] = disq[order]
    combination, veto_texts = veto_label_codes(totals["veto_matrix"], [v.id for v in rubric.vetoes])
    out["vetoes"] = _text_array(veto_texts, combination[order])
    out["coverage"] = totals["coverage"][order]
    for dim in rubric.dimensions:
        out[dim.id] = dims[dim.id][order]
    return pd.DataFrame(out, copy=False)


def _tier_names(rubric: Rubric) -> pd.api.extensions.ExtensionArray:
    """The tier names as text, and "" last, for code -1 (no tier) to pick (as assign_tiers)."""
    return pd.array([t.name for t in rubric.tiers] + [""], dtype="str")


def _rank_order(rank: np.ndarray, ids: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Units by rank, ties by id, from ``order``: the units by rank, ties in unit order (changed
    in place). Only the tied units are sorted by id: sorting 200,000 ids (Python strings) to
    order a handful of ties cost more than the ranking."""
    ranked = rank[order]
    same = ranked[1:] == ranked[:-1]
    tied = np.zeros(len(rank), bool)
    tied[1:] |= same
    tied[:-1] |= same
    at = np.flatnonzero(tied)
    if at.size:
        units = order[at]
        units = units[pd.Index(ids[units]).argsort()]
        order[at] = units[np.argsort(rank[units], kind="stable")]
    return order


def _group_labels(col: pd.Series) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """A group column as codes (-1 where blank) into its trimmed labels: a district has a few
    dozen 街道, so the text work is done per distinct value."""
    raw, distinct = pd.factorize(col)
    trimmed = pd.Series(distinct).astype("string").str.strip()
    codes, labels = pd.factorize(trimmed)  # " 东街" and "东街" are one group
    codes = np.where(raw >= 0, codes[np.maximum(raw, 0)], -1)
    return codes, pd.array(np.asarray(labels, dtype=object), dtype="str")


def _text_array(values: np.ndarray, take: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """``values[take]``, an object array of text as the DataFrame constructor would store it
    (pandas' str dtype); anything else as it is. The text is converted by pyarrow in one pass
    in its own order and then gathered by Arrow: converting 1M Python strings in rank order
    reads them from all over memory, three times slower (issue 16)."""
    text = pd.api.types.pandas_dtype("str")
    if values.dtype != object or not isinstance(text, pd.StringDtype) or text.storage != "pyarrow":
        return values[take]
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return values[take]
    import pyarrow as pa

    arrow = pa.array(values, type=pa.large_string(), from_pandas=True)
    return pandas_text(arrow.take(pa.array(take)), text)
