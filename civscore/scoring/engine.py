"""The scoring run: evaluated values -> points matrix -> totals -> vetoes -> tiers -> ranks.

Everything works on whole columns. The points matrix (units x indicators) is built once and kept
on the :class:`~civscore.scoring.scored.Scored` record; totals, dimension sums and ranks are
derived from it, and every stage of contract section 5 is kept beside them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from civscore.errors import ValidationError
from civscore.methods import points_for
from civscore.rubric.model import Indicator, Rubric
from civscore.scoring.missing import apply_missing
from civscore.scoring.ranks import competition_rank
from civscore.scoring.scored import Scored
from civscore.scoring.tiers import assign_tiers
from civscore.scoring.totals import aggregate, veto_labels
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


def score(data: pd.DataFrame, rubric: Rubric, previous: pd.DataFrame | str | Path | None = None) -> Scored:
    """Validate ``data`` against ``rubric``, then score and rank every unit.

    ``previous`` is the previous period's unit table, for rubrics that use ``previous(name)``.
    Raises :class:`civscore.ValidationError` (carrying the full report) when the data has
    problems. ``data`` is never modified.
    """
    checked = check(data, rubric, previous=previous)
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
    # column-major: every per-indicator step below reads and writes one contiguous column
    raw = np.empty((n, len(indicators)), order="F")
    not_applicable = np.zeros((n, len(indicators)), bool, order="F")
    gated = np.zeros((n, len(indicators)), bool, order="F")
    for j, ind in enumerate(indicators):
        raw[:, j] = points_for(ind, _method_input(ind, checked))
        if ind.id in checked.not_applicable:
            not_applicable[:, j] = checked.not_applicable[ind.id]
        if ind.id in checked.gates:
            gated[:, j] = ~checked.gates[ind.id] & ~not_applicable[:, j]
    missing = np.isnan(raw) & ~not_applicable
    # section 9's order: 不适用 leaves the indicator out; else a closed gate earns 0 (it applies,
    # whether or not the value is there); else the missing policy
    raw[not_applicable] = np.nan
    raw[gated] = 0.0
    policies = [rubric.missing_policy(ind) for ind in indicators]
    earned, applicable, imputed = apply_missing(raw, policies, n_base=len(base), not_applicable=not_applicable)

    k = len(base)
    weights = np.array([ind.points for _, ind in base], dtype=float)
    totals = aggregate(
        earned[:, :k],
        applicable[:, :k],
        weights,
        earned[:, k:],
        rubric,
        _veto_matrix(checked, rubric, n),
        keep_stages=True,
    )
    dims = {}
    for d, dim in enumerate(rubric.dimensions):
        if "dimensions" in totals:  # weighted: W_d * E_d / A_d (section 9)
            dims[dim.id] = totals["dimensions"][:, d]
            continue
        cols = [j for j, (path, _) in enumerate(base) if path[0] == dim.id]
        # a top-level dimension's indicators are contiguous in file order: sum a slice, not a copy
        dims[dim.id] = earned[:, cols[0] : cols[-1] + 1].sum(axis=1) if cols else np.zeros(n)

    table = _result_table(frame, rubric, ids, totals, dims)
    ind_ids = [ind.id for ind in indicators]
    # copy=False: the matrices are column-major already, i.e. laid out as pandas blocks; they
    # are not touched again, so sharing them costs nothing and saves copying units x indicators
    stages = pd.DataFrame({name: totals[name] for name in STAGES}, index=ids)
    return Scored(
        rubric=rubric,
        table=table,
        points=pd.DataFrame(earned, index=ids, columns=ind_ids, copy=False),
        applicable=pd.DataFrame(applicable, index=ids, columns=ind_ids, copy=False),
        missing=pd.DataFrame(missing, index=ids, columns=ind_ids, copy=False),
        imputed=pd.DataFrame(imputed, index=ids, columns=ind_ids, copy=False),
        not_applicable=pd.DataFrame(not_applicable, index=ids, columns=ind_ids, copy=False),
        gated=pd.DataFrame(gated, index=ids, columns=ind_ids, copy=False),
        previous=_previous_values(checked, ids),
        build_values=lambda: pd.DataFrame(evaluated, index=ids),
        vetoes=pd.DataFrame(totals["veto_matrix"], index=ids, columns=[v.id for v in rubric.vetoes], copy=False),
        report=checked.report,
        stages=stages,
    )


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


def _veto_matrix(checked: Checked, rubric: Rubric, n: int) -> np.ndarray:
    if not rubric.vetoes:
        return np.zeros((n, 0), bool)
    return np.column_stack([checked.vetoes[v.id] for v in rubric.vetoes])


def _result_table(
    frame: pd.DataFrame, rubric: Rubric, ids: pd.Index, totals: dict[str, np.ndarray], dims: dict[str, np.ndarray]
) -> pd.DataFrame:
    unit = rubric.unit
    total, disq = totals["total"], totals["disqualified"]
    out: dict[str, object] = {"rank": competition_rank(total, disq)}
    for g in unit.group_columns:
        out[f"rank_in_{g}"] = competition_rank(total, disq, frame[g].astype("string").str.strip())
    out[unit.id_column] = ids.to_numpy()
    if unit.name_column:
        out[unit.name_column] = frame[unit.name_column].to_numpy()
    for g in unit.group_columns:
        out[g] = frame[g].astype("string").str.strip().to_numpy(dtype=object)
    out["total"] = total
    out["base"] = totals["base"]
    out["bonus"] = totals["bonus"]
    out["tier"] = assign_tiers(total, disq, rubric)
    out["disqualified"] = disq
    out["vetoes"] = veto_labels(totals["veto_matrix"], [v.id for v in rubric.vetoes])
    out["coverage"] = totals["coverage"]
    for dim in rubric.dimensions:
        out[dim.id] = dims[dim.id]
    table = pd.DataFrame(out)
    by_id = pd.Index(table[unit.id_column]).argsort()
    order = by_id[np.argsort(table["rank"].to_numpy()[by_id], kind="stable")]
    return table.iloc[order].reset_index(drop=True)
