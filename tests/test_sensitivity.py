"""Sobol indices of the mean absolute rank shift: cases with a known answer, seeding, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, frame, make_rubric

import civscore
from civscore.robustness.sensitivity import sensitivity
from civscore.words import using_language

# Three dimensions; in `flat` every unit earns the same points. Scaling one dimension's weight
# adds the same amount to every total and rescaling to total_points multiplies every total by
# the same factor: neither moves a rank, so the ranking cannot depend on the weight of `flat`.
THREE = """\
    total_points: 30
    dimensions:
      - id: flat
        name: 平
        indicators:
          - {id: f, name: F, value: f, method: linear, zero: 0, full: 1, points: 10}
      - id: big
        name: 大
        indicators:
          - {id: b, name: B, value: b, method: linear, zero: 0, full: 1, points: 10}
      - id: small
        name: 小
        indicators:
          - {id: s, name: S, value: s, method: linear, zero: 0, full: 1, points: 10}
"""


@pytest.fixture(scope="module")
def three() -> tuple[civscore.Rubric, pd.DataFrame]:
    rng = np.random.default_rng(4)
    n = 40
    df = frame(f=np.full(n, 0.6), b=rng.uniform(0, 1, n), s=rng.uniform(0.45, 0.55, n))
    return make_rubric(THREE), df


def by_factor(result) -> pd.DataFrame:
    return result.indices.set_index("factor")


def test_a_dimension_with_no_spread_across_units_has_index_zero(three):
    rub, df = three
    idx = by_factor(sensitivity(df, rub, samples=256, weight_noise=0.3, seed=1))
    assert abs(idx.loc["weight:flat", "S1"]) < 1e-9
    assert abs(idx.loc["weight:flat", "ST"]) < 1e-9
    # the dimensions that do separate the units carry the variance between them
    assert idx.loc["weight:big", "ST"] > 0.2 and idx.loc["weight:small", "ST"] > 0.2
    assert (idx[["S1_conf", "ST_conf"]] >= 0).all().all()


def test_a_choice_that_changes_nothing_has_index_zero(three):
    rub, df = three  # no missing values: the missing-data policy cannot matter
    idx = by_factor(sensitivity(df, rub, samples=128, weight_noise=0.3, seed=2, missing=True))
    assert abs(idx.loc["missing", "S1"]) < 1e-9 and abs(idx.loc["missing", "ST"]) < 1e-9
    assert idx.loc["weight:big", "ST"] > 0.2


def test_aggregation_is_the_only_driver_when_weights_cannot_reorder_units():
    rub = make_rubric(THREE)
    # Nominal (arithmetic) order u3 21 > u4 20 > u2 16.5 > u1 15 > u5 6, with margins that no
    # ±5% weight change can close. Geometric aggregation punishes u2's near-empty dimension
    # (30 * (1 * 0.05 * 0.6)^(1/3) = 9.3) and swaps it with u1: only the aggregation matters.
    df = frame(
        f=[0.5, 1.0, 0.7, 0.9, 0.2],
        b=[0.5, 0.05, 0.7, 0.2, 0.2],
        s=[0.5, 0.6, 0.7, 0.9, 0.2],
    )
    res = sensitivity(df, rub, samples=128, weight_noise=0.05, seed=3, aggregation=True)
    assert set(res.outputs.round(12)) == {0.0, 0.4}  # nominal order, or u1 and u2 swapped
    idx = by_factor(res)
    assert idx.loc["aggregation", "S1"] > 0.95 and idx.loc["aggregation", "ST"] > 0.95
    weights = idx.drop(index="aggregation")
    assert (weights["ST"].abs() < 1e-9).all() and (weights["S1"].abs() < 1e-9).all()
    assert "aggregation drives the spread most" in " ".join(res.summary("en"))
    assert "对名次波动影响最大的是汇总方式" in " ".join(res.summary())
    with using_language("en"):  # the default follows the message language (CIVSCORE_LANG / --lang)
        assert res.summary() == res.summary("en")


def test_a_ranking_that_never_moves_has_all_indices_zero():
    rub = make_rubric(THREE)
    df = frame(f=[0.5, 0.5], b=[0.5, 0.5], s=[0.5, 0.5])  # a tie that no weight can break
    res = sensitivity(df, rub, samples=64, seed=0)
    assert (res.outputs == 0).all()
    assert (res.indices[["S1", "S1_conf", "ST", "ST_conf"]] == 0).all().all()
    assert "No factor changes the ranking" in " ".join(res.summary("en"))


def test_the_sample_has_n_times_factors_plus_two_runs_and_the_seed_fixes_it(three):
    rub, df = three
    a = sensitivity(df, rub, samples=64, seed=0, aggregation=True)
    np.random.seed(123)  # seed 0 must not fall back on NumPy's global random state
    b = sensitivity(df, rub, samples=64, seed=0, aggregation=True)
    c = sensitivity(df, rub, samples=64, seed=6, aggregation=True)
    assert a.samples.shape == (64 * (4 + 2), 4)
    assert list(a.samples.columns) == ["weight:flat", "weight:big", "weight:small", "aggregation"]
    pd.testing.assert_frame_equal(a.indices, b.indices, check_exact=True)
    pd.testing.assert_series_equal(a.outputs, b.outputs, check_exact=True)
    assert not np.allclose(a.samples.to_numpy(), c.samples.to_numpy())
    assert a.samples.iloc[:, :3].min().min() >= 0.75 and a.samples.iloc[:, :3].max().max() <= 1.25


def test_outputs_are_the_mean_absolute_rank_shift_of_each_run(three):
    rub, df = three
    res = sensitivity(df, rub, samples=8, weight_noise=0.3, seed=0)
    nominal = civscore.score(df, rub).table.set_index("uid")["rank"]
    for run in [0, 5, 17]:
        u = res.samples.loc[run]
        edited = rub.model_copy(deep=True)
        points = {"f": 10 * u["weight:flat"], "b": 10 * u["weight:big"], "s": 10 * u["weight:small"]}
        scale = 30 / sum(points.values())
        for _, ind in edited.base_indicators():
            ind.points = points[ind.id] * scale
        ranks = civscore.score(df, edited).table.set_index("uid")["rank"]
        shift = (ranks - nominal.loc[ranks.index]).abs().mean()
        assert res.outputs.loc[run] == pytest.approx(shift, abs=1e-12)


def test_sample_data_summary_and_chart():
    rub = civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")
    data = civscore.read_data(ROOT / "data" / "communities_2025.csv", rub)
    res = sensitivity(data, rub, samples=64, seed=0, missing=True)
    assert len(res.indices) == len(rub.dimensions) + 1
    lines = res.summary("en")
    assert lines[0].startswith(f"{64 * (len(rub.dimensions) + 3):,} runs (N = 64)")
    assert res.summary()[0].startswith(f"共运行 {64 * (len(rub.dimensions) + 3):,} 次（N = 64）")

    from civscore.plots.robustness import sobol_bars

    fig = sobol_bars(res)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == res.indices.sort_values(
        "ST", ascending=False, kind="stable"
    )["label"].tolist()
    fig.clear()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(samples=1000), "samples must be a power of 2 (e.g. 512 or 1024), not 1000"),
        (dict(samples=1), "samples must be a power of 2"),
        (dict(weight_noise=0), "weight_noise must be in (0, 1) for a sensitivity analysis"),
        (dict(num_resamples=0), "num_resamples must be a whole number >= 1"),
        (dict(conf_level=1.5), "conf_level must be in (0, 1)"),
        (dict(aggregation=["median"]), "aggregation choices must come from arithmetic, geometric"),
    ],
)
def test_bad_arguments_say_what_is_wrong(three, kwargs, message):
    rub, df = three
    with using_language("en"), pytest.raises(ValueError) as exc:
        sensitivity(df, rub, **kwargs)
    assert message in str(exc.value)


def test_bad_arguments_are_chinese_by_default(three):
    rub, df = three
    with pytest.raises(ValueError, match=r"samples 必须是 2 的幂（如 512 或 1024），不能是 1000"):
        sensitivity(df, rub, samples=1000)
