"""The simulation the robustness analyses share: a scored result's points re-weighted per run.

:func:`civscore.score` runs once, for the nominal result; each run is then a row of sampled
weights, and a run's earned points are ``earned_ij * w_j / P_j``, so the totals of a chunk of
runs are one matrix product (runs x indicators) @ (indicators x units). A runs x units x
indicators array is never built. Bonus, vetoes, tiers and ranks go through the engine's own
functions (:func:`~civscore.scoring.totals.finish_totals`, ...), exactly as in ``score()``.
:mod:`~civscore.robustness.uncertainty` and :mod:`~civscore.robustness.sensitivity` both run it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from civscore.parallel import shared_pool, thread_count, wait_all
from civscore.robustness.ranking import Ranking, ranking
from civscore.robustness.scratch import scratch
from civscore.rubric.model import Rubric
from civscore.scoring.engine import score
from civscore.scoring.missing import apply_missing
from civscore.scoring.scored import Scored
from civscore.scoring.totals import finish_totals, veto_effects
from civscore.words import say

MISSING_OPTIONS = ("rubric", "zero", "mean", "exclude")
AGGREGATIONS = ("arithmetic", "geometric")
# Geometric aggregation needs attainment > 0; a dimension with nothing earned counts as 1 %
# attainment (the usual small positive floor), so it drags the total down hard but not to 0.
GEOMETRIC_FLOOR = 0.01
# Runs x units elements per chunk: bounds the working memory of one chunk (2 MB per float64
# array; 26 runs of 10,000 units), so that a chunk's totals stay in cache on their way to the
# ranking. The Sobol analysis ran 25 % faster than with 2**20; uncertainty within noise.
CHUNK_ELEMENTS = 1 << 18


@dataclass
class Finishing:
    """What :func:`~civscore.scoring.totals.finish_totals` adds to and takes from every unit's
    base: the same in every run, so it is worked out once per analysis and applied in place."""

    bonus: np.ndarray  # (units,) the bonus after its cap
    deduct: np.ndarray  # (units,) points all triggered deductions take off
    cap: np.ndarray  # (units,) the smallest triggered cap, inf if none
    fail: np.ndarray  # (units,) bool: a fail veto fired

    def __post_init__(self) -> None:
        self.any_deduct = bool(self.deduct.any())
        self.capped = np.flatnonzero(np.isfinite(self.cap))

    def apply(self, base: np.ndarray) -> dict[str, np.ndarray]:
        """``finish_totals(base, ...)`` for runs x units ``base``, in place on ``base`` and to
        the same bits: total = min(max(base + bonus - deduct, 0), cap). Subtracting a zero
        deduction and taking the minimum with an infinite cap leave every value as it is, so
        only the units a deduction or cap reaches are touched (tests/test_uncertainty.py)."""
        base += self.bonus
        if self.any_deduct:
            base -= self.deduct
        np.maximum(base, 0.0, out=base)
        if len(self.capped):
            base[:, self.capped] = np.minimum(base[:, self.capped], self.cap[self.capped])
        return {"total": base, "disqualified": self.fail}


@dataclass
class Model:
    """Everything the runs share, derived from one :func:`civscore.score` call (or from one
    run's block of a score of stacked unit tables, see :mod:`~civscore.robustness.sampling`)."""

    rubric: Rubric
    nominal: Scored  # the scored result the arrays below come from
    ids: pd.Index
    points: np.ndarray  # (k,) base indicator points as written
    dim_codes: np.ndarray  # (k,) index of each base indicator's top-level dimension
    # (units x all indicators) True where the points are the missing policy's or 不适用's: a
    # missing value no closed gate set to 0 (a closed gate earns 0 whatever the policy), or 不适用
    unfilled: np.ndarray
    veto_matrix: np.ndarray
    nominal_rank: np.ndarray
    groups: dict[str, pd.Series]  # group column -> integer group code of each unit
    # (units x all indicators) the points and applicability under the rubric's own policies,
    # and where 不适用 left an indicator out
    rubric_points: np.ndarray
    rubric_applicable: np.ndarray
    not_applicable: np.ndarray
    # (dimensions,) the rubric's top-level dimension weights (contract section 9), None if unweighted
    dim_weights: np.ndarray | None = None
    _earned: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _applicable: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _all_apply: dict[str, bool] = field(default_factory=dict, repr=False)
    _each_applies: dict[str, bool] = field(default_factory=dict, repr=False)
    _dim_sums: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _rankings: dict[str | None, Ranking] = field(default_factory=dict, repr=False)
    _finishing: dict[str, Finishing] = field(default_factory=dict, repr=False)

    @cached_property
    def raw(self) -> np.ndarray:
        """Units x all indicators: the points before the missing policy, NaN where
        :attr:`unfilled`. Made when a run draws another missing policy than the rubric's."""
        # column by column (as the frame's points are laid out): the policies fill a column at
        # a time, and the runs' products read either layout
        raw = self.rubric_points.copy(order="F")
        raw[self.unfilled] = np.nan
        return raw

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

    def each_applies(self, policy: str) -> bool:
        """True when some base indicator applies to each unit under ``policy``: then every
        run's applicable points A are > 0 (positive weights of applicable indicators)."""
        self.earned(policy)
        return self._each_applies[policy]

    def dimension_sums(self, policy: str) -> tuple[np.ndarray, np.ndarray]:
        """Per unit and top-level dimension (units x dimensions): the earned points and the
        points of the applicable indicators, under a missing policy (see :meth:`earned`)."""
        if policy not in self._dim_sums:
            earned, applicable = self.earned(policy)[0], self.applicable(policy)
            E_dim = np.column_stack([earned[:, cols].sum(axis=1) for cols in self.dim_slices])
            A_dim = np.column_stack([applicable[:, cols] @ self.points[cols] for cols in self.dim_slices])
            self._dim_sums[policy] = (E_dim, A_dim)
        return self._dim_sums[policy]

    def ranking(self, group: str | None = None) -> Ranking:
        """How every run is ranked, overall or within a group column: the classes (group,
        disqualified) are the same in every run, since vetoes do not depend on the weights."""
        if group not in self._rankings:
            fail = veto_effects(self.veto_matrix, self.rubric)[2]
            codes = None if group is None else self.groups[group].to_numpy()
            self._rankings[group] = ranking(fail, codes)
        return self._rankings[group]

    def finishing(self, policy: str) -> Finishing:
        """The per-unit bonus and veto effects under a missing policy (the same in every run)."""
        if policy not in self._finishing:
            bonus = self.earned(policy)[1]
            # finish_totals on a single row gives the capped bonus, deductions, caps and fails
            # exactly as score() applies them; the runs then reuse them (see Finishing.apply)
            capped = finish_totals(np.zeros(len(self.ids)), bonus, self.rubric, self.veto_matrix)["bonus"]
            deduct, cap, fail = veto_effects(self.veto_matrix, self.rubric)
            self._finishing[policy] = Finishing(capped, deduct, cap, fail)
        return self._finishing[policy]

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

    def applicable(self, policy: str) -> np.ndarray:
        """Units x base indicators, 1.0 where the indicator is in the unit's base under
        ``policy`` and 0.0 where it is not: the runs' applicable points are ``w @ applicable.T``.
        Made on first use: a policy under which every indicator applies never needs it."""
        if policy not in self._applicable:
            self.earned(policy)
            self._applicable[policy] = self._earned[policy][2].astype(float)
        return self._applicable[policy]

    def earned(self, policy: str) -> tuple[np.ndarray, np.ndarray]:
        """(earned base points, earned bonus points) under a missing policy; which base
        indicators apply is :meth:`applicable`.

        ``"rubric"`` is the nominal result itself; any other policy replaces the policy of every
        indicator (indicators under ``missing: error`` have no missing values once validated).
        """
        if policy not in self._earned:
            k = self.n_base
            if policy == "rubric":
                earned, applicable = self.rubric_points, self.rubric_applicable
            else:
                earned, applicable, _ = apply_missing(
                    self.raw, [policy] * self.raw.shape[1], n_base=k, not_applicable=self.not_applicable
                )
            base_applies = applicable[:, :k]
            self._earned[policy] = (earned[:, :k], earned[:, k:], base_applies)
            self._all_apply[policy] = bool(base_applies.all())
            self._each_applies[policy] = bool(base_applies.any(axis=1).all())
        earned, bonus, _ = self._earned[policy]
        return earned, bonus


def build_model(
    data: pd.DataFrame,
    rubric: Rubric,
    previous: pd.DataFrame | None = None,
    records: Mapping[str, Any] | None = None,
    engine: str = "duckdb",
) -> Model:
    """Score ``data`` once (validating it, with its ``records`` if the rubric has record
    tables) and keep what the Monte Carlo runs need."""
    # the runs read every matrix of the nominal result: made in the scoring pass itself
    nominal = score(data, rubric, previous=previous, records=records, engine=engine, keep_matrices=True)
    return model_of(nominal, rubric, scored_arrays(nominal, rubric))


def scored_arrays(scored: Scored, rubric: Rubric) -> dict[str, np.ndarray]:
    """The matrices of a scored result a model reads, as NumPy arrays in the units' order."""
    ids = scored.points.index
    table = scored.table.set_index(rubric.unit.id_column).loc[ids].reset_index(drop=True)
    arrays = {
        "points": scored.points.to_numpy(dtype=float),
        "applicable": scored.applicable.to_numpy(dtype=bool),
        "not_applicable": scored.not_applicable.to_numpy(dtype=bool),
        "missing": scored.missing.to_numpy(dtype=bool),
        "gated": scored.gated.to_numpy(dtype=bool),
        "vetoes": scored.vetoes.to_numpy(dtype=bool),
        "rank": table["rank"].to_numpy(dtype=np.int64),
    }
    # factorised once (a missing value is a group of its own, as in score()), so that each
    # chunk's ranking does not factorise the text again
    for g in rubric.unit.group_columns:
        arrays[f"group:{g}"] = pd.factorize(table[g], use_na_sentinel=False)[0]
    return arrays


def model_of(
    scored: Scored,
    rubric: Rubric,
    arrays: dict[str, np.ndarray],
    rows: slice = slice(None),
    ids: pd.Index | None = None,
) -> Model:
    """The model of ``rows`` of a scored result (all of them by default), from its
    :func:`scored_arrays`; ``ids`` name those units (default: the scored result's ids)."""
    base = rubric.base_indicators()
    dim_ids = [d.id for d in rubric.dimensions]
    points = arrays["points"][rows]
    not_applicable = arrays["not_applicable"][rows]
    return Model(
        rubric=rubric,
        nominal=scored,
        ids=scored.points.index[rows] if ids is None else ids,
        points=np.array([ind.points for _, ind in base], dtype=float),
        dim_codes=np.array([dim_ids.index(path[0]) for path, _ in base], dtype=np.int64),
        unfilled=(arrays["missing"][rows] & ~arrays["gated"][rows]) | not_applicable,
        veto_matrix=arrays["vetoes"][rows],
        nominal_rank=arrays["rank"][rows],
        groups={g: pd.Series(arrays[f"group:{g}"][rows]) for g in rubric.unit.group_columns},
        rubric_points=points,
        rubric_applicable=arrays["applicable"][rows],
        not_applicable=not_applicable,
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
    out: np.ndarray | None = None,
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

    ``out`` (runs x units, C-contiguous), if given, receives every run's totals: the matrix
    products of consecutive runs are written straight into its rows, and ``consume`` gets
    views of them. Without it ``total`` is a per-thread scratch array, valid until ``consume``
    returns.
    """
    n_units = len(model.ids)
    chunk = chunk_runs or max(1, CHUNK_ELEMENTS // max(n_units, 1))
    factors = weights / model.points  # earned points scale with the weight: earned * w / P
    positive = bool((weights > 0).all())
    tasks = []
    per_dimension = model.dimension_factors(factors) if len(model.rubric.dimensions) < model.n_base else None
    for p, name in enumerate(policies):
        for a in range(len(AGGREGATIONS)):
            idx = np.flatnonzero((policy == p) & (aggregation == a))
            tasks += [(idx[start : start + chunk], name, a) for start in range(0, len(idx), chunk)]

    def prepare(name: str) -> None:
        """Fill a policy's caches before any chunk of it reads them."""
        model.earned(name)
        if not model.all_apply(name):
            model.applicable(name)
        model.finishing(name)
        if per_dimension is not None:
            model.dimension_sums(name)

    # each policy's points matrices (a few per policy, units x indicators) are made on the
    # pool ahead of the chunks when there is one, side by side instead of one after another;
    # dimension sums are BLAS products, made here as ever (outside the pool's BLAS limit)
    used = list(dict.fromkeys(name for _, name, _ in tasks))
    parallel_prepare = per_dimension is None and thread_count(workers) > 1 and len(tasks) > 1
    if not parallel_prepare:
        for name in used:
            prepare(name)
    elif any(name != "rubric" for name in used):
        model.raw  # noqa: B018  # made once here, not by each policy's preparation at once

    if model.dim_weights is not None and dimension_weights is None:
        dimension_weights = np.broadcast_to(model.dim_weights, (len(weights), len(model.dim_weights)))

    def run(task: tuple[np.ndarray, str, int]) -> None:
        rows, name, a = task
        target: np.ndarray | slice = rows
        if rows[-1] - rows[0] + 1 == len(rows):  # consecutive runs: views instead of copies
            target = slice(int(rows[0]), int(rows[-1]) + 1)
        earned = model.earned(name)[0]
        f, w = factors[target], weights[target]
        all_apply = model.all_apply(name)
        applicable = None if all_apply else model.applicable(name)
        dim_f = per_dimension[target] if per_dimension is not None else None
        dim_sums = model.dimension_sums(name) if dim_f is not None else None
        shape = (len(rows), n_units)
        # the same matrix products as ever (their shapes decide BLAS's order of addition, so
        # the chunks stay as they are), written into the rows the totals end up in
        in_out = out is not None and isinstance(target, slice)
        into = out[target] if out is not None and in_out else scratch.array("totals", shape)
        if dimension_weights is not None:
            W = dimension_weights[target]
            base = _weighted_base(model, earned, applicable, f, w, W, geometric=a == 1)
        elif a == 0:
            A_into = scratch.array("applicable", shape)
            if dim_f is not None and dim_sums is not None:
                E = np.matmul(dim_f, dim_sums[0].T, out=into)
                A = w.sum(axis=1, keepdims=True) if all_apply else np.matmul(dim_f, dim_sums[1].T, out=A_into)
            else:
                E = np.matmul(f, earned.T, out=into)
                A = w.sum(axis=1, keepdims=True) if applicable is None else np.matmul(w, applicable.T, out=A_into)
            base = _rescale_in_place(E, A, model.rubric.total_points, positive and model.each_applies(name))
        else:
            # A > 0 known beforehand when some indicator applies to every unit: no min() pass
            known = positive and model.each_applies(name)
            base = _geometric_base(model, earned, applicable, f, w, dim_f, dim_sums, into, known)
        totals = model.finishing(name).apply(base)
        if out is not None and not (in_out and base is into):
            out[target] = base
        consume(target, totals)

    workers = thread_count(workers)
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            run(task)
        return
    # The chunks already keep every core busy: BLAS threads on top of them only wait for
    # each other (OpenBLAS spins while it waits), which on the 2-core machines doubled the
    # CPU time of the matrix products and slowed the whole Monte Carlo by a third (issue 16).
    pool = shared_pool(workers)
    with threadpool_limits(limits=1, user_api="blas"):
        # submitted first, so started before any chunk waits for them: no worker waits on a
        # preparation that is still queued behind it
        ready = {name: pool.submit(prepare, name) for name in used} if parallel_prepare else {}

        def run_when_ready(task: tuple[np.ndarray, str, int]) -> None:
            if task[1] in ready:
                ready[task[1]].result()
            run(task)

        wait_all([*ready.values(), *(pool.submit(run_when_ready, task) for task in tasks)])


def _rescale_in_place(E: np.ndarray, A: np.ndarray, total_points: float, positive: bool = False) -> np.ndarray:
    """:func:`~civscore.scoring.totals.rescale_base` (E * total_points / A, 0 where A = 0)
    written into ``E``: the same operations in the same order, without two runs x units
    temporaries per chunk. ``positive``: the caller knows every A > 0; else ``A.min() > 0`` is
    the engine's ``all(A > 0)`` (NaN fails both) without a boolean array."""
    np.multiply(E, total_points, out=E)
    if positive or A.min() > 0:
        return np.divide(E, A, out=E)
    with np.errstate(invalid="ignore", divide="ignore"):
        present = A > 0
        np.divide(E, np.where(present, A, 1.0), out=E)
    np.copyto(E, 0.0, where=~present)
    return E


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
    out: np.ndarray | None = None,
    positive: bool = False,
) -> np.ndarray:
    """total_points x the geometric mean of dimension attainment, weighted by applicable points.

    With attainment a_d = E_d / A_d and shares A_d / A this is the geometric counterpart of the
    arithmetic base E * T / A = T * sum_d (A_d / A) a_d: T * exp(sum_d A_d log a_d / A), a_d
    floored at :data:`GEOMETRIC_FLOOR`, a dimension with A_d = 0 left out and a unit with A = 0
    at 0, as score() does. ``applicable`` None means every indicator applies to every unit, so
    A_d is one number per run. ``dim_f`` and ``dim_sums`` (see :meth:`Model.dimension_factors`)
    give E_d and A_d as outer products. Written into ``out`` (runs x units) when given.
    ``positive``: the caller knows every A > 0.

    One dimension at a time, in this thread's scratch arrays, and with A_d multiplied in rather
    than each share A_d / A divided out: four runs x units arrays instead of one per dimension
    and a pass less per dimension (issue 16).
    """
    shape = (len(f), len(model.ids))
    by_dimension = dim_f is not None and dim_sums is not None
    A_shape = (len(f), 1 if applicable is None else len(model.ids))
    A_total = scratch.array("A", A_shape)
    A_total.fill(0.0)
    A_d = scratch.array("A_d", A_shape)
    E_d = scratch.array("E_d", shape)
    log_sum = np.zeros(shape) if out is None else out
    if out is not None:
        log_sum.fill(0.0)
    # earned points need applicable ones, so A_d = 0 means E_d = 0: 0 / 0 is NaN, which fmax
    # turns into the floor, and times A_d = 0 the dimension adds nothing
    with np.errstate(invalid="ignore", divide="ignore"):
        for d, cols in enumerate(model.dim_slices):  # slices are views: no copy of the points matrix
            if applicable is None:
                np.sum(w[:, cols], axis=1, keepdims=True, out=A_d)
            elif by_dimension:
                assert dim_f is not None and dim_sums is not None
                np.multiply(dim_f[:, d : d + 1], dim_sums[1][:, d], out=A_d)
            else:
                np.matmul(w[:, cols], applicable[:, cols].T, out=A_d)
            A_total += A_d
            if by_dimension:
                assert dim_f is not None and dim_sums is not None
                np.multiply(dim_f[:, d : d + 1], dim_sums[0][:, d], out=E_d)
            else:
                np.matmul(f[:, cols], earned[:, cols].T, out=E_d)
            np.divide(E_d, A_d, out=E_d)
            np.fmax(E_d, GEOMETRIC_FLOOR, out=E_d)
            np.log(E_d, out=E_d)
            E_d *= A_d
            log_sum += E_d
        # NaN-free: sums of non-negative points
        some_total = None if positive or A_total.min() > 0 else A_total > 0
        log_sum /= A_total  # A = 0: 0 / 0, set to 0 below
        np.exp(log_sum, out=log_sum)
    log_sum *= model.rubric.total_points
    if some_total is not None:
        np.copyto(log_sum, 0.0, where=~some_total)  # A = 0: base 0, as score()
    return log_sum


def choice_options(
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
        raise ValueError(
            say(
                f"{name} 的选项只能取自 {'、'.join(allowed)}；给出的是 {list(given)!r}",
                f"{name} choices must come from {', '.join(allowed)}; got {list(given)!r}",
            )
        )
    return chosen
