"""Sampling error carried to the ranking: each share and mean measure drawn again per run.

A unit whose satisfaction rate rests on 8 answers is less certain than one with 200 (issue 11).
Each Monte Carlo run draws every share and mean measure of every unit from its sampling
distribution, scores the units with the drawn measures through the engine itself (so vetoes,
gates, 不适用, ``min_records`` and missing policies that read a measure all follow the draw),
and ranks them, alone or together with the weight noise of :func:`civscore.uncertainty`.

The draw is parametric, from the unit's measure, its ``n`` and its standard error, not a
bootstrap of the records:

- an unweighted share p of n records: ``Binomial(n, p) / n``. That is exactly the distribution
  a bootstrap of the unit's records gives (resampling n records with replacement, each one a
  success with probability p), without reading the records again;
- a mean, or a weighted share: ``Normal(value, se)`` (a share kept within [0, 1]), the normal
  approximation a bootstrap of the mean converges to; ``se`` is the measure's own (s/√n, or
  the weighted formula of contract section 8).

Parametric, because the measures table already carries n and se for every unit: the draws for
all units and runs are one vectorised call, and the records (perhaps 100 M rows on Spark) are
not read again for every run. A unit without enough records (``min_records``) keeps its missing
measure; one whose standard error is not defined (a single record) keeps its value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from civscore.records.measure import unit_id_text
from civscore.robustness.simulation import Model, model_of, scored_arrays
from civscore.rubric.model import Rubric
from civscore.scoring.engine import score
from civscore.scoring.missing import fill_column
from civscore.words import say

# unit-table rows scored together: a chunk of runs is stacked into about this many rows
STACK_ROWS = 1 << 17


def check_sampling(rubric: Rubric, records: Mapping[str, Any] | None) -> None:
    """Raise ValueError (in the message language) when ``sampling=True`` has nothing to draw."""
    if not rubric.records or not any(m.has_error for m in rubric.measures):
        raise ValueError(
            say(
                "sampling=True 需要测评体系用记录表（records:）计算比例或均值度量（measures: 中 "
                "aggregate: share 或 mean），才能按样本量重抽；此体系没有这样的度量",
                "sampling=True needs a rubric whose measures (measures:, aggregate: share or mean) are "
                "computed from record tables (records:), to draw them again by sample size; this rubric has none",
            )
        )
    if not records:
        raise ValueError(
            say(
                f"sampling=True 需要记录表：请给出 records={{{', '.join(repr(n) + ': 文件' for n in rubric.records)}}}",
                f"sampling=True needs the record tables: give records={{"
                f"{', '.join(repr(n) + ': FILE' for n in rubric.records)}}}",
            )
        )


def draw_measures(
    measures: pd.DataFrame, rubric: Rubric, ids: pd.Series, runs: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """{measure id: runs x units draws} for every share and mean measure, the units in the
    order of ``ids`` (unit ids as the measures table writes them, see :func:`unit_table`)."""
    table = measures.set_index(rubric.unit.id_column).reindex(ids)
    draws: dict[str, np.ndarray] = {}
    for m in rubric.measures:
        if not m.has_error:
            continue
        value = table[m.id].to_numpy(dtype=float)
        n = table[f"{m.id}_n"].to_numpy(dtype=float)
        se = table[f"{m.id}_se"].to_numpy(dtype=float)
        out = np.broadcast_to(value, (runs, len(value))).copy()
        if m.aggregate == "share" and not m.weight:
            drawn = np.isfinite(value) & (n > 0)
            count = rng.binomial(
                n[drawn].astype(np.int64), np.clip(value[drawn], 0.0, 1.0), size=(runs, int(drawn.sum()))
            )
            out[:, drawn] = count / n[drawn]
        else:
            drawn = np.isfinite(value) & np.isfinite(se) & (se > 0)
            out[:, drawn] = rng.normal(value[drawn], se[drawn], size=(runs, int(drawn.sum())))
            if m.aggregate == "share":
                np.clip(out, 0.0, 1.0, out=out)
        draws[m.id] = out
    return draws


def unit_table(data: pd.DataFrame, rubric: Rubric, measures: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The unit table with every measure as a column (as the engine scored it), and the units'
    ids as the measures table writes them."""
    ids = unit_id_text(data, rubric)
    by_id = measures.set_index(rubric.unit.id_column)
    frame = data.reset_index(drop=True).copy()
    for m in rubric.measures:
        frame[m.id] = ids.map(by_id[m.id]).to_numpy(dtype=float, na_value=np.nan)
    return frame, ids.reset_index(drop=True)


def run_chunks(
    nominal: Model,
    data: pd.DataFrame,
    draws: dict[str, np.ndarray],
    previous: pd.DataFrame | None = None,
    chunk_runs: int | None = None,
) -> Iterator[list[tuple[int, Model]]]:
    """Yield, a chunk of runs at a time, [(run, model of that run), ...]: the unit table scored
    with the run's measures (``draws`` as :func:`draw_measures` gives them for the unit table's
    rows). The ``chunk_runs`` runs of a chunk (default: about :data:`STACK_ROWS` rows) are
    stacked into one unit table (ids made unique per run) and scored by the engine in one call,
    under the rubric with its measures as plain columns.

    Every run's model is that of its unit table scored alone: the engine fills a ``missing:
    mean`` indicator with the mean over the whole (stacked) column, so those columns are filled
    again from the run's own units, exactly as ``score()`` of that run would (the same values,
    the same order); nothing else the engine does reads other units. So the chunking does not
    change a run (tests/test_uncertainty_sampling.py)."""
    rubric = nominal.rubric
    measures = nominal.nominal.measures
    assert measures is not None
    frame, _ = unit_table(data, rubric, measures)
    plain = rubric.model_copy(update={"records": {}, "measures": []})
    col = rubric.unit.id_column
    n = len(frame)
    runs = next(iter(draws.values())).shape[0]
    chunk = chunk_runs or max(1, STACK_ROWS // max(n, 1))
    indicators = [ind for _, ind in rubric.base_indicators()] + rubric.bonus_indicators()
    means = [j for j, ind in enumerate(indicators) if rubric.missing_policy(ind) == "mean"]
    for start in range(0, runs, chunk):
        stop = min(start + chunk, runs)
        stacked = _stack(frame, col, stop - start, start)
        for m, d in draws.items():
            stacked[m] = d[start:stop].ravel()
        prev = None if previous is None else _stack(previous, col, stop - start, start)
        scored = score(stacked, plain, previous=prev, keep_matrices=True)
        arrays = scored_arrays(scored, plain)
        models = []
        for r in range(stop - start):
            model = model_of(scored, rubric, arrays, slice(r * n, (r + 1) * n), ids=nominal.ids)
            model.nominal_rank = nominal.nominal_rank
            if means:
                model.rubric_points = _mean_filled(model, means)
            models.append((start + r, model))
        yield models


def _mean_filled(model: Model, columns: list[int]) -> np.ndarray:
    """The model's points with its ``missing: mean`` columns filled from its own units."""
    points = model.rubric_points.copy()
    for j in columns:
        col = model.raw[:, j].copy()
        fill_column(col, "mean", model.not_applicable[:, j])
        points[:, j] = col
    return points


def _stack(frame: pd.DataFrame, col: str, copies: int, first: int) -> pd.DataFrame:
    """``copies`` copies of ``frame`` one after the other, the id of run r's rows suffixed '#r'."""
    n = len(frame)
    stacked = frame.iloc[np.tile(np.arange(n), copies)].reset_index(drop=True)
    run = np.repeat(np.arange(first, first + copies), n).astype(str)
    stacked[col] = stacked[col].astype("string").str.cat(run, sep="#").astype(object)
    return stacked
