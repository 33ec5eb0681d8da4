"""How robust is the ranking? A Monte Carlo of the ranking over weights and opt-in choices.

The audit that the JRC runs on published composite indices (and COINr in R): perturb the
choices behind a ranking many times, recompute every unit's rank, and report the nominal rank
beside the median rank and the 5-95% interval.

Everything is vectorised across runs. :func:`civscore.score` runs once, for the nominal
result; each run is then a row of sampled weights, and a run's earned points are
``earned_ij * w_j / P_j``, so the totals of a chunk of runs are one matrix product
(runs x indicators) @ (indicators x units). A runs x units x indicators array is never built.
Bonus, vetoes, tiers and ranks go through the engine's own functions
(:func:`~civscore.engine.finish_totals`, :func:`~civscore.engine.tier_codes`,
and the same competition ranks as :func:`~civscore.scoring.ranks.competition_rank` (built for
runs x units in :mod:`~civscore.robustness.ranking`), exactly as in ``score()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from civscore.parallel import shared_pool, thread_count, wait_all
from civscore.readers.data import read_data
from civscore.robustness.ranking import rank_dtype, rank_runs
from civscore.robustness.sampling import check_sampling, draw_measures, run_chunks, unit_table
from civscore.robustness.scratch import scratch
from civscore.robustness.simulation import (
    AGGREGATIONS,
    MISSING_OPTIONS,
    Model,
    build_model,
    choice_options,
    rescaled_dimension_weights,
    rescaled_weights,
    sample_multipliers,
    simulate,
)
from civscore.robustness.summary import UncertaintySettings, summary_sentences
from civscore.robustness.tiers import tier_codes_into
from civscore.rubric.model import Rubric
from civscore.scoring.scored import Scored
from civscore.scoring.tiers import tier_codes
from civscore.words import say

LEVELS = ("indicator", "dimension")
QUANTILES = (0.05, 0.5, 0.95)


@dataclass
class Runs:
    """Outputs of a batch of runs (rows) for every unit (columns); ranks in
    :func:`~civscore.robustness.ranking.rank_dtype`."""

    total: np.ndarray
    rank: np.ndarray
    group_rank: dict[str, np.ndarray]
    tier: np.ndarray


@dataclass
class Uncertainty:
    """The outcome of :func:`uncertainty`: rank intervals per unit and every simulated run.

    - ``rank_stats``: one row per unit, ordered by nominal rank then id (see :func:`uncertainty`)
    - ``totals`` / ``ranks``: runs x units (columns = unit ids) as DataFrames
    - ``group_ranks``: {group column: runs x units ranks within the group}
    - ``tiers``: runs x units tier names; ``tier_shares``: units x tiers, share of runs
    - ``weights``: runs x base indicators, the sampled points (each row adds up to total_points)
    - ``dimension_weights``: runs x dimensions, the sampled dimension weights of a weighted
      rubric under ``level="dimension"`` (None otherwise)
    - ``choices``: the missing policy and aggregation each run used
    - ``nominal``: the :class:`~civscore.result.Scored` of ``score(data, rubric)``
    """

    model: Model
    runs: Runs
    weights_array: np.ndarray
    choice_frame: pd.DataFrame
    settings: UncertaintySettings
    dimension_weights_array: np.ndarray | None = None

    @cached_property
    def dimension_weights(self) -> pd.DataFrame | None:
        """runs x top-level dimensions: the sampled dimension weights of a weighted rubric
        (``level="dimension"``; each row adds up to total_points), else None."""
        if self.dimension_weights_array is None:
            return None
        cols = [d.id for d in self.rubric.dimensions]
        return pd.DataFrame(self.dimension_weights_array, columns=cols).rename_axis("run")

    @property
    def nominal(self) -> Scored:
        return self.model.nominal

    @property
    def rubric(self) -> Rubric:
        return self.model.rubric

    @cached_property
    def totals(self) -> pd.DataFrame:
        return self._frame(self.runs.total)

    @cached_property
    def ranks(self) -> pd.DataFrame:
        # int32 whatever the stored width: arithmetic on int16 ranks (a squared rank shift, say)
        # would wrap around silently
        return self._frame(self.runs.rank.astype(np.int32))

    @cached_property
    def group_ranks(self) -> dict[str, pd.DataFrame]:
        return {g: self._frame(r.astype(np.int32)) for g, r in self.runs.group_rank.items()}

    @cached_property
    def tiers(self) -> pd.DataFrame:
        names = np.array([t.name for t in self.rubric.tiers] + [""], dtype=object)
        return self._frame(names[self.runs.tier])

    @cached_property
    def tier_shares(self) -> pd.DataFrame:
        """Share of runs in which each unit lands in each tier (units x tier names)."""
        shares = {t.name: (self.runs.tier == i).mean(axis=0) for i, t in enumerate(self.rubric.tiers)}
        return pd.DataFrame(shares, index=self.model.ids)

    @cached_property
    def weights(self) -> pd.DataFrame:
        cols = [ind.id for _, ind in self.rubric.base_indicators()]
        return pd.DataFrame(self.weights_array, columns=cols).rename_axis("run")

    @property
    def choices(self) -> pd.DataFrame:
        return self.choice_frame

    @cached_property
    def rank_stats(self) -> pd.DataFrame:
        return _rank_stats(self)

    @property
    def first_place_share(self) -> pd.Series:
        """Per unit id, the share of runs in which the unit ranks first."""
        return pd.Series((self.runs.rank == 1).mean(axis=0), index=self.model.ids)

    def _frame(self, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, columns=self.model.ids).rename_axis("run")

    def summary(self, lang: str | None = None, unit_word: str | None = None, within: int = 2) -> list[str]:
        """Plain sentences an analyst can quote, in Chinese or English (see :func:`summary_sentences`)."""
        return summary_sentences(self, lang=lang, unit_word=unit_word, within=within)

    def _repr_html_(self) -> str:
        return self.rank_stats._repr_html_()  # type: ignore[operator]  # pandas-stubs lack DataFrame._repr_html_


def uncertainty(
    data: pd.DataFrame,
    rubric: Rubric,
    runs: int = 1000,
    weight_noise: float = 0.25,
    seed: int | None = 0,
    *,
    level: Literal["indicator", "dimension"] = "indicator",
    missing: Sequence[str] | bool | None = None,
    aggregation: Sequence[str] | bool | None = None,
    chunk_runs: int | None = None,
    workers: int | None = None,
    previous: pd.DataFrame | None = None,
    sampling: bool = False,
    records: Mapping[str, Any] | None = None,
    engine: str = "duckdb",
) -> Uncertainty:
    """Monte Carlo of the ranking over weights and, opt-in, over further choices.

    Every run multiplies each base indicator's points by an independent draw from
    U(1 - weight_noise, 1 + weight_noise), rescales them to add up to ``total_points``, and
    scores every unit again with those points (bonus, vetoes, tiers and group ranks as in
    :func:`civscore.score`). ``weight_noise=0`` reproduces the nominal ranking in every run.

    Opt-in choices, each drawn uniformly per run:

    - ``level="dimension"``: one draw per top-level dimension, shared by its indicators; in a
      rubric with dimension weights (contract section 9) the draw multiplies the dimension's
      weight, and the points inside keep their shares.
    - ``missing``: missing-data policies to draw from, e.g. ``["rubric", "zero", "mean",
      "exclude"]`` (``True`` = all four); ``"rubric"`` keeps each indicator's own policy,
      any other replaces the policy of every indicator.
    - ``aggregation``: ``["arithmetic", "geometric"]`` (``True`` = both); geometric replaces
      the sum of earned points by total_points x the weighted geometric mean of each top-level
      dimension's attainment (earned / applicable points; floored at 1 %).

    ``seed`` fixes every draw: the same seed gives an identical result. Runs are computed in
    chunks of ``chunk_runs`` (default: about 2**18 unit-runs per chunk, so memory stays bounded;
    with ``sampling``, the runs stacked into one engine call, default about 2**17 unit rows)
    on ``workers`` threads (default: one per core, at most 4). ``rank_stats`` has the
    id (and name) column, ``nominal_rank``, ``median_rank``, ``q05_rank``, ``q95_rank``,
    ``mean_rank``, ``best_rank``, ``worst_rank``, ``interval`` (q95 - q05), the nominal, median,
    5 % and 95 % totals, ``nominal_tier``, ``same_tier_share`` (share of runs in the nominal
    tier), and for each group column the nominal, median, 5 % and 95 % rank within the group.

    ``sampling=True`` adds the sampling error of the measures a rubric computes from record
    tables (contract section 8; ``records`` and ``engine`` as in :func:`civscore.score`): every
    run draws each unit's share and mean measures again from their n and standard error
    (:mod:`civscore.robustness.sampling` says how) and scores the units with them. Use
    ``weight_noise=0`` for the sampling error alone. A rubric without such measures, or
    ``sampling=True`` without ``records``, raises ``ValueError``.

    ``previous`` is the previous period's unit table for rubrics that use ``previous(name)``.
    Raises :class:`civscore.ValidationError` for invalid data and ``ValueError`` for bad
    arguments.
    """
    runs, weight_noise = _check_args(runs, weight_noise, level)
    policies = choice_options("missing", missing, MISSING_OPTIONS, default=("rubric",))
    aggregations = choice_options("aggregation", aggregation, AGGREGATIONS, default=("arithmetic",))
    if sampling:
        check_sampling(rubric, records)
        if isinstance(previous, (str, Path)):
            previous = read_data(previous, rubric)
    model = build_model(data, rubric, previous, records=records, engine=engine)
    rng = np.random.default_rng(seed)
    dim_weights = None
    if model.dim_weights is not None and level == "dimension":
        # a weighted rubric (section 9): the dimension weights themselves are drawn, with the
        # draws sample_multipliers would make, and the points inside keep their shares
        u = rng.uniform(1.0 - weight_noise, 1.0 + weight_noise, size=(runs, len(model.dim_weights)))
        dim_weights = rescaled_dimension_weights(model, u)
        weights = rescaled_weights(model, np.ones((runs, model.n_base)))
    else:
        weights = rescaled_weights(model, sample_multipliers(rng, model, runs, weight_noise, level))
    # choices are drawn after the weights, only when opted in: adding a choice never changes
    # the weights a seed gives
    policy = rng.integers(len(policies), size=runs) if len(policies) > 1 else np.zeros(runs, np.int64)
    agg_local = rng.integers(len(aggregations), size=runs) if len(aggregations) > 1 else np.zeros(runs, np.int64)
    agg = np.array([AGGREGATIONS.index(a) for a in aggregations])[agg_local]

    out = _allocate(model, runs)
    if sampling:
        _simulate_sampled(
            out, model, data, previous, rng, weights, policy, agg, policies, dim_weights, chunk_runs, workers
        )
    else:
        simulate(
            model,
            weights,
            policy,
            agg,
            lambda rows, totals: _store(out, rows, totals, model),
            policies,
            chunk_runs,
            workers,
            dimension_weights=dim_weights,
            out=out.total,
        )

    choices = pd.DataFrame(
        {
            "missing": np.asarray(policies, dtype=object)[policy],
            "aggregation": np.asarray(AGGREGATIONS, dtype=object)[agg],
        }
    ).rename_axis("run")
    settings = UncertaintySettings(
        runs=runs,
        weight_noise=weight_noise,
        seed=seed,
        level=level,
        missing=list(policies),
        aggregation=list(aggregations),
        workers=thread_count(workers),
        sampling=bool(sampling),
    )
    return Uncertainty(
        model=model,
        runs=out,
        weights_array=weights,
        choice_frame=choices,
        settings=settings,
        dimension_weights_array=dim_weights,
    )


def _simulate_sampled(
    out: Runs,
    model: Model,
    data: pd.DataFrame,
    previous: pd.DataFrame | None,
    rng: np.random.Generator,
    weights: np.ndarray,
    policy: np.ndarray,
    agg: np.ndarray,
    policies: Sequence[str],
    dim_weights: np.ndarray | None,
    chunk_runs: int | None,
    workers: int | None,
) -> None:
    """Every run on its own unit table, the measures drawn again; weights and choices as in
    the other runs. Drawn after the weights and choices, all at once: a seed gives the same
    weights with or without sampling, and the same runs whatever ``chunk_runs`` and ``workers``.

    ``chunk_runs`` runs are stacked into one engine call; each run of a chunk is then weighed,
    finished and ranked on one of ``workers`` threads while the next chunk is being scored (each
    run writes its own rows, so the order in which they finish does not matter)."""
    measures = model.nominal.measures
    assert measures is not None
    draws = draw_measures(measures, model.rubric, unit_table(data, model.rubric, measures)[1], len(weights), rng)

    def run(task: tuple[int, Model]) -> None:
        r, run_model = task
        one = slice(r, r + 1)
        simulate(
            run_model,
            weights[one],
            policy[one],
            agg[one],
            lambda _rows, totals: _store(out, one, totals, run_model),
            policies,
            workers=1,
            dimension_weights=None if dim_weights is None else dim_weights[one],
            out=out.total[one],
        )

    chunks = run_chunks(model, data, draws, previous, chunk_runs)
    n_workers = thread_count(workers)
    if n_workers <= 1:
        for chunk in chunks:
            for task in chunk:
                run(task)
        return
    pool = shared_pool(n_workers)
    with threadpool_limits(limits=1, user_api="blas"):
        pending: list[Future[None]] = []
        try:
            for chunk in chunks:  # scoring the next chunk here while the pool runs this one
                wait_all(pending)  # at most two chunks' models alive; re-raises a worker's error
                pending = [pool.submit(run, task) for task in chunk]
        finally:
            wait_all(pending)


def _check_args(runs: int, weight_noise: float, level: str) -> tuple[int, float]:
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ValueError(
            say(f"runs 必须是不小于 1 的整数，不能是 {runs!r}", f"runs must be a whole number >= 1, not {runs!r}")
        )
    try:
        noise = float(weight_noise)
    except (TypeError, ValueError):
        raise ValueError(
            say(
                f"weight_noise 必须是 [0, 1) 之间的数，不能是 {weight_noise!r}",
                f"weight_noise must be a number in [0, 1), not {weight_noise!r}",
            )
        ) from None
    if not 0.0 <= noise < 1.0:
        # at 1 a weight could reach 0, and the contract wants every indicator's points > 0
        raise ValueError(
            say(
                f"weight_noise 必须在 [0, 1) 之间，不能是 {weight_noise!r}",
                f"weight_noise must be in [0, 1), not {weight_noise!r}",
            )
        )
    if level not in LEVELS:
        raise ValueError(
            say(
                f"level 必须是 {'、'.join(LEVELS)} 之一，不能是 {level!r}",
                f"level must be one of {', '.join(LEVELS)}, not {level!r}",
            )
        )
    return int(runs), noise


def _allocate(model: Model, runs: int) -> Runs:
    shape = (runs, len(model.ids))
    return Runs(
        total=np.empty(shape),
        rank=np.empty(shape, dtype=rank_dtype(shape[1])),
        group_rank={g: np.empty(shape, dtype=rank_dtype(shape[1])) for g in model.groups},
        tier=np.empty(shape, dtype=np.int8 if len(model.rubric.tiers) < 127 else np.int64),
    )


def _store(out: Runs, rows: np.ndarray | slice, totals: dict[str, np.ndarray], model: Model) -> None:
    """The ranks and tiers of a chunk of runs whose totals :func:`simulate` wrote into ``out``."""
    total, disq = totals["total"], totals["disqualified"]
    rankings = [model.ranking(), *(model.ranking(g) for g in model.groups)]
    targets = [out.rank, *out.group_rank.values()]
    if isinstance(rows, slice):  # consecutive runs: ranked straight into the stored rows
        rank_runs(total, rankings, [a[rows] for a in targets])
        tier_codes_into(out.tier[rows], total, disq, model.rubric)
    else:
        rank_runs(total, rankings, targets, rows=rows)
        out.tier[rows] = tier_codes_into(scratch.array("tiers", total.shape, out.tier.dtype), total, disq, model.rubric)


def _rank_stats(u: Uncertainty) -> pd.DataFrame:
    model, runs = u.model, u.runs
    table = model.nominal.table
    unit = model.rubric.unit
    by_id = table.set_index(unit.id_column).loc[model.ids]
    nominal_tier = np.asarray(tier_codes(by_id["total"].to_numpy(), by_id["disqualified"].to_numpy(), model.rubric))
    q = _unit_quantiles(runs, nominal_tier, u.settings["workers"])
    q_rank, q_total = q["rank"], q["total"]
    stats: dict[str, object] = {unit.id_column: model.ids.to_numpy()}
    if unit.name_column:
        stats[unit.name_column] = by_id[unit.name_column].to_numpy()
    stats.update(
        nominal_rank=model.nominal_rank,
        median_rank=q_rank[1],
        q05_rank=q_rank[0],
        q95_rank=q_rank[2],
        mean_rank=q["mean_rank"],
        best_rank=q["best_rank"],
        worst_rank=q["worst_rank"],
        interval=q_rank[2] - q_rank[0],
        nominal_total=by_id["total"].to_numpy(),
        median_total=q_total[1],
        q05_total=q_total[0],
        q95_total=q_total[2],
        nominal_tier=by_id["tier"].to_numpy(),
        same_tier_share=q["same_tier_share"],
    )
    for g in runs.group_rank:
        stats[f"rank_in_{g}"] = by_id[f"rank_in_{g}"].to_numpy()
        stats[f"median_rank_in_{g}"] = q[g][1]
        stats[f"q05_rank_in_{g}"] = q[g][0]
        stats[f"q95_rank_in_{g}"] = q[g][2]
    frame = pd.DataFrame(stats)
    order = np.lexsort((_id_key(frame[unit.id_column]), frame["nominal_rank"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


# Units summarised together: a block of units x runs is about 2 MB per float64 copy, so that the
# transposed copies stay in cache and are reused; transposing and sorting the whole runs x units
# arrays at once asked the kernel for ~160 MB of fresh (huge) pages per rank_stats (issue 16)
SUMMARY_ELEMENTS = 1 << 18


def _unit_quantiles(runs: Runs, nominal_tier: np.ndarray, workers: int) -> dict[str, Any]:
    """Per unit: the rank, total and group-rank quantiles of :data:`QUANTILES`, best and worst
    rank and the share of runs in the nominal tier, a block of units at a time (in threads:
    NumPy's copies and sorts release the GIL)."""
    n_runs, n_units = runs.rank.shape
    block = max(1, SUMMARY_ELEMENTS // max(n_runs, 1))
    ranked = {"rank": runs.rank, **runs.group_rank}
    # a rank is at most the number of units: the sum of a unit's ranks fits int32 if this does
    count = np.int32 if n_runs * max(n_units, 1) <= np.iinfo(np.int32).max else np.int64
    out: dict[str, Any] = {k: [np.empty(n_units, np.int64) for _ in QUANTILES] for k in ranked}
    out["total"] = [np.empty(n_units) for _ in QUANTILES]
    out["best_rank"] = np.empty(n_units, runs.rank.dtype)
    out["worst_rank"] = np.empty(n_units, runs.rank.dtype)
    out["same_tier_share"] = np.empty(n_units)
    out["mean_rank"] = np.empty(n_units)

    def summarise(start: int) -> None:
        cols = slice(start, min(start + block, n_units))
        # whole numbers add up exactly, so an integer sum over the runs divided by their number
        # is the float mean to the bit, without converting every rank to float first
        out["mean_rank"][cols] = runs.rank[:, cols].sum(axis=0, dtype=count) / n_runs
        for key, values in ranked.items():
            rows = _sorted_per_unit(values[:, cols])
            for target, q in zip(out[key], _order_statistics(rows, QUANTILES)):
                target[cols] = q
            if key == "rank":
                out["best_rank"][cols] = rows[:, 0]
                out["worst_rank"][cols] = rows[:, -1]
        for target, q in zip(out["total"], _interpolated_quantiles(_sorted_per_unit(runs.total[:, cols]), QUANTILES)):
            target[cols] = q
        same_tier = runs.tier[:, cols] == nominal_tier[None, cols]
        out["same_tier_share"][cols] = same_tier.sum(axis=0, dtype=count) / n_runs

    starts = range(0, n_units, block)
    if workers <= 1 or len(starts) <= 1:
        for start in starts:
            summarise(start)
    else:
        pool = shared_pool(workers)
        wait_all([pool.submit(summarise, start) for start in starts])
    return out


def _sorted_per_unit(values: np.ndarray) -> np.ndarray:
    """units x runs, each row sorted (``values`` is runs x units; ranks are stored int16 when
    they fit, so their sort is the cheap one). A full sort, not a partition at the handful of
    positions the statistics read: NumPy's vectorised sort of each unit's 1,000 runs is 3-4x
    cheaper than ``partition`` with several kth on these machines (issue 16), and gives the same
    values. The result is this thread's scratch array, valid until its next call.
    """
    out = scratch.array("sorted per unit", values.shape[::-1], values.dtype)
    out[...] = values.T
    out.sort(axis=1)
    return out


def _order_position(q: float, n: int) -> int:
    return max(int(np.ceil(q * n)) - 1, 0)


def _interpolation_positions(q: float, n: int) -> tuple[int, int, float]:
    h = (n - 1) * q
    lo = int(np.floor(h))
    return lo, min(lo + 1, n - 1), h - lo


def _order_statistics(sorted_rows: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles of type 1 (numpy's "inverted_cdf"): the ceil(q n)-th smallest value."""
    n = sorted_rows.shape[1]
    return [sorted_rows[:, _order_position(q, n)].astype(np.int64) for q in qs]


def _interpolated_quantiles(sorted_rows: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles of type 7 (numpy's default "linear")."""
    n = sorted_rows.shape[1]
    out = []
    for q in qs:
        lo, hi, frac = _interpolation_positions(q, n)
        a, b = sorted_rows[:, lo], sorted_rows[:, hi]
        out.append(a + frac * (b - a))
    return out


def _id_key(ids: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(ids.dtype):
        return ids.to_numpy()
    return ids.astype("string").to_numpy(dtype=object, na_value="")
