"""uncertainty() against a straightforward reference, run by run and unit by unit.

The Monte Carlo ranks whole chunks of runs at once (one sort per run, group ranks partitioned
from it, ties fixed up where they are), tiers them in place and summarises each unit's runs
in blocks. Here every run is ranked on its own with the engine's ``competition_rank``, tiered
with ``assign_tiers``, its totals rebuilt with the engine's ``rescale_base`` and
``finish_totals`` from the same matrix products, and every statistic taken with
``numpy.quantile``: on the sample data with copied units (totals that tie in every run),
disqualified units and missing values under each policy, every policy and aggregation drawn,
in small chunks on several threads (the runs of a chunk are then not consecutive) and with
ranking blocks smaller than a chunk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import civscore
import civscore.robustness.ranking as ranking_module
from civscore.robustness.simulation import CHUNK_ELEMENTS, build_model
from civscore.robustness.uncertainty import uncertainty
from civscore.scoring.ranks import competition_rank
from civscore.scoring.tiers import assign_tiers
from civscore.scoring.totals import finish_totals, rescale_base


@pytest.fixture(scope="module")
def rubric() -> civscore.Rubric:
    return civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")


@pytest.fixture(scope="module")
def data(rubric) -> pd.DataFrame:
    """The sample units, the first 12 copied under new ids (equal totals in every run), and
    missing values in indicators under the mean, exclude and zero policies."""
    sample = civscore.read_data(ROOT / "data" / "communities_2025.csv", rubric)
    sample.loc[[2, 9, 33], "健身设施完好率"] = np.nan  # missing: mean
    sample.loc[[4, 9, 40], "已加装电梯楼栋数"] = np.nan  # missing: exclude
    sample.loc[[5, 20], "文化活动场次"] = np.nan  # the rubric's missing: zero
    copies = sample.iloc[:12].copy()
    copies[rubric.unit.id_column] = copies[rubric.unit.id_column] + "B"
    return pd.concat([sample, copies], ignore_index=True)


def reference_stats(u: civscore.Uncertainty, rubric: civscore.Rubric) -> pd.DataFrame:
    """rank_stats from numpy.quantile (inverted_cdf for ranks, linear for totals), per unit."""
    unit = rubric.unit
    nominal = u.nominal.table.set_index(unit.id_column).loc[u.model.ids]
    ranks, totals, tiers = u.ranks.to_numpy(), u.totals.to_numpy(), u.tiers.to_numpy()
    stats = {
        unit.id_column: u.model.ids.to_numpy(),
        unit.name_column: nominal[unit.name_column].to_numpy(),
        "nominal_rank": nominal["rank"].to_numpy(),
        "median_rank": np.quantile(ranks, 0.5, axis=0, method="inverted_cdf"),
        "q05_rank": np.quantile(ranks, 0.05, axis=0, method="inverted_cdf"),
        "q95_rank": np.quantile(ranks, 0.95, axis=0, method="inverted_cdf"),
        "mean_rank": ranks.mean(axis=0),
        "best_rank": ranks.min(axis=0),
        "worst_rank": ranks.max(axis=0),
        "median_total": np.quantile(totals, 0.5, axis=0),
        "q05_total": np.quantile(totals, 0.05, axis=0),
        "q95_total": np.quantile(totals, 0.95, axis=0),
        "same_tier_share": (tiers == nominal["tier"].to_numpy()).mean(axis=0),
    }
    for g, frame in u.group_ranks.items():
        for name, q in (("median", 0.5), ("q05", 0.05), ("q95", 0.95)):
            stats[f"{name}_rank_in_{g}"] = np.quantile(frame.to_numpy(), q, axis=0, method="inverted_cdf")
    return pd.DataFrame(stats).set_index(unit.id_column)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(runs=61, chunk_runs=7, workers=2, missing=True, aggregation=True),
        dict(runs=40, chunk_runs=9, workers=3, missing=True, aggregation=True, level="dimension"),
        dict(runs=33, workers=1),
        dict(runs=25, chunk_runs=1, workers=2, aggregation=["geometric"]),
    ],
)
def test_every_run_and_statistic_matches_the_reference(data, rubric, kwargs, monkeypatch):
    monkeypatch.setattr(ranking_module, "BLOCK_ELEMENTS", 3 * len(data))  # 3 runs per ranking block
    u = uncertainty(data, rubric, seed=4, weight_noise=0.3, **kwargs)
    ids, groups = u.model.ids, u.nominal.table.set_index(rubric.unit.id_column).loc[u.model.ids, "街道"]
    disq = u.nominal.table.set_index(rubric.unit.id_column).loc[ids, "disqualified"].to_numpy()
    assert disq.any()
    totals = u.totals.to_numpy()
    # the copies tie with their originals in every run, and disqualified units trail
    copied = [ids.get_loc(i + "B") for i in ids if i + "B" in ids]
    originals = [ids.get_loc(i) for i in ids if i + "B" in ids]
    assert (totals[:, copied] == totals[:, originals]).all()
    for run in range(len(totals)):
        rank = competition_rank(totals[run], disq)
        np.testing.assert_array_equal(u.ranks.loc[run].to_numpy(), rank)
        within = competition_rank(totals[run], disq, groups.reset_index(drop=True))
        np.testing.assert_array_equal(u.group_ranks["街道"].loc[run].to_numpy(), within)
        np.testing.assert_array_equal(u.tiers.loc[run].to_numpy(), assign_tiers(totals[run], disq, rubric))
    got = u.rank_stats.set_index(rubric.unit.id_column)
    expected = reference_stats(u, rubric)
    for column in expected:
        np.testing.assert_array_equal(got.loc[expected.index, column].to_numpy(), expected[column].to_numpy(), column)
    assert got["nominal_rank"].is_monotonic_increasing


def test_arithmetic_totals_are_the_engines_to_the_bit(data, rubric):
    """Indicator-level arithmetic runs under each missing policy: the same matrix products,
    chunk by chunk, finished by the engine's own rescale_base and finish_totals."""
    policies = ["rubric", "zero", "mean", "exclude"]
    u = uncertainty(data, rubric, runs=300, seed=8, missing=policies, workers=2)
    model = build_model(data, rubric)
    weights = u.weights.to_numpy()
    drawn = u.choices["missing"].to_numpy()
    chunk = max(1, CHUNK_ELEMENTS // len(model.ids))
    for policy in policies:
        earned, bonus = model.earned(policy)
        applicable = model.applicable(policy)
        rows = np.flatnonzero(drawn == policy)
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            w = weights[part]
            E = (w / model.points) @ earned.T
            A = w.sum(axis=1, keepdims=True) if model.all_apply(policy) else w @ applicable.T
            base = rescale_base(E, A, rubric.total_points)
            expected = finish_totals(base, bonus, rubric, model.veto_matrix)["total"]
            np.testing.assert_array_equal(u.totals.to_numpy()[part], expected, strict=True)


# group codes of two 16-bit digits, of one, of 8 bits; long rows sorted a row at a time, short a block at a time
@pytest.mark.parametrize("n,groups", [(70_000, 68_000), (5_000, 300), (2_000, 7)])
def test_group_ranks_partitioned_from_the_overall_sort_match_the_engine(n, groups):
    """Two group columns ranked from one overall sort, with ties, against competition_rank,
    into ranks as wide as the Monte Carlo stores them (int32 past 32,767 units, else int16)."""
    rng = np.random.default_rng(3)
    totals = np.round(rng.uniform(0, 100, size=(3, n)), 2)  # many totals tie at 2 decimals
    disq = rng.random(n) < 0.05
    g1, g2 = rng.integers(0, groups, n), rng.integers(0, 3, n)
    rankings = [ranking_module.ranking(disq), ranking_module.ranking(disq, g1), ranking_module.ranking(disq, g2)]
    digits = rankings[1].group_digits
    assert digits is not None and [d.dtype.itemsize for d in digits] == (
        [2, 2] if groups > 65_536 else [1 + (groups > 256)]
    )
    outs = [np.empty(totals.shape, ranking_module.rank_dtype(n)) for _ in rankings]
    ranking_module.rank_runs(totals, rankings, outs)
    assert outs[0].max() > 32_767 if n > 32_767 else outs[0].dtype == np.int16
    for run in range(3):
        np.testing.assert_array_equal(outs[0][run], competition_rank(totals[run], disq))
        np.testing.assert_array_equal(outs[1][run], competition_rank(totals[run], disq, pd.Series(g1)))
        np.testing.assert_array_equal(outs[2][run], competition_rank(totals[run], disq, pd.Series(g2)))


def test_geometric_totals_are_the_weighted_geometric_mean_of_attainment(data, rubric):
    """Geometric runs under each missing policy against the formula written out plainly: shares
    A_d / A, attainment E_d / A_d floored at 1 %, a dimension with A_d = 0 left out, then the
    engine's finish_totals. Under ``exclude`` two units have a dimension that does not apply."""
    frame = data.copy()
    culture = ["文化活动场次", "健身设施完好率", "文化活动室面积(平方米)", "文艺团队数"]
    frame.loc[[6, 7], culture] = np.nan
    policies = ["rubric", "zero", "mean", "exclude"]
    u = uncertainty(frame, rubric, runs=80, seed=3, missing=policies, aggregation=["geometric"], workers=2)
    model = u.model
    drawn = u.choices["missing"].to_numpy()
    T = rubric.total_points
    for policy in policies:
        rows = np.flatnonzero(drawn == policy)
        w = u.weights.to_numpy()[rows]
        earned, bonus = model.earned(policy)
        applicable = model.applicable(policy)
        E = [(w[:, c] / model.points[c]) @ earned[:, c].T for c in model.dim_slices]
        A = [w[:, c] @ applicable[:, c].T for c in model.dim_slices]
        A_total = np.sum(A, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            log_mean = sum(
                np.where(A_d > 0, A_d / A_total, 0.0) * np.log(np.maximum(np.where(A_d > 0, E_d / A_d, 1.0), 0.01))
                for E_d, A_d in zip(E, A)
            )
        base = np.where(A_total > 0, T * np.exp(log_mean), 0.0)
        expected = finish_totals(base, bonus, rubric, model.veto_matrix)["total"]
        np.testing.assert_allclose(u.totals.to_numpy()[rows], expected, rtol=1e-12, atol=1e-12)
        if policy == "exclude":
            d = [dim.id for dim in rubric.dimensions].index("culture")
            positions = model.ids.get_indexer(frame.loc[[6, 7], rubric.unit.id_column])
            assert (A[d][:, positions] == 0).all() and (A_total[:, positions] > 0).all()


@pytest.mark.parametrize("n,dtype", [(1, np.int16), (32_767, np.int16), (32_768, np.int32)])
def test_ranks_are_stored_as_narrow_as_they_fit(n, dtype):
    assert ranking_module.rank_dtype(n) == dtype
    assert ranking_module.ranking(np.zeros(n, bool)).position_rank.dtype == dtype
