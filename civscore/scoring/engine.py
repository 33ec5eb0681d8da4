"""The scoring run: evaluated values -> points -> totals -> vetoes -> tiers -> ranks.

Everything works on whole columns. Each indicator's points are added into the totals and
dimension sums block by block (:mod:`~civscore.scoring.points_pass`); every stage of contract
section 5 is kept on the :class:`~civscore.scoring.scored.Scored` record, and the units x
indicators matrices (points and their masks) are made from the same values when first read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civscore.errors import ValidationError
from civscore.rubric.model import Rubric
from civscore.scoring.missing import applicable_matrix, excluded_cells, excluded_columns, imputed_matrix
from civscore.scoring.points_pass import Matrices, PointsPass
from civscore.scoring.ranks import competition_rank, ranks_and_order
from civscore.scoring.scored import MATRICES, Scored
from civscore.scoring.tiers import tier_codes
from civscore.scoring.totals import aggregate, applicable_points, totals_from_sums, veto_label_codes
from civscore.validation.arrow_text import pandas_text
from civscore.validation.check import Checked, check

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
    keep_matrices: bool = False,
) -> Scored:
    """Validate ``data`` against ``rubric``, then score and rank every unit.

    ``previous`` is the previous period's unit table, for rubrics that use ``previous(name)``.
    A rubric with record tables needs ``records`` (table name -> path or DataFrame), aggregated
    by ``engine``. ``keep_matrices``: see :func:`score_checked`. Raises
    :class:`civscore.ValidationError` (carrying the full report) when the data or the records
    have problems. ``data`` is never modified.
    """
    checked = check(data, rubric, previous=previous, records=records, engine=engine, spark_master=spark_master)
    if not checked.report.ok:
        raise ValidationError(checked.report)
    return score_checked(data, rubric, checked, keep_matrices=keep_matrices)


def score_checked(data: pd.DataFrame, rubric: Rubric, checked: Checked, keep_matrices: bool = False) -> Scored:
    """Score data that :func:`civscore.validation.check.check` found valid.

    The units x indicators matrices (``points``, ``missing``, ``not_applicable``, ``gated``)
    are made when something first reads them: the totals and ranks are added up without
    keeping them (see :mod:`~civscore.scoring.points_pass`). ``keep_matrices``: make them now,
    in the same pass, for a caller that reads them anyway (the robustness analyses).
    """
    frame = data.reset_index(drop=True)
    ids = checked.ids
    n = len(frame)
    base = rubric.base_indicators()
    indicators = [ind for _, ind in base] + rubric.bonus_indicators()
    k = len(base)
    sum_here = not rubric.weighted  # weighted rubrics sum per dimension in aggregate()
    scoring = PointsPass(rubric, checked, n, sum_dimensions=sum_here)
    policies = scoring.policies
    weights = np.array([ind.points for _, ind in base], dtype=float)
    veto_matrix = _veto_matrix(checked, rubric, n)
    has_gates = bool(checked.gates)  # not `checked` itself: a Result must not keep every parsed column
    made: list[Matrices] = []

    def matrices() -> Matrices:
        if not made:
            made.append(scoring.matrices())
        return made[0]

    def masks() -> tuple[np.ndarray, np.ndarray | None]:
        """The cells whose points the missing policy decided (missing, and no closed gate),
        and the 不适用 cells when there are any."""
        m = matrices()
        return (m.missing & ~m.gated if has_gates else m.missing), (m.not_applicable if scoring.any_na else None)

    if not sum_here:  # weighted: aggregate() sums per dimension from the matrices
        m = matrices()
        filled, na_mask = masks()
        in_base = applicable_matrix(filled, policies, k, na_mask)
        totals = aggregate(
            m.points[:, :k], in_base[:, :k], weights, m.points[:, k:], rubric, veto_matrix, keep_stages=True
        )
        dims = {dim.id: totals["dimensions"][:, d] for d, dim in enumerate(rubric.dimensions)}
    else:
        if keep_matrices:
            m = matrices()
            sums, bonus = m.sums, m.points[:, k:]
            filled, na_mask = masks()
            out = excluded_columns(filled, policies, k, na_mask)
            excluded = excluded_cells(filled, policies, na_mask, out)
        else:  # E, A and the bonus from one pass that keeps no points matrix (see points_pass)
            summed = scoring.sums()
            sums, bonus, out, excluded = summed.sums, summed.bonus, summed.columns, summed.excluded
        A = applicable_points(weights, excluded, np.asarray(out, dtype=np.intp))
        E = sums.get("", np.zeros(n))
        totals = totals_from_sums(E, A, bonus, rubric, veto_matrix, keep_stages=True)
        dims = {dim.id: sums.get(dim.id, np.zeros(n)) for dim in rubric.dimensions}

    table = _result_table(frame, rubric, ids, totals, dims)
    ind_ids = [ind.id for ind in indicators]
    # copy=False: the matrices are column-major already, i.e. laid out as pandas blocks; they
    # are not touched again, so sharing them costs nothing and saves copying units x indicators
    stages = pd.DataFrame({name: totals[name] for name in STAGES}, index=ids, copy=False)  # fresh arrays: no copy
    frames = _frames_builder(matrices, ids, ind_ids)

    def applicable() -> np.ndarray:
        filled, na_mask = masks()
        return applicable_matrix(filled, policies, k, na_mask)

    return Scored(
        rubric=rubric,
        table=table,
        build_matrices=frames,
        build_applicable=_mask_builder(applicable, ids=ids, columns=ind_ids),
        build_imputed=_mask_builder(lambda: imputed_matrix(masks()[0], policies), ids=ids, columns=ind_ids),
        previous=_previous_values(checked, ids),
        current=_current_values(checked, ids),
        build_values=functools.partial(_values_frame, {i.id: checked.values[i.id] for i in indicators}, ids, frame),
        vetoes=pd.DataFrame(totals["veto_matrix"], index=ids, columns=[v.id for v in rubric.vetoes], copy=False),
        report=checked.report,
        stages=stages,
        measures=checked.measures,
    )


def _frames_builder(
    matrices: Callable[[], Matrices], ids: pd.Index, columns: list[str]
) -> Callable[[], dict[str, pd.DataFrame]]:
    """The matrices of :data:`~civscore.scoring.scored.MATRICES` as frames, made on first use."""
    made: list[dict[str, pd.DataFrame]] = []

    def frames() -> dict[str, pd.DataFrame]:
        if not made:
            m = matrices()
            made.append(
                {name: pd.DataFrame(getattr(m, name), index=ids, columns=columns, copy=False) for name in MATRICES}
            )
        return made[0]

    return frames


def _values_frame(evaluated: dict[str, np.ndarray], ids: pd.Index, data: pd.DataFrame) -> pd.DataFrame:
    """The evaluated values as a frame (``build_values``). A bare number column's values are
    NumPy's read-only view of the data (validation does not copy them); ``data``, a pandas
    copy-on-write reference to the same columns, is held with them until then, so that a later
    write into the caller's DataFrame copies the column there instead of changing these."""
    return pd.DataFrame(evaluated, index=ids)


def _mask_builder(build: Callable[[], np.ndarray], ids: pd.Index, columns: list[str]) -> Callable[[], pd.DataFrame]:
    """A units x indicators bool frame made on first use (and then shared by every copy of
    the record, e.g. the public Result), not at every scoring run."""
    made: list[pd.DataFrame] = []

    def frame() -> pd.DataFrame:
        if not made:
            made.append(pd.DataFrame(build(), index=ids, columns=columns, copy=False))
        return made[0]

    return frame


def _previous_values(checked: Checked, ids: pd.Index) -> pd.DataFrame | None:
    """The previous period's values that previous(name) read, per unit (None without them)."""
    if checked.previous is None:
        return None
    values = pd.DataFrame(checked.previous.columns, index=ids)
    # which file they came from, for the workbook's 说明 (as the report names the data file)
    values.attrs.update(source=checked.previous.source, sha256=checked.previous.frame.attrs.get("sha256"))
    return values


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
