"""Sampling error carried to the ranking (issue 11 part 5): uncertainty(..., sampling=True)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import civscore
from civscore.robustness.sampling import draw_measures
from civscore.words import using_language

# One indicator: the share of satisfied answers, linear from 0 to 1 over 10 points. Five areas,
# each satisfied at the share written below; A3 asked 8 households, every other area 200.
RUBRIC = """
id: sampling
name: 抽样误差测试
version: "1"
unit: {id_column: 区域代码, name_column: 区域}
total_points: 10
records:
  survey:
    unit_column: 区域代码
    columns:
      评价: {values: [满意, 不满意]}
measures:
  - {id: 满意率, from: survey, aggregate: share, of: 评价 == "满意"}
dimensions:
  - id: d
    name: 满意度
    indicators:
      - {id: s, name: 满意率, value: 满意率, method: linear, zero: 0, full: 1, points: 10}
"""
SHARES = {"A1": (0.9, 200), "A2": (0.7, 200), "A3": (0.5, 8), "A4": (0.5, 200), "A5": (0.3, 200)}


@pytest.fixture(scope="module")
def rubric() -> civscore.Rubric:
    return civscore.parse_rubric_text(RUBRIC, "sampling.yaml")


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return pd.DataFrame({"区域代码": list(SHARES), "区域": [f"片区{k}" for k in SHARES]})


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    rows = []
    for unit, (share, n) in SHARES.items():
        yes = round(share * n)
        rows += [(unit, "满意")] * yes + [(unit, "不满意")] * (n - yes)
    return pd.DataFrame(rows, columns=["区域代码", "评价"])


@pytest.fixture(scope="module")
def sampled(rubric, units, survey) -> civscore.Uncertainty:
    return civscore.uncertainty(
        units, rubric, runs=2000, weight_noise=0, seed=1, sampling=True, records={"survey": survey}
    )


def test_a_unit_with_8_answers_gets_a_wider_rank_interval_than_one_with_200(sampled):
    stats = sampled.rank_stats.set_index("区域代码")
    assert stats["nominal_rank"].tolist() == [1, 2, 3, 3, 5]  # A3 and A4 tie at 50 %
    # A4 (200 answers, se 3.5 points): a draw reaches neither 70 % nor 30 %, so it ranks 3rd or
    # 4th, behind A3 or level with it. A3 (8 answers): at least 6 of 8 satisfied (P = 37/256,
    # 14 %) puts it at 75 %, ahead of A2 (70 % +- 3.2 points) unless A2 draws 75 % or more (6 %);
    # at most 2 of 8 (14 %) puts it at 25 %, behind A5 (30 % +- 3.2) unless A5 draws 25 % or
    # less: it ranks 2nd in about 1 run in 7 and 5th in about 1 in 7.
    assert stats.loc["A4", "best_rank"] == 3 and stats.loc["A4", "worst_rank"] == 4
    assert stats.loc["A3", "q05_rank"] == 2 and stats.loc["A3", "q95_rank"] == 5
    assert stats.loc["A3", "interval"] > stats.loc["A4", "interval"]
    ranks = sampled.ranks
    ahead_of_a2 = (ranks["A3"] < ranks["A2"]).mean()
    assert abs(ahead_of_a2 - 37 / 256 * 0.94) < 0.025
    # far from their neighbours: A1 loses first place only when all 8 of A3's answers are
    # satisfied (1 run in 256), A5 can only swap places with A3
    assert (ranks["A1"] == 1).mean() > 0.98 and (ranks["A1"] <= 2).all()
    assert (ranks["A5"] >= 4).all()


def test_an_unweighted_share_is_drawn_as_its_bootstrap_a_binomial_count(rubric, units, survey):
    measures = civscore.measure(rubric, records={"survey": survey}, units=units)
    ids = measures["区域代码"]
    draws = draw_measures(measures, rubric, ids, runs=20000, rng=np.random.default_rng(0))["满意率"]
    a3 = draws[:, ids.tolist().index("A3")]
    assert set(np.unique(a3 * 8).round(9)) <= set(range(9))  # whole answers out of 8
    assert abs(a3.mean() - 0.5) < 0.01 and abs(a3.var() - 0.5 * 0.5 / 8) < 0.003
    a4 = draws[:, ids.tolist().index("A4")]
    assert abs(a4.std() - np.sqrt(0.25 / 200)) < 0.002


def test_sampling_with_the_same_seed_is_identical_and_adds_to_weight_noise(rubric, units, survey):
    records = {"survey": survey}
    one = civscore.uncertainty(units, rubric, runs=50, seed=4, sampling=True, records=records)
    two = civscore.uncertainty(units, rubric, runs=50, seed=4, sampling=True, records=records)
    pd.testing.assert_frame_equal(one.ranks, two.ranks)
    # a one-indicator rubric: weight noise alone cannot move a rank, sampling can
    weights_only = civscore.uncertainty(units, rubric, runs=50, seed=4, records=records)
    assert (weights_only.rank_stats["interval"] == 0).all()
    assert one.rank_stats["interval"].max() > 0
    assert one.settings["sampling"] and not weights_only.settings["sampling"]


def test_sampled_runs_score_through_the_engine(rubric, units, survey):
    u = civscore.uncertainty(units, rubric, runs=20, weight_noise=0, seed=2, sampling=True, records={"survey": survey})
    # each run's total is the linear points of its drawn share: 10 x share, a multiple of 10/8 for A3
    a3 = u.totals["A3"].to_numpy()
    assert np.allclose(a3 * 8 / 10, np.round(a3 * 8 / 10))


def test_sampling_without_records_says_what_is_missing(rubric, units):
    with pytest.raises(ValueError, match="sampling=True 需要记录表"):
        civscore.uncertainty(units, rubric, runs=5, sampling=True)
    with using_language("en"), pytest.raises(ValueError, match="sampling=True needs the record tables"):
        civscore.uncertainty(units, rubric, runs=5, sampling=True)


def test_sampling_on_a_rubric_without_share_or_mean_measures_is_refused():
    rubric = civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")
    data = civscore.read_data(ROOT / "data" / "communities_2025.csv", rubric)
    with pytest.raises(ValueError, match="比例或均值度量"):
        civscore.uncertainty(data, rubric, runs=5, sampling=True)
    with using_language("en"), pytest.raises(ValueError, match="share or mean"):
        civscore.uncertainty(data, rubric, runs=5, sampling=True)


def test_sampled_runs_do_not_depend_on_chunking_or_threads(rubric, units, survey):
    records = {"survey": survey}
    kw = dict(runs=23, seed=6, sampling=True, records=records, missing=True, aggregation=True)
    serial = civscore.uncertainty(units, rubric, chunk_runs=1, workers=1, **kw)
    for chunk_runs, workers in ((7, 3), (23, 2), (None, None)):
        other = civscore.uncertainty(units, rubric, chunk_runs=chunk_runs, workers=workers, **kw)
        pd.testing.assert_frame_equal(serial.totals, other.totals)
        pd.testing.assert_frame_equal(serial.ranks, other.ranks)
        pd.testing.assert_frame_equal(serial.tiers, other.tiers)
        pd.testing.assert_frame_equal(serial.rank_stats, other.rank_stats)
    assert serial.totals.nunique().max() > 1  # the runs do differ


def test_sampled_records_of_the_area_sample_do_not_depend_on_chunking():
    rubric = civscore.load_rubric(ROOT / "rubrics" / "area-satisfaction-2019.yaml")
    data = civscore.read_data(ROOT / "data" / "records" / "areas.csv", rubric)
    folder = ROOT / "data" / "records"
    records = {
        "survey": folder / "survey.csv",
        "surveyors": folder / "surveyors.xlsx",
        "points": folder / "points",
        "problems": folder / "problems.csv",
    }
    kw = dict(runs=12, seed=2, sampling=True, records=records)
    one = civscore.uncertainty(data, rubric, chunk_runs=1, workers=1, **kw)
    many = civscore.uncertainty(data, rubric, chunk_runs=5, workers=2, **kw)
    pd.testing.assert_frame_equal(one.totals, many.totals)
    pd.testing.assert_frame_equal(one.ranks, many.ranks)
    pd.testing.assert_frame_equal(one.rank_stats, many.rank_stats)


# The share rests on at least 10 answers, else the indicator earns the mean of the other areas:
# A3 (8 answers) has no share in any run and earns the mean of that run's four other areas.
MEAN_RUBRIC = RUBRIC.replace('of: 评价 == "满意"}', 'of: 评价 == "满意", min_records: 10}').replace(
    "points: 10}", "points: 10, missing: mean}"
)


def test_a_sampled_run_fills_a_mean_from_its_own_units_not_from_the_other_runs(units, survey):
    rubric = civscore.parse_rubric_text(MEAN_RUBRIC, "sampling_mean.yaml")
    u = civscore.uncertainty(units, rubric, runs=30, weight_noise=0, seed=3, sampling=True, records={"survey": survey})
    totals = u.totals
    others = totals[["A1", "A2", "A4", "A5"]].mean(axis=1)
    np.testing.assert_allclose(totals["A3"], others, rtol=1e-12)
    assert others.nunique() > 1  # the mean moves with each run's draws
    nominal = u.nominal.table.set_index("区域代码")["total"]
    assert nominal["A3"] == pytest.approx(nominal[["A1", "A2", "A4", "A5"]].mean())
