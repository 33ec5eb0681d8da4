"""Monte Carlo of the ranking: zero-noise collapse, seeding, rescaling, agreement with score()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, frame, make_rubric

import civscore
import civscore.robustness.ranking as ranking_module
from civscore.robustness import rowsort
from civscore.robustness.ranking import mean_abs_shift, rank_runs, ranking
from civscore.robustness.simulation import GEOMETRIC_FLOOR, _rescale_in_place, build_model
from civscore.robustness.uncertainty import uncertainty
from civscore.rubric.model import is_close
from civscore.scoring.ranks import competition_rank
from civscore.scoring.tiers import assign_tiers, tier_codes
from civscore.scoring.totals import finish_totals, rescale_base
from civscore.words import using_language


@pytest.fixture(scope="module")
def rubric() -> civscore.Rubric:
    return civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")


@pytest.fixture(scope="module")
def data(rubric) -> pd.DataFrame:
    return civscore.read_data(ROOT / "data" / "communities_2025.csv", rubric)


@pytest.fixture(scope="module")
def nominal(data, rubric) -> pd.DataFrame:
    return civscore.score(data, rubric).table.set_index(rubric.unit.id_column)


@pytest.fixture(scope="module")
def mc(data, rubric):
    return uncertainty(data, rubric, runs=200, weight_noise=0.25, seed=7)


# ---------------------------------------------------------------------------------------------
# weight_noise=0: every run is the nominal ranking


@pytest.mark.parametrize("level", ["indicator", "dimension"])
def test_zero_noise_collapses_every_interval_to_the_nominal_rank(data, rubric, nominal, level):
    u = uncertainty(data, rubric, runs=30, weight_noise=0, seed=1, level=level)
    s = u.rank_stats.set_index(rubric.unit.id_column)
    expected = nominal.loc[s.index, "rank"]
    for col in ["median_rank", "q05_rank", "q95_rank", "best_rank", "worst_rank", "nominal_rank"]:
        assert (s[col] == expected).all(), col
    assert (s["interval"] == 0).all()
    assert (s["same_tier_share"] == 1).all()
    ranks = u.ranks[nominal.index]
    assert (ranks.to_numpy() == nominal["rank"].to_numpy()).all()
    np.testing.assert_allclose(
        u.totals[nominal.index].to_numpy(), np.broadcast_to(nominal["total"], (30, len(nominal))), atol=1e-9
    )
    assert (u.group_ranks["街道"][nominal.index].to_numpy() == nominal["rank_in_街道"].to_numpy()).all()
    assert (u.tiers[nominal.index].to_numpy() == nominal["tier"].to_numpy()).all()


def test_zero_noise_summary_says_every_unit_stays_put(data, rubric):
    u = uncertainty(data, rubric, runs=10, weight_noise=0)
    lines = u.summary("en", "communities")
    n = len(data)
    assert f"100% of communities ({n} of {n}) stay within ±2 places" in lines[1]
    assert "median rank equals the nominal rank for 100% of communities." in lines[2]
    zh = u.summary(unit_word="社区")
    assert zh[1].startswith(f"100%的社区（{n} 个中的 {n} 个）在 90% 的模拟中")


# ---------------------------------------------------------------------------------------------
# seeding


def test_same_seed_gives_an_identical_result(data, rubric):
    kw = dict(runs=60, weight_noise=0.3, missing=True, aggregation=True, level="dimension")
    a = uncertainty(data, rubric, seed=11, **kw)
    b = uncertainty(data, rubric, seed=11, **kw)
    pd.testing.assert_frame_equal(a.weights, b.weights, check_exact=True)
    pd.testing.assert_frame_equal(a.totals, b.totals, check_exact=True)
    pd.testing.assert_frame_equal(a.choices, b.choices)
    pd.testing.assert_frame_equal(a.rank_stats, b.rank_stats, check_exact=True)


def test_different_seeds_give_different_samples(data, rubric):
    a = uncertainty(data, rubric, runs=60, seed=1)
    b = uncertainty(data, rubric, runs=60, seed=2)
    assert not np.allclose(a.weights.to_numpy(), b.weights.to_numpy())
    assert not (a.ranks.to_numpy() == b.ranks.to_numpy()).all()


def test_chunking_does_not_change_the_result(data, rubric):
    kw = dict(runs=50, seed=5, missing=["rubric", "zero"], aggregation=True)
    whole = uncertainty(data, rubric, **kw)
    chunked = uncertainty(data, rubric, chunk_runs=7, **kw)
    # BLAS may add up a product of another shape in another order: equal to the last bits or so
    np.testing.assert_allclose(whole.totals.to_numpy(), chunked.totals.to_numpy(), rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(whole.ranks, chunked.ranks, check_exact=True)
    # chunks on several threads each write their own runs: the same chunks give the same bits
    threaded = uncertainty(data, rubric, chunk_runs=7, workers=3, **kw)
    serial = uncertainty(data, rubric, chunk_runs=7, workers=1, **kw)
    pd.testing.assert_frame_equal(threaded.totals, serial.totals, check_exact=True)
    pd.testing.assert_frame_equal(threaded.rank_stats, serial.rank_stats, check_exact=True)


# ---------------------------------------------------------------------------------------------
# weights


@pytest.mark.parametrize("level", ["indicator", "dimension"])
def test_sampled_weights_add_up_to_total_points_and_stay_in_range(data, rubric, level):
    noise = 0.25
    u = uncertainty(data, rubric, runs=300, weight_noise=noise, seed=3, level=level)
    w = u.weights.to_numpy()
    points = np.array([ind.points for _, ind in rubric.base_indicators()])
    np.testing.assert_allclose(w.sum(axis=1), rubric.total_points, rtol=1e-12)
    ratio = w / points  # the common rescaling factor cancels in max/min
    spread = ratio.max(axis=1) / ratio.min(axis=1)
    assert (spread <= (1 + noise) / (1 - noise) + 1e-12).all()
    assert (spread > 1.05).any()  # the noise does reach the weights
    if level == "dimension":
        dims = [path[0] for path, _ in rubric.base_indicators()]
        for d in set(dims):
            cols = [j for j, x in enumerate(dims) if x == d]
            assert np.allclose(ratio[:, cols], ratio[:, cols[:1]])


# ---------------------------------------------------------------------------------------------
# one perturbed run == score() on the rubric edited to that run's points


def scaled_rubric(rubric: civscore.Rubric, points: dict[str, float]) -> civscore.Rubric:
    """``rubric`` with new base points; every point value of an indicator scales with them.

    Round-tripped through the loader, which checks that the points still add up to
    total_points and that band / map points stay within [0, points].
    """
    edited = rubric.model_copy(deep=True)
    for _, ind in edited.base_indicators():
        f = points[ind.id] / ind.points
        ind.points *= f  # the same product as every other point value, so map/bands stay <= points
        if ind.bands:
            for band in ind.bands:
                band.points *= f
        if ind.otherwise is not None:
            ind.otherwise *= f
        if ind.map:
            ind.map = {k: v * f for k, v in ind.map.items()}
        if ind.per_item is not None:  # count: min(P, d v); deduction: max(0, P - d v)
            ind.per_item *= f
    assert is_close(sum(ind.points for _, ind in edited.base_indicators()), edited.total_points)
    text = yaml.safe_dump(edited.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False)
    return civscore.parse_rubric_text(text, "edited.yaml")


@pytest.mark.parametrize(
    "rubric_file,data_file",
    [
        ("civilized-community-2025.yaml", "communities_2025.csv"),
        ("safe-compound-2025.yaml", "compounds_2025.csv"),
    ],
)
def test_a_perturbed_run_agrees_with_score_on_the_edited_rubric(rubric_file, data_file):
    rub = civscore.load_rubric(ROOT / "rubrics" / rubric_file)
    data = civscore.read_data(ROOT / "data" / data_file, rub)
    u = uncertainty(data, rub, runs=4, weight_noise=0.4, seed=9)
    id_col = rub.unit.id_column
    for run in range(4):
        edited = scaled_rubric(rub, u.weights.loc[run].to_dict())
        table = civscore.score(data, edited).table.set_index(id_col)
        ids = table.index
        np.testing.assert_allclose(u.totals.loc[run, ids].to_numpy(), table["total"].to_numpy(), atol=1e-9)
        assert (u.ranks.loc[run, ids].to_numpy() == table["rank"].to_numpy()).all()
        assert (u.tiers.loc[run, ids].to_numpy() == table["tier"].to_numpy()).all()
        for g in rub.unit.group_columns:
            assert (u.group_ranks[g].loc[run, ids].to_numpy() == table[f"rank_in_{g}"].to_numpy()).all()


def test_a_run_with_another_missing_policy_agrees_with_score(data, rubric):
    u = uncertainty(data, rubric, runs=3, weight_noise=0, missing=["zero"])
    edited = rubric.model_copy(deep=True)
    edited.missing = "zero"
    for ind in edited.iter_indicators():
        if ind.missing != "error":
            ind.missing = None
    table = civscore.score(data, edited).table.set_index(rubric.unit.id_column)
    np.testing.assert_allclose(u.totals.loc[0, table.index].to_numpy(), table["total"].to_numpy(), atol=1e-9)
    assert (u.ranks.loc[2, table.index].to_numpy() == table["rank"].to_numpy()).all()


# ---------------------------------------------------------------------------------------------
# geometric aggregation


GEO = """\
    total_points: 10
    dimensions:
      - id: a
        name: A
        indicators:
          - {id: x, name: X, value: x, method: linear, zero: 0, full: 1, points: 6}
      - id: b
        name: B
        indicators:
          - {id: y, name: Y, value: y, method: linear, zero: 0, full: 1, points: 4}
"""


def test_geometric_aggregation_is_the_weighted_geometric_mean_of_attainment():
    rub = make_rubric(GEO)
    df = frame(x=[1.0, 0.5, 0.8, 0.0], y=[0.25, 0.5, 0.8, 1.0])
    geo = uncertainty(df, rub, runs=2, weight_noise=0, aggregation=["geometric"]).totals.loc[0].to_numpy()
    x, y = df["x"].to_numpy(), df["y"].to_numpy()
    expected = 10 * np.maximum(x, GEOMETRIC_FLOOR) ** 0.6 * np.maximum(y, GEOMETRIC_FLOOR) ** 0.4
    np.testing.assert_allclose(geo, expected, rtol=1e-12)
    arith = civscore.score(df, rub).table.set_index("uid").loc[df["uid"], "total"].to_numpy()
    assert (geo <= arith + 1e-12).all()  # AM-GM: geometric never exceeds arithmetic
    np.testing.assert_allclose(geo[[1, 2]], arith[[1, 2]])  # equal attainment: both agree


def test_geometric_aggregation_leaves_out_a_dimension_that_does_not_apply():
    rub = make_rubric(GEO.replace("points: 4}", "points: 4, missing: exclude}"))
    df = frame(x=[0.5, 0.5, 0.0], y=[None, 0.8, None])
    geo = uncertainty(df, rub, runs=1, weight_noise=0, aggregation=["geometric"]).totals.loc[0].to_numpy()
    # u1: only dimension a applies, so its attainment alone is the geometric mean; u3 earns 0
    np.testing.assert_allclose(geo, [10 * 0.5, 10 * 0.5**0.6 * 0.8**0.4, 10 * GEOMETRIC_FLOOR], rtol=1e-12)


def test_geometric_aggregation_gives_0_where_nothing_applies():
    rub = make_rubric(
        GEO.replace("points: 6}", "points: 6, missing: exclude}").replace("points: 4}", "points: 4, missing: exclude}")
    )
    df = frame(x=[0.5, None, None], y=[None, 0.8, None])
    geo = uncertainty(df, rub, runs=3, aggregation=["geometric"]).totals.to_numpy()
    np.testing.assert_allclose(geo[:, :2], [[5.0, 8.0]] * 3, rtol=1e-12)  # one dimension each: its attainment
    assert (geo[:, 2] == 0).all() and not np.signbit(geo[:, 2]).any()


def test_opt_in_choices_are_drawn_per_run(data, rubric):
    u = uncertainty(data, rubric, runs=400, missing=True, aggregation=True, seed=2)
    assert set(u.choices["missing"]) == {"rubric", "zero", "mean", "exclude"}
    assert set(u.choices["aggregation"]) == {"arithmetic", "geometric"}
    default = uncertainty(data, rubric, runs=400, seed=2)
    assert set(default.choices["missing"]) == {"rubric"} and set(default.choices["aggregation"]) == {"arithmetic"}
    # the weights a seed gives do not depend on which choices are opted in
    pd.testing.assert_frame_equal(u.weights, default.weights, check_exact=True)


# ---------------------------------------------------------------------------------------------
# statistics


def test_rank_stats_are_the_quantiles_of_the_simulated_ranks(mc, rubric):
    s = mc.rank_stats.set_index(rubric.unit.id_column)
    ranks = mc.ranks
    for uid in s.index[::7]:
        col = np.sort(ranks[uid].to_numpy())
        n = len(col)
        assert s.loc[uid, "median_rank"] == col[int(np.ceil(0.5 * n)) - 1]
        assert s.loc[uid, "q05_rank"] == col[int(np.ceil(0.05 * n)) - 1]
        assert s.loc[uid, "q95_rank"] == col[int(np.ceil(0.95 * n)) - 1]
        assert s.loc[uid, "best_rank"] == col[0] and s.loc[uid, "worst_rank"] == col[-1]
    assert (s["q05_rank"] <= s["median_rank"]).all() and (s["median_rank"] <= s["q95_rank"]).all()
    assert mc.rank_stats["nominal_rank"].is_monotonic_increasing
    shares = mc.tier_shares
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_summary_fraction_matches_the_rank_stats(mc):
    s = mc.rank_stats
    inside = ((s["q05_rank"] >= s["median_rank"] - 3) & (s["q95_rank"] <= s["median_rank"] + 3)).sum()
    line = mc.summary("en", "communities", within=3)[1]
    assert line.startswith(f"{100 * inside / len(s):.0f}% of communities ({inside} of {len(s)}) stay within ±3 places")


def test_disqualified_units_rank_below_all_others_in_every_run(mc, nominal):
    failed = nominal.index[nominal["disqualified"]]
    assert len(failed)
    others = nominal.index[~nominal["disqualified"]]
    assert (mc.ranks[failed].min(axis=1) > mc.ranks[others].max(axis=1)).all()
    assert (mc.tiers[failed] == "不达标").all().all()


# ---------------------------------------------------------------------------------------------
# batched engine helpers against a brute-force definition


def brute_rank(total, disq, groups):
    key = np.round(total, 9)
    n = len(key)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        same = groups == groups[i]
        better = same & ((~disq & disq[i]) | ((disq == disq[i]) & (key > key[i])))
        out[i] = 1 + better.sum()
    return out


@pytest.mark.parametrize("scale", [1.0, 1e7])  # 1e7: too wide for the packed integer sort
def test_batched_competition_rank_matches_the_definition(scale):
    rng = np.random.default_rng(0)
    for _ in range(30):
        n = int(rng.integers(1, 30))
        totals = (rng.integers(0, 5, size=(6, n)) + rng.choice([0.0, 1e-11, 0.5], size=(6, n))) * scale
        disq = rng.random(n) < 0.25
        groups = rng.choice(["a", "b", "c"], size=n)
        batch = competition_rank(totals, disq, pd.Series(groups))
        plain = competition_rank(totals, disq)
        for r in range(6):
            assert (batch[r] == brute_rank(totals[r], disq, groups)).all()
            assert (plain[r] == brute_rank(totals[r], disq, np.zeros(n))).all()
            assert (competition_rank(totals[r], disq) == plain[r]).all()


# 1: keys built in float64; 1e5: too wide for that, built as integers; 1e7: the generic fall-back
@pytest.mark.parametrize("scale", [1.0, 1e5, 1e7])
@pytest.mark.parametrize("block", [1, 7, 1 << 17])  # rows per block: one run, a few, all
# each way of sorting the rows of keys, and the group codes sorted a row at a time (as for long rows)
@pytest.mark.parametrize("sort", ["quick", "bucketed"])
def test_run_ranking_matches_the_definition(scale, block, sort, monkeypatch):
    monkeypatch.setattr(ranking_module, "BLOCK_ELEMENTS", block)
    monkeypatch.setattr(rowsort, "METHOD", sort)
    monkeypatch.setattr(rowsort, "MIN_LENGTH", 1 if sort == "bucketed" else rowsort.MIN_LENGTH)
    rng = np.random.default_rng(2)
    for _ in range(30):
        n = int(rng.integers(1, 30))
        totals = (rng.integers(0, 5, size=(6, n)) + rng.choice([0.0, 1e-11, 0.5], size=(6, n))) * scale
        disq = rng.random(n) < 0.25
        groups = rng.integers(0, 3, size=n)
        plain, within = np.empty((2, 6, n), dtype=np.int32)
        rank_runs(totals, [ranking(disq), ranking(disq, groups)], [plain, within])
        nominal = rng.integers(1, n + 1, size=n)
        shift = mean_abs_shift(totals, ranking(disq), nominal)
        for r in range(6):
            assert (plain[r] == brute_rank(totals[r], disq, np.zeros(n))).all()
            assert (within[r] == brute_rank(totals[r], disq, groups)).all()
            assert shift[r] == np.abs(brute_rank(totals[r], disq, np.zeros(n)) - nominal).mean()


def test_runs_are_finished_in_place_to_the_bits_of_the_engine(data, rubric):
    """Finishing.apply and _rescale_in_place are finish_totals and rescale_base done in place."""
    model = build_model(data, rubric)
    assert model.veto_matrix.any()  # the sample rubric's vetoes fire: deductions, caps, fails
    rng = np.random.default_rng(5)
    n = len(model.ids)
    for policy in ("rubric", "zero", "mean", "exclude"):
        earned_bonus = model.earned(policy)[1]
        base = rng.uniform(-5, 100, size=(9, n))
        base[0, :3] = [np.nan, 0.0, -0.0]
        expected = finish_totals(base.copy(), earned_bonus, rubric, model.veto_matrix)
        got = model.finishing(policy).apply(base.copy())
        np.testing.assert_array_equal(got["total"], expected["total"], strict=True)
        np.testing.assert_array_equal(got["disqualified"], expected["disqualified"], strict=True)
        assert np.array_equal(np.signbit(got["total"]), np.signbit(expected["total"]))
    E = rng.uniform(0, 80, size=(9, n))
    for A in (rng.uniform(1, 100, size=(9, n)), rng.choice([0.0, 3.0, 97.5], size=(9, n)), np.full((9, 1), 60.0)):
        np.testing.assert_array_equal(_rescale_in_place(E.copy(), A, 100.0), rescale_base(E, A, 100.0), strict=True)


def test_batched_tier_codes_match_assign_tiers(rubric):
    rng = np.random.default_rng(1)
    totals = rng.uniform(50, 100, size=(5, 40))
    totals[:, :4] = [90 - 1e-10, 80, 60 - 2e-9, 59.9]
    disq = rng.random(40) < 0.2
    names = np.array([t.name for t in rubric.tiers] + [""], dtype=object)
    codes = tier_codes(totals, disq, rubric)
    for r in range(5):
        assert (names[codes[r]] == assign_tiers(totals[r], disq, rubric)).all()
    assert tier_codes(np.array([np.nan, 95.0]), np.zeros(2, bool), rubric).tolist() == [-1, 0]


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(runs=0), "runs must be a whole number >= 1"),
        (dict(runs=2.5), "runs must be a whole number"),
        (dict(weight_noise=1.0), "weight_noise must be in [0, 1)"),
        (dict(weight_noise=-0.1), "weight_noise must be in [0, 1)"),
        (dict(weight_noise="a lot"), "weight_noise must be a number"),
        (dict(level="street"), "level must be one of indicator, dimension"),
        (dict(missing=["zero", "guess"]), "missing choices must come from rubric, zero, mean, exclude"),
        (dict(aggregation="harmonic"), "aggregation choices must come from arithmetic, geometric"),
    ],
)
def test_bad_arguments_say_what_is_wrong(data, rubric, kwargs, message):
    with using_language("en"), pytest.raises(ValueError) as exc:
        uncertainty(data, rubric, **kwargs)
    assert message in str(exc.value)


def test_bad_arguments_are_chinese_by_default(data, rubric):
    with pytest.raises(ValueError, match=r"runs 必须是不小于 1 的整数，不能是 0"):
        uncertainty(data, rubric, runs=0)


def test_invalid_data_raises_the_validation_report(rubric):
    broken = civscore.read_data(ROOT / "data" / "communities_2025_broken.csv", rubric)
    with pytest.raises(civscore.ValidationError):
        uncertainty(broken, rubric, runs=5)


# ---------------------------------------------------------------------------------------------
# charts


def test_rank_interval_chart_has_one_bar_per_unit_in_nominal_order(mc, rubric):
    from civscore.plots.robustness import rank_intervals

    fig = rank_intervals(mc)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == mc.rank_stats[rubric.unit.name_column].tolist()
    assert len(ax.collections[0].get_segments()) == len(mc.rank_stats)
    fig.clear()


def test_ranks_are_read_as_int32_whatever_width_they_are_stored_in(data, rubric):
    u = uncertainty(data, rubric, runs=20, seed=1)
    assert u.runs.rank.dtype == np.int16  # stored narrow: the sample has 60 units
    assert set(u.ranks.dtypes) == {np.dtype(np.int32)}
    assert all(set(frame.dtypes) == {np.dtype(np.int32)} for frame in u.group_ranks.values())
    squared = (u.ranks - 300) ** 2  # would wrap around in int16
    assert (squared.to_numpy() >= 0).all()
