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
:func:`~civscore.engine.competition_rank`), exactly as in ``score()``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypedDict

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from civscore.rubric.model import Rubric
from civscore.scoring.engine import score
from civscore.scoring.missing import apply_missing
from civscore.scoring.ranks import competition_rank
from civscore.scoring.scored import Scored
from civscore.scoring.tiers import tier_codes
from civscore.scoring.totals import finish_totals, rescale_base

MISSING_OPTIONS = ("rubric", "zero", "mean", "exclude")
AGGREGATIONS = ("arithmetic", "geometric")
LEVELS = ("indicator", "dimension")
# Geometric aggregation needs attainment > 0; a dimension with nothing earned counts as 1 %
# attainment (the usual small positive floor), so it drags the total down hard but not to 0.
GEOMETRIC_FLOOR = 0.01
# Runs x units elements per chunk: bounds the working memory of one chunk (8 MB per float64
# array; 104 runs of 10,000 units). 2**18 to 2**20 measured within noise of each other.
CHUNK_ELEMENTS = 1 << 20
QUANTILES = (0.05, 0.5, 0.95)


@dataclass
class Model:
    """Everything the runs share, derived from one :func:`civscore.score` call."""

    rubric: Rubric
    nominal: Scored
    ids: pd.Index
    points: np.ndarray  # (k,) base indicator points as written
    dim_codes: np.ndarray  # (k,) index of each base indicator's top-level dimension
    raw: np.ndarray  # (units x all indicators) points before the missing policy, NaN = missing
    veto_matrix: np.ndarray
    nominal_rank: np.ndarray
    groups: dict[str, pd.Series]  # group column -> integer group code of each unit
    # (dimensions,) the rubric's top-level dimension weights (contract section 9), None if unweighted
    dim_weights: np.ndarray | None = None
    _earned: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _all_apply: dict[str, bool] = field(default_factory=dict, repr=False)
    _dim_sums: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def n_base(self) -> int:
        return len(self.points)

    @property
    def dim_slices(self) -> list[slice]:
        """Columns of each top-level dimension: contiguous, since indicators are in file order."""
        bounds = np.searchsorted(self.dim_codes, np.arange(len(self.rubric.dimensions) + 1))
        return [slice(int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds)]

    @property
    def dimensions(self) -> list[tuple[str, str]]:
        """(id, name) of every top-level dimension."""
        return [(d.id, d.name) for d in self.rubric.dimensions]

    def all_apply(self, policy: str) -> bool:
        """True when every base indicator applies to every unit under ``policy``."""
        self.earned(policy)
        return self._all_apply[policy]

    def dimension_sums(self, policy: str) -> tuple[np.ndarray, np.ndarray]:
        """Per unit and top-level dimension (units x dimensions): the earned points and the
        points of the applicable indicators, under a missing policy (see :meth:`earned`)."""
        if policy not in self._dim_sums:
            earned, applicable, _ = self.earned(policy)
            E_dim = np.column_stack([earned[:, cols].sum(axis=1) for cols in self.dim_slices])
            A_dim = np.column_stack([applicable[:, cols] @ self.points[cols] for cols in self.dim_slices])
            self._dim_sums[policy] = (E_dim, A_dim)
        return self._dim_sums[policy]

    def dimension_factors(self, factors: np.ndarray) -> np.ndarray | None:
        """runs x dimensions: the factor every indicator of a dimension shares in each run, or
        None when they differ. Weights drawn per dimension (``level="dimension"``, the Sobol
        analysis) give such factors, and then a run's totals need a (runs x dimensions) @
        (dimensions x units) product instead of (runs x indicators) @ (indicators x units)."""
        first = factors[:, [cols.start for cols in self.dim_slices]]
        for d, cols in enumerate(self.dim_slices):
            # equal up to the rounding of rescaling (points * u / points): a relative 1e-12
            if not np.allclose(factors[:, cols], first[:, d : d + 1], rtol=1e-12, atol=0.0):
                return None
        return first

    def earned(self, policy: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(earned base points, applicable as float, earned bonus points) under a missing policy.

        ``"rubric"`` is the nominal result itself; any other policy replaces the policy of every
        indicator (indicators under ``missing: error`` have no missing values once validated).
        """
        if policy not in self._earned:
            k = self.n_base
            if policy == "rubric":
                earned = self.nominal.points.to_numpy(dtype=float)
                applicable = self.nominal.applicable.to_numpy(dtype=bool)
            else:
                na = self.nominal.not_applicable.to_numpy(dtype=bool)
                earned, applicable, _ = apply_missing(
                    self.raw, [policy] * self.raw.shape[1], n_base=k, not_applicable=na
                )
            self._earned[policy] = (
                np.ascontiguousarray(earned[:, :k]),
                applicable[:, :k].astype(float),
                earned[:, k:],
            )
            self._all_apply[policy] = bool(applicable[:, :k].all())
        return self._earned[policy]


def build_model(data: pd.DataFrame, rubric: Rubric, previous: pd.DataFrame | None = None) -> Model:
    """Score ``data`` once (validating it) and keep what the Monte Carlo runs need."""
    nominal = score(data, rubric, previous=previous)
    ids = nominal.points.index
    base = rubric.base_indicators()
    dim_ids = [d.id for d in rubric.dimensions]
    raw = nominal.points.to_numpy(dtype=float, copy=True)
    # the points before the missing policy: NaN where missing (a closed gate earns 0 whatever the
    # policy) and where 不适用 (left out under every policy)
    raw[nominal.missing.to_numpy(dtype=bool) & ~nominal.gated.to_numpy(dtype=bool)] = np.nan
    raw[nominal.not_applicable.to_numpy(dtype=bool)] = np.nan
    table = nominal.table.set_index(rubric.unit.id_column).loc[ids]
    return Model(
        rubric=rubric,
        nominal=nominal,
        ids=ids,
        points=np.array([ind.points for _, ind in base], dtype=float),
        dim_codes=np.array([dim_ids.index(path[0]) for path, _ in base], dtype=np.int64),
        raw=raw,
        veto_matrix=nominal.vetoes.to_numpy(dtype=bool),
        nominal_rank=table["rank"].to_numpy(dtype=np.int64),
        # factorised once (a missing value is a group of its own, as in score()), so that each
        # chunk's ranking does not factorise the text again
        groups={
            g: pd.Series(pd.factorize(table[g].reset_index(drop=True), use_na_sentinel=False)[0])
            for g in rubric.unit.group_columns
        },
        dim_weights=np.array([d.weight or 0.0 for d in rubric.dimensions]) if rubric.weighted else None,
    )


def rescaled_weights(model: Model, multipliers: np.ndarray) -> np.ndarray:
    """Base points times ``multipliers`` (runs x indicators), rescaled to add up to total_points."""
    w = model.points * multipliers
    return w * (model.rubric.total_points / w.sum(axis=1, keepdims=True))


def rescaled_dimension_weights(model: Model, multipliers: np.ndarray) -> np.ndarray:
    """The rubric's dimension weights times ``multipliers`` (runs x dimensions), rescaled to add
    up to total_points (a weighted rubric, contract section 9)."""
    assert model.dim_weights is not None
    W = model.dim_weights * multipliers
    return W * (model.rubric.total_points / W.sum(axis=1, keepdims=True))


def sample_multipliers(
    rng: np.random.Generator, model: Model, runs: int, weight_noise: float, level: str
) -> np.ndarray:
    """U(1 - noise, 1 + noise) per indicator (or per top-level dimension, spread to its indicators)."""
    n = model.n_base if level == "indicator" else len(model.rubric.dimensions)
    u = rng.uniform(1.0 - weight_noise, 1.0 + weight_noise, size=(runs, n))
    return u if level == "indicator" else u[:, model.dim_codes]


@dataclass
class Runs:
    """Outputs of a batch of runs (rows) for every unit (columns)."""

    total: np.ndarray
    rank: np.ndarray
    group_rank: dict[str, np.ndarray]
    tier: np.ndarray


def simulate(
    model: Model,
    weights: np.ndarray,
    policy: np.ndarray,
    aggregation: np.ndarray,
    consume: Callable[[np.ndarray | slice, dict[str, np.ndarray]], None],
    policies: Sequence[str] = ("rubric",),
    chunk_runs: int | None = None,
    workers: int | None = None,
    dimension_weights: np.ndarray | None = None,
) -> None:
    """Compute the totals of every run, chunk by chunk, and hand each chunk to ``consume``.

    ``weights`` is runs x base indicators (points that add up to total_points); ``policy`` and
    ``aggregation`` give each run's index into ``policies`` and :data:`AGGREGATIONS`. Runs
    sharing a missing policy and aggregation form chunks; ``consume(rows, totals)`` gets the
    chunk's run indices (a slice when they are consecutive) and ``total`` / ``disqualified``
    (runs x units). Chunks run on ``workers`` threads (default: one per core, at most 4):
    NumPy's sorts and matrix products release the GIL, and every chunk writes its own rows, so
    the result does not depend on the order in which chunks finish.

    For a weighted rubric (contract section 9) ``dimension_weights`` (runs x dimensions, adding
    up to total_points; default the rubric's own) weigh each dimension's attainment E_d / A_d.
    """
    n_units = len(model.ids)
    chunk = chunk_runs or max(1, CHUNK_ELEMENTS // max(n_units, 1))
    factors = weights / model.points  # earned points scale with the weight: earned * w / P
    tasks = []
    per_dimension = model.dimension_factors(factors) if len(model.rubric.dimensions) < model.n_base else None
    for p, name in enumerate(policies):
        model.earned(name)  # fill the caches before any thread reads them
        if per_dimension is not None:
            model.dimension_sums(name)
        for a in range(len(AGGREGATIONS)):
            idx = np.flatnonzero((policy == p) & (aggregation == a))
            tasks += [(idx[start : start + chunk], name, a) for start in range(0, len(idx), chunk)]

    if model.dim_weights is not None and dimension_weights is None:
        dimension_weights = np.broadcast_to(model.dim_weights, (len(weights), len(model.dim_weights)))

    def run(task: tuple[np.ndarray, str, int]) -> None:
        rows, name, a = task
        earned, applicable, bonus = model.earned(name)
        f, w = factors[rows], weights[rows]
        all_apply = model.all_apply(name)
        dim_f = per_dimension[rows] if per_dimension is not None else None
        dim_sums = model.dimension_sums(name) if dim_f is not None else None
        if dimension_weights is not None:
            W = dimension_weights[rows]
            base = _weighted_base(model, earned, None if all_apply else applicable, f, w, W, geometric=a == 1)
        elif a == 0:
            if dim_f is not None and dim_sums is not None:
                E = dim_f @ dim_sums[0].T
                A = w.sum(axis=1, keepdims=True) if all_apply else dim_f @ dim_sums[1].T
            else:
                E = f @ earned.T
                A = w.sum(axis=1, keepdims=True) if all_apply else w @ applicable.T
            base = rescale_base(E, A, model.rubric.total_points)
        else:
            base = _geometric_base(model, earned, None if all_apply else applicable, f, w, dim_f, dim_sums)
        target: np.ndarray | slice = rows
        if len(rows) and rows[-1] - rows[0] + 1 == len(rows):  # consecutive runs: write a view
            target = slice(int(rows[0]), int(rows[-1]) + 1)
        consume(target, finish_totals(base, bonus, model.rubric, model.veto_matrix))

    workers = default_workers(workers)
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            run(task)
        return
    # The chunks already keep every core busy: BLAS threads on top of them only wait for
    # each other (OpenBLAS spins while it waits), which on the 2-core machines doubled the
    # CPU time of the matrix products and slowed the whole Monte Carlo by a third (issue 16).
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(run, task) for task in tasks]:
            done.result()  # re-raises a worker's exception here


def default_workers(workers: int | None) -> int:
    """``workers`` as given, else one thread per core, at most 4."""
    return max(1, int(workers)) if workers is not None else min(4, os.cpu_count() or 1)


def _weighted_base(
    model: Model,
    earned: np.ndarray,
    applicable: np.ndarray | None,
    f: np.ndarray,
    w: np.ndarray,
    W: np.ndarray,
    geometric: bool,
) -> np.ndarray:
    """A weighted rubric's base per run: T * sum_{d in D} W_d a_d / sum_{d in D} W_d with a_d =
    E_d / A_d and D the dimensions with A_d > 0 (section 9), or with ``geometric`` the weighted
    geometric mean T * exp(sum W_d log a_d / sum W_d) (a_d floored at 1 %)."""
    shape = (len(f), len(model.ids))
    num, den, log_sum = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        for d, cols in enumerate(model.dim_slices):
            E_d = f[:, cols] @ earned[:, cols].T
            A_d = w[:, cols].sum(axis=1, keepdims=True) if applicable is None else w[:, cols] @ applicable[:, cols].T
            present = A_d > 0
            attain = np.where(present, E_d / np.where(present, A_d, 1.0), 0.0)
            Wd = np.where(present, W[:, d : d + 1], 0.0)
            den += Wd
            if geometric:
                log_sum += Wd * np.log(np.maximum(attain, GEOMETRIC_FLOOR))
            else:
                num += Wd * attain
        T = model.rubric.total_points
        mean = np.exp(log_sum / np.where(den > 0, den, 1.0)) if geometric else num / np.where(den > 0, den, 1.0)
    return np.where(den > 0, T * mean, 0.0)  # D empty: base 0, as score()


def _geometric_base(
    model: Model,
    earned: np.ndarray,
    applicable: np.ndarray | None,
    f: np.ndarray,
    w: np.ndarray,
    dim_f: np.ndarray | None = None,
    dim_sums: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """total_points x the geometric mean of dimension attainment, weighted by applicable points.

    With attainment a_d = E_d / A_d and shares A_d / A this is the geometric counterpart of the
    arithmetic base E * T / A = T * sum_d (A_d / A) a_d. ``applicable`` None means every
    indicator applies to every unit, so A_d is one number per run. ``dim_f`` and ``dim_sums``
    (see :meth:`Model.dimension_factors`) give E_d and A_d as outer products.
    """
    log_sum = np.zeros((len(f), len(model.ids)))
    A_total = np.zeros((len(f), 1 if applicable is None else len(model.ids)))
    parts = []
    for d, cols in enumerate(model.dim_slices):  # slices are views: no copy of the points matrix per chunk
        if dim_f is not None and dim_sums is not None:
            E_d = dim_f[:, d : d + 1] * dim_sums[0][:, d]
        else:
            E_d = f[:, cols] @ earned[:, cols].T
        if applicable is None:
            A_d = w[:, cols].sum(axis=1, keepdims=True)
        elif dim_f is not None and dim_sums is not None:
            A_d = dim_f[:, d : d + 1] * dim_sums[1][:, d]
        else:
            A_d = w[:, cols] @ applicable[:, cols].T
        A_total = A_total + A_d
        parts.append((E_d, A_d))
    # in place on each runs x units E_d: the same operations in the same order as
    # log(max(where(A_d > 0, E_d / A_d, 1), floor)) * share, without five temporaries (issue 16)
    with np.errstate(invalid="ignore", divide="ignore"):
        some_total = A_total > 0
        safe_total = np.where(some_total, A_total, 1.0)
        for E_d, A_d in parts:
            present = A_d > 0
            np.divide(E_d, np.where(present, A_d, 1.0), out=E_d)
            if not present.all():
                np.copyto(E_d, 1.0, where=~present)
            np.maximum(E_d, GEOMETRIC_FLOOR, out=E_d)
            np.log(E_d, out=E_d)
            E_d *= np.where(some_total, A_d / safe_total, 0.0)
            log_sum += E_d
    np.exp(log_sum, out=log_sum)
    log_sum *= model.rubric.total_points
    return log_sum if some_total.all() else np.where(some_total, log_sum, 0.0)  # A = 0: base 0, as score()


class UncertaintySettings(TypedDict):
    """The arguments a Monte Carlo ran with (``workers``: the threads actually used)."""

    runs: int
    weight_noise: float
    seed: int | None
    level: Literal["indicator", "dimension"]
    missing: list[str]
    aggregation: list[str]
    workers: int


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
        return self._frame(self.runs.rank)

    @cached_property
    def group_ranks(self) -> dict[str, pd.DataFrame]:
        return {g: self._frame(r) for g, r in self.runs.group_rank.items()}

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

    def _frame(self, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, columns=self.model.ids).rename_axis("run")

    def summary(self, lang: str = "zh", unit_word: str | None = None, within: int = 2) -> list[str]:
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
    chunks of ``chunk_runs`` (default: about 2**20 unit-runs per chunk, so memory stays bounded)
    on ``workers`` threads (default: one per core, at most 4). ``rank_stats`` has the
    id (and name) column, ``nominal_rank``, ``median_rank``, ``q05_rank``, ``q95_rank``,
    ``mean_rank``, ``best_rank``, ``worst_rank``, ``interval`` (q95 - q05), the nominal, median,
    5 % and 95 % totals, ``nominal_tier``, ``same_tier_share`` (share of runs in the nominal
    tier), and for each group column the nominal, median, 5 % and 95 % rank within the group.

    ``previous`` is the previous period's unit table for rubrics that use ``previous(name)``.
    Raises :class:`civscore.ValidationError` for invalid data and ``ValueError`` for bad
    arguments.
    """
    runs, weight_noise = _check_args(runs, weight_noise, level)
    policies = _options("missing", missing, MISSING_OPTIONS, default=("rubric",))
    aggregations = _options("aggregation", aggregation, AGGREGATIONS, default=("arithmetic",))
    model = build_model(data, rubric, previous)
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
        workers=default_workers(workers),
    )
    return Uncertainty(
        model=model,
        runs=out,
        weights_array=weights,
        choice_frame=choices,
        settings=settings,
        dimension_weights_array=dim_weights,
    )


def _check_args(runs: int, weight_noise: float, level: str) -> tuple[int, float]:
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ValueError(f"runs must be a whole number >= 1, not {runs!r}")
    try:
        noise = float(weight_noise)
    except (TypeError, ValueError):
        raise ValueError(f"weight_noise must be a number in [0, 1), not {weight_noise!r}") from None
    if not 0.0 <= noise < 1.0:
        # at 1 a weight could reach 0, and the contract wants every indicator's points > 0
        raise ValueError(f"weight_noise must be in [0, 1), not {weight_noise!r}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return int(runs), noise


def _options(
    name: str, given: Sequence[str] | bool | None, allowed: tuple[str, ...], default: tuple[str, ...]
) -> tuple[str, ...]:
    """The options a choice draws from: ``default`` when not opted in, all of them for True."""
    if given is None or given is False:
        return default
    if given is True:
        return allowed
    if isinstance(given, str):
        given = [given]
    chosen = tuple(dict.fromkeys(given))
    unknown = [g for g in chosen if g not in allowed]
    if unknown or not chosen:
        raise ValueError(f"{name} choices must come from {', '.join(allowed)}; got {list(given)!r}")
    return chosen


def _allocate(model: Model, runs: int) -> Runs:
    shape = (runs, len(model.ids))
    return Runs(
        total=np.empty(shape),
        rank=np.empty(shape, dtype=np.int32),
        group_rank={g: np.empty(shape, dtype=np.int32) for g in model.groups},
        tier=np.empty(shape, dtype=np.int8 if len(model.rubric.tiers) < 127 else np.int64),
    )


def _store(out: Runs, rows: np.ndarray | slice, totals: dict[str, np.ndarray], model: Model) -> None:
    total, disq = totals["total"], totals["disqualified"]
    out.total[rows] = total
    out.rank[rows] = competition_rank(total, disq)
    for g, values in model.groups.items():
        out.group_rank[g][rows] = competition_rank(total, disq, values)
    out.tier[rows] = tier_codes(total, disq, model.rubric)


def _rank_stats(u: Uncertainty) -> pd.DataFrame:
    model, runs = u.model, u.runs
    table = model.nominal.table
    unit = model.rubric.unit
    by_id = table.set_index(unit.id_column).loc[model.ids]
    # the sorts are independent and release the GIL: run them side by side
    arrays = [runs.rank, runs.total, *runs.group_rank.values()]
    kth = _statistic_positions(len(runs.rank))
    with ThreadPoolExecutor(max_workers=min(len(arrays), u.settings["workers"])) as pool:
        sorted_rank, sorted_total, *sorted_groups = pool.map(lambda a: _sorted_per_unit(a, kth), arrays)
    q_rank = _order_statistics(sorted_rank, QUANTILES)
    q_total = _interpolated_quantiles(sorted_total, QUANTILES)
    nominal_tier = np.asarray(tier_codes(by_id["total"].to_numpy(), by_id["disqualified"].to_numpy(), model.rubric))
    stats: dict[str, object] = {unit.id_column: model.ids.to_numpy()}
    if unit.name_column:
        stats[unit.name_column] = by_id[unit.name_column].to_numpy()
    stats.update(
        nominal_rank=model.nominal_rank,
        median_rank=q_rank[1],
        q05_rank=q_rank[0],
        q95_rank=q_rank[2],
        mean_rank=runs.rank.mean(axis=0),
        best_rank=sorted_rank[:, 0],
        worst_rank=sorted_rank[:, -1],
        interval=q_rank[2] - q_rank[0],
        nominal_total=by_id["total"].to_numpy(),
        median_total=q_total[1],
        q05_total=q_total[0],
        q95_total=q_total[2],
        nominal_tier=by_id["tier"].to_numpy(),
        same_tier_share=(runs.tier == nominal_tier[None, :]).mean(axis=0),
    )
    for g, sorted_group in zip(runs.group_rank, sorted_groups):
        q = _order_statistics(sorted_group, QUANTILES)
        stats[f"rank_in_{g}"] = by_id[f"rank_in_{g}"].to_numpy()
        stats[f"median_rank_in_{g}"] = q[1]
        stats[f"q05_rank_in_{g}"] = q[0]
        stats[f"q95_rank_in_{g}"] = q[2]
    frame = pd.DataFrame(stats)
    order = np.lexsort((_id_key(frame[unit.id_column]), frame["nominal_rank"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def _sorted_per_unit(values: np.ndarray, kth: list[int] | None = None, block: int = 256) -> np.ndarray:
    """units x runs, each row sorted, or only partitioned so that the positions ``kth`` hold
    the values a full sort would put there: one contiguous pass instead of a strided partition
    per quantile. The transpose is copied a block of units at a time (cache-friendly reads).
    """
    out = np.empty(values.shape[::-1], dtype=values.dtype)
    for start in range(0, values.shape[1], block):
        out[start : start + block] = values[:, start : start + block].T
    if kth is None:
        out.sort(axis=1)
    else:
        # the statistics read a handful of positions: selecting them is 2-3x cheaper than a
        # sort of every unit's runs (issue 16) and gives the same values
        out.partition(kth, axis=1)
    return out


def _statistic_positions(n: int) -> list[int]:
    """The positions of a sorted row that rank_stats reads: first, last, and every quantile's."""
    at = {0, n - 1}
    for q in QUANTILES:
        at.add(_order_position(q, n))
        at.update(_interpolation_positions(q, n)[:2])
    return sorted(at)


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


def _label(stats: pd.DataFrame, rubric: Rubric) -> pd.Series:
    """A unit's display name: its name column when the rubric has one, else its id."""
    col = rubric.unit.name_column or rubric.unit.id_column
    return stats[col].astype("string").fillna(stats[rubric.unit.id_column].astype("string"))


def _num(x: float) -> str:
    return f"{x:g}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# Names of the opt-in options in sentences
OPTION_WORDS = {
    "en": {
        "rubric": "as in the rubric",
        "zero": "zero",
        "mean": "mean",
        "exclude": "exclude",
        "arithmetic": "arithmetic",
        "geometric": "geometric",
    },
    "zh": {
        "rubric": "按体系规定",
        "zero": "计0分",
        "mean": "取平均分",
        "exclude": "合理缺项折算",
        "arithmetic": "算术加总",
        "geometric": "几何平均",
    },
}


def summary_sentences(u: Uncertainty, lang: str = "zh", unit_word: str | None = None, within: int = 2) -> list[str]:
    """Sentences an analyst can quote, e.g. "72% of units stay within ±2 places of their median rank".

    ``lang`` is ``"zh"`` (default; ``unit_word`` 单位) or ``"en"`` (``unit_word`` units).
    "Within ±k places" means the unit's 5-95% interval lies inside median ± k: in at least 90%
    of runs its rank is no more than k places from its median rank. "Change tier" means the
    unit's tier differs from its nominal tier in more than a third of runs.
    """
    if lang not in OPTION_WORDS:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    f = _facts(u, within)
    word = unit_word or ("单位" if lang == "zh" else "units")
    return _sentences_zh(f, word) if lang == "zh" else _sentences_en(f, word)


def _facts(u: Uncertainty, within: int) -> dict[str, object]:
    """The numbers the sentences quote, computed once for every language."""
    s = u.rank_stats
    label = _label(s, u.rubric)
    cfg = u.settings
    solid = (s["q05_rank"] >= s["median_rank"] - within) & (s["q95_rank"] <= s["median_rank"] + within)
    gap = (s["median_rank"] - s["nominal_rank"]).abs()
    # rank_stats has a RangeIndex: positions and labels agree
    far, wide = int(np.nanargmax(gap.to_numpy())), int(np.nanargmax(s["interval"].to_numpy()))
    share_first = pd.Series((u.runs.rank == 1).mean(axis=0), index=u.model.ids)
    leaders = s.index[s["nominal_rank"] == 1]
    ids = s[u.rubric.unit.id_column]
    return dict(
        cfg=cfg,
        n=len(s),
        within=within,
        total_points=u.rubric.total_points,
        solid=int(solid.sum()),
        solid_share=float(solid.mean()),
        same_share=float((gap == 0).mean()),
        far=dict(
            gap=float(gap.iloc[far]),
            name=label.iloc[far],
            nominal=int(s["nominal_rank"].iloc[far]),
            median=int(s["median_rank"].iloc[far]),
        ),
        wide=dict(
            width=float(s["interval"].iloc[wide]),
            name=label.iloc[wide],
            lo=int(s["q05_rank"].iloc[wide]),
            hi=int(s["q95_rank"].iloc[wide]),
            nominal=int(s["nominal_rank"].iloc[wide]),
        ),
        leaders=[(label.iloc[i], float(share_first[ids.iloc[i]])) for i in leaders],
        tiers=bool(u.rubric.tiers),
        keep_tier=int((s["same_tier_share"] >= 0.95).sum()),
        shaky=label[s["same_tier_share"] < 2 / 3].tolist(),
    )


def _sentences_en(f: dict, word: str) -> list[str]:
    cfg, w = f["cfg"], OPTION_WORDS["en"]
    what = "each indicator's" if cfg["level"] == "indicator" else "each dimension's"
    choices = []
    if len(cfg["missing"]) > 1:
        choices.append("the missing-data policy (" + ", ".join(w[m] for m in cfg["missing"]) + ")")
    if len(cfg["aggregation"]) > 1:
        choices.append("the aggregation (" + ", ".join(w[a] for a in cfg["aggregation"]) + ")")
    lines = [
        f"{cfg['runs']:,} runs varied {what} points by ±{100 * cfg['weight_noise']:g}% "
        f"(rescaled to {_num(f['total_points'])} points)"
        + ("; each run also drew " + " and ".join(choices) if choices else "")
        + ".",
        f"{_pct(f['solid_share'])} of {word} ({f['solid']} of {f['n']}) stay within ±{f['within']} places "
        f"of their median rank in 90% of runs.",
    ]
    far = f["far"]
    sentence = f"The median rank equals the nominal rank for {_pct(f['same_share'])} of {word}"
    if far["gap"] > 0:
        places = f"{_num(far['gap'])} place" + ("" if far["gap"] == 1 else "s")
        sentence += f"; the largest gap is {places} ({far['name']}: nominal {far['nominal']}, median {far['median']})"
    lines.append(sentence + ".")
    wide = f["wide"]
    if wide["width"] > 0:
        lines.append(
            f"The widest 5–95% interval is {wide['name']}'s: places {wide['lo']}–{wide['hi']} "
            f"(nominal {wide['nominal']})."
        )
    if f["leaders"]:
        parts = ", ".join(f"{name} in {_pct(share)}" for name, share in f["leaders"])
        lines.append(f"Nominal first place: ranked first (ties included) {parts} of runs.")
    if f["tiers"]:
        sentence = f"{f['keep_tier']} of {f['n']} {word} keep their nominal tier in at least 95% of runs"
        shaky = f["shaky"]
        if shaky:
            more = f" and {len(shaky) - 5} more" if len(shaky) > 5 else ""
            sentence += f"; {len(shaky)} change tier in more than a third of runs ({', '.join(shaky[:5])}{more})"
        lines.append(sentence + ".")
    return lines


def _sentences_zh(f: dict, word: str) -> list[str]:
    cfg, w = f["cfg"], OPTION_WORDS["zh"]
    what = "各指标" if cfg["level"] == "indicator" else "各维度"
    choices = []
    if len(cfg["missing"]) > 1:
        choices.append("缺失值处理方式（" + "、".join(w[m] for m in cfg["missing"]) + "）")
    if len(cfg["aggregation"]) > 1:
        choices.append("汇总方式（" + "、".join(w[a] for a in cfg["aggregation"]) + "）")
    lines = [
        f"共模拟 {cfg['runs']:,} 次：每次将{what}分值在 ±{100 * cfg['weight_noise']:g}% 范围内随机浮动，"
        f"再按比例折算回总分 {_num(f['total_points'])} 分"
        + ("；每次还随机选定" + "和".join(choices) if choices else "")
        + "。",
        f"{_pct(f['solid_share'])}的{word}（{f['n']} 个中的 {f['solid']} 个）在 90% 的模拟中，"
        f"名次与其中位名次相差不超过 {f['within']} 位。",
    ]
    far = f["far"]
    sentence = f"中位名次与实际名次相同的{word}占 {_pct(f['same_share'])}"
    if far["gap"] > 0:
        sentence += f"；相差最多的是{far['name']}（实际第 {far['nominal']} 名，中位第 {far['median']} 名）"
    lines.append(sentence + "。")
    wide = f["wide"]
    if wide["width"] > 0:
        lines.append(
            f"名次区间（5%–95%）最宽的是{wide['name']}：第 {wide['lo']}–{wide['hi']} 名"
            f"（实际第 {wide['nominal']} 名）。"
        )
    if f["leaders"]:
        names = "、".join(name for name, _ in f["leaders"])
        shares = "、".join(_pct(share) for _, share in f["leaders"])
        if len(f["leaders"]) == 1:
            lines.append(f"实际第一的{names}在 {shares} 的模拟中排第一（含并列）。")
        else:
            lines.append(f"实际并列第一的{names}分别在 {shares} 的模拟中排第一（含并列）。")
    if f["tiers"]:
        sentence = f"{f['n']} 个{word}中有 {f['keep_tier']} 个在至少 95% 的模拟中保持实际等级"
        shaky = f["shaky"]
        if shaky:
            more = f"等 {len(shaky)} 个" if len(shaky) > 5 else ""
            sentence += f"；{'、'.join(shaky[:5])}{more}在超过三分之一的模拟中等级发生变化"
        lines.append(sentence + "。")
    return lines
