"""Charts of civscore.plots.ranking: what they show, that they print in black and white, and that
every Chinese label renders with no warning."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.font_manager import FontProperties, findfont

import civscore
from civscore.plots import FONT_FAMILY, marks
from civscore.plots import ranking as charts

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]

TINY = """
id: tiny
name: 小测试体系
version: "1"
unit: {id_column: 编号, name_column: 名称, group_columns: [片区]}
total_points: 10
tiers: [{name: 优, min: 8}, {name: 良, min: 5}, {name: 差, min: 0}]
dimensions:
  - id: a
    name: 甲维度
    indicators:
      - {id: a1, name: 甲一, value: x, method: linear, zero: 0, full: 10, points: 4}
      - {id: a2, name: 甲二, value: flag, method: boolean, points: 2}
  - id: b
    name: 乙维度
    indicators:
      - {id: b1, name: 乙一, value: y, method: linear, zero: 0, full: 10, points: 4, missing: exclude}
vetoes:
  - {id: accident, name: 发生事故, when: accident > 0, effect: fail}
"""


def tiny_result(n_extra: int = 0) -> civscore.Result:
    """Four units by hand (U2 has b1 excluded, U4 is vetoed, two units share a name), plus filler."""
    data = pd.DataFrame(
        {
            "编号": ["U1", "U2", "U3", "U4"],
            "名称": ["东园", "西园", "东园", "$北园$"],
            "片区": ["北", "北", "南", "南"],
            "x": [10, 5, 0, 10],
            "flag": ["是", "否", "是", "是"],
            "y": [10, None, 5, 10],
            "accident": [0, 0, 0, 1],
        }
    )
    if n_extra:
        k = np.arange(n_extra)
        data = pd.concat(
            [
                data,
                pd.DataFrame(
                    {
                        "编号": [f"V{i:03d}" for i in k],
                        "名称": [f"单位{i}" for i in k],
                        "片区": "北",
                        "x": k % 11,
                        "flag": "是",
                        "y": (k * 7) % 11,
                        "accident": 0,
                    }
                ),
            ],
            ignore_index=True,
        )
    return civscore.score(data, civscore.parse_rubric_text(TINY, "tiny.yaml"))


@pytest.fixture(scope="module")
def tiny() -> civscore.Result:
    return tiny_result()


@pytest.fixture(scope="module")
def sample() -> civscore.Result:
    rubric = civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")
    return civscore.score(civscore.read_data(ROOT / "data" / "communities_2025.csv", rubric), rubric)


def drawn(fig) -> list[warnings.WarningMessage]:
    """Render ``fig`` to PNG (glyph warnings only appear when text is drawn) and close it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    return caught


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


# --- what the charts show -----------------------------------------------------------------------


def test_unit_labels_disambiguate_repeated_names(tiny):
    labels = charts.unit_labels(tiny)
    assert list(labels.index) == list(tiny.table["编号"])
    assert labels["U1"] == "东园 (U1)" and labels["U3"] == "东园 (U3)"
    assert labels["U2"] == "西园"


def test_dimension_shares_leave_excluded_indicators_out_of_the_maximum(tiny):
    shares = charts.dimension_shares(tiny)
    assert list(shares.columns) == ["a", "b"]
    # U1: a = 4 + 2 of 6, b = 4 of 4; U3: a = 0 + 2 of 6, b = 2 of 4
    assert shares.loc["U1"].tolist() == pytest.approx([100.0, 100.0])
    assert shares.loc["U3"].tolist() == pytest.approx([100 * 2 / 6, 50.0])
    # U2's only indicator in b is excluded: nothing to earn, so no share (not 0 %)
    assert np.isnan(shares.loc["U2", "b"])
    assert shares.loc["U2", "a"] == pytest.approx(100 * 2 / 6)


def test_tier_counts_list_every_tier_and_the_vetoed_part(tiny):
    counts = charts.tier_counts(tiny)
    assert list(counts.index) == ["优", "良", "差"]
    assert counts["单位数"].tolist() == [1, 0, 3]
    assert counts["其中一票否决"].tolist() == [0, 0, 1]
    assert charts.tier_bounds(tiny) == {"优": "≥ 8", "良": "5–8", "差": "0–5"}


# --- the charts ---------------------------------------------------------------------------------


def test_importing_the_charts_leaves_rcparams_alone():
    import subprocess
    import sys

    code = (
        "import matplotlib; before = dict(matplotlib.rcParams)\n"
        "import civscore.plots.ranking, civscore.plots.change, civscore.plots.robustness\n"
        "changed = [k for k in before if matplotlib.rcParams[k] != before[k]]\n"
        "assert not changed, changed"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_heatmap_text_contrasts_at_least_4_5_to_1_and_weak_cells_are_dark(sample):
    fig = charts.dimension_heatmap(sample, annotate=True)
    ax = fig.axes[0]
    image = ax.images[0]
    colours = image.cmap(image.norm(image.get_array()))
    for text in ax.texts:
        r, c = (round(v) for v in text.get_position()[::-1])
        lum = marks.luminance(colours[r, c])
        ink = marks.luminance(to_rgba(text.get_color()))
        assert marks.contrast(lum, ink) >= 4.5, text.get_text()
    low, high = image.norm.vmin, image.norm.vmax
    assert marks.luminance(image.cmap(image.norm(low))) < marks.luminance(image.cmap(image.norm(high)))


def test_ranking_chart_has_one_bar_per_unit_in_rank_order(tiny):
    fig = charts.ranking_chart(tiny)
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == len(tiny.table)
    assert [b.get_width() for b in bars] == pytest.approx(tiny.table["total"].tolist())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["1. 东园 (U1)", "2. 东园 (U3)", "3. 西园", r"4. \$北园\$"]
    # the vetoed unit is pale red, cross-hatched and outlined in dark red, its name red, marked 否决
    vetoed = bars[3]
    assert vetoed.get_hatch() == charts.VETO_HATCH and to_rgba(vetoed.get_facecolor()) == to_rgba(charts.VETO_FILL)
    assert to_rgba(vetoed.get_edgecolor()) == to_rgba(charts.VETO_EDGE)
    assert to_rgba(ax.get_yticklabels()[3].get_color()) == to_rgba(charts.VETO_EDGE)
    assert "否决" in [t.get_text().strip() for t in ax.texts]
    # the legend sits under the chart, not over the bars
    assert ax.get_legend() is None and fig.legends
    assert bars[0].get_hatch() != bars[1].get_hatch()
    assert ax.get_title().startswith("总分排名")
    assert "（分）" in ax.get_xlabel()
    # dashed tier lines at 8 and 5, named on the top axis
    xs = sorted(line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--")
    assert xs == [5, 8]
    assert not drawn(fig)


def test_ranking_chart_stops_naming_units_when_there_are_too_many():
    many = tiny_result(n_extra=charts.MAX_LABELLED_UNITS)
    fig = charts.ranking_chart(many)
    ax = fig.axes[0]
    # a bar per unit, plus an outlined white bar over the one vetoed unit; no names, no hatches
    assert len(ax.patches) == len(many.table) + 1
    assert not [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert not [p.get_hatch() for p in ax.patches if p.get_hatch()]
    assert fig.get_size_inches()[1] < 10  # a fixed size, not a line per unit
    assert not drawn(fig)


def test_tier_chart_counts_units_per_tier(tiny):
    fig = charts.tier_chart(tiny)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    # one bar per tier (units not vetoed) plus the stacked vetoed part per tier
    assert len(heights) == 3 + 3
    assert sum(heights) == len(tiny.table)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["优\n≥ 8", "良\n5–8", "差\n0–5"]
    assert "1（25%）" in texts(fig) and "3（75%）" in texts(fig)
    assert ax.get_ylabel() == "单位数（个）"
    assert not drawn(fig)


def test_dimension_heatmap_is_units_by_dimensions_with_values_written(tiny):
    fig = charts.dimension_heatmap(tiny)
    ax = fig.axes[0]
    image = ax.get_images()[0]
    assert image.get_array().shape == (4, 2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["甲维度", "乙维度"]
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 7  # 8 cells, one with nothing applicable
    assert "33" in cells and "50" in cells
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1  # U2 x 乙维度
    assert "%" in fig.axes[1].get_ylabel()  # the colour bar says what the greys mean
    assert not drawn(fig)


def test_top_bottom_chart_shows_n_best_and_n_worst(sample):
    fig = charts.top_bottom_chart(sample, n=10)
    best, worst = fig.axes[:2]
    assert len(best.patches) == len(worst.patches) == 10
    assert best.get_yticklabels()[0].get_text() == "1. 光明社区"
    assert [t.get_text() for t in worst.get_yticklabels()][-1].startswith("60. ")
    assert any("一票否决" in t for t in texts(fig))
    assert not drawn(fig)


def test_top_bottom_chart_never_shows_a_unit_twice(tiny):
    fig = charts.top_bottom_chart(tiny, n=10)
    best, worst = fig.axes[:2]
    assert len(best.patches) == len(worst.patches) == 2
    plt.close(fig)


def test_profile_chart_compares_a_unit_with_its_group_and_everyone(tiny):
    fig = charts.profile_chart(tiny, "U3")
    ax = fig.axes[0]
    assert len(ax.patches) == 3 * 2  # (unit, group mean, all mean) x 2 dimensions
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["东园 (U3)", "南平均（2 个单位）", "全部平均（4 个单位）"]
    unit_bars = ax.patches[:2]
    assert [b.get_width() for b in unit_bars] == pytest.approx([100 * 2 / 6, 50.0])
    assert not drawn(fig)
    with pytest.raises(KeyError, match="U9"):
        charts.profile_chart(tiny, "U9")


def test_group_chart_has_one_bar_per_group_and_one_dot_per_unit(sample):
    fig = charts.group_chart(sample)
    ax = fig.axes[0]
    assert len(ax.patches) == sample.table["街道"].nunique()
    # one dot per unit; a vetoed unit is a red cross, not a dot among the best
    vetoed = int(sample.table["disqualified"].sum())
    assert len(ax.collections[0].get_offsets()) == len(sample.table) - vetoed
    assert len(ax.collections[1].get_offsets()) == vetoed > 0
    means = sample.table.groupby("街道")["total"].mean().sort_values(ascending=False)
    assert [p.get_width() for p in ax.patches] == pytest.approx(means.tolist())
    assert not drawn(fig)


def test_charts_work_for_a_rubric_without_names_groups_or_tiers():
    rubric = civscore.parse_rubric_text(
        "id: bare\nname: 简单体系\nversion: '1'\nunit: {id_column: id}\ntotal_points: 5\n"
        "dimensions:\n  - {id: d, name: 唯一维度, indicators: [{id: i, name: 指标, value: v, method: linear,"
        " zero: 0, full: 1, points: 5}]}\n",
        "bare.yaml",
    )
    result = civscore.score(pd.DataFrame({"id": ["a", "b", "c"], "v": [1, 0.5, 0]}), rubric)
    for fig in (
        charts.ranking_chart(result),
        charts.dimension_heatmap(result),
        charts.top_bottom_chart(result),
        charts.profile_chart(result, "b"),
    ):
        assert not drawn(fig)
    assert [t.get_text() for t in charts.ranking_chart(result).axes[0].get_yticklabels()] == ["1. a", "2. b", "3. c"]
    plt.close("all")
    with pytest.raises(ValueError, match="group columns"):
        charts.group_chart(result)
    with pytest.raises(ValueError, match="no tiers"):
        charts.tier_chart(result)


# --- print and fonts ----------------------------------------------------------------------------


def test_every_chart_of_the_sample_renders_chinese_without_any_warning(sample):
    assert Path(findfont(FontProperties(family=FONT_FAMILY), fallback_to_default=False)).exists()
    figures = [
        charts.ranking_chart(sample),
        charts.tier_chart(sample),
        charts.dimension_heatmap(sample),
        charts.top_bottom_chart(sample),
        charts.profile_chart(sample, "SQ023"),
        charts.group_chart(sample),
    ]
    for fig in figures:
        assert fig.axes[0].get_title() or fig.texts  # every chart has a title
        caught = drawn(fig)
        assert not caught, [str(w.message) for w in caught]


def test_charts_use_only_greys_so_they_print_in_black_and_white(sample):
    # greys and hatches everywhere; the one colour, for vetoed units, also has a hatch of its own
    fig = charts.ranking_chart(sample)
    for patch, vetoed in zip(fig.axes[0].patches, sample.table["disqualified"]):
        r, g, b, _ = to_rgba(patch.get_facecolor())
        if vetoed:
            assert patch.get_hatch() == charts.VETO_HATCH
        else:
            assert r == pytest.approx(g) == pytest.approx(b)
    plt.close(fig)


def test_lost_points_chart_shows_the_largest_losses_first(sample):
    fig = charts.lost_points_chart(sample, "SQ023")
    ax = fig.axes[0]
    lost = [p.get_width() for p in ax.patches[len(ax.patches) // 2 :]]
    assert lost == sorted(lost, reverse=True) and lost[0] > 0
    assert "否决" in ax.get_title()  # SQ023 is vetoed: the title says so, in red
    assert to_rgba(ax.title.get_color()) == to_rgba(charts.VETO_EDGE)
    assert not drawn(fig)


def test_dimension_range_chart_has_a_box_per_dimension_and_marks_vetoed_units(sample):
    fig = charts.dimension_range_chart(sample)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == len(sample.rubric.dimensions)
    crosses = [c for c in ax.collections if len(c.get_offsets())]
    assert sum(len(c.get_offsets()) for c in crosses) == len(sample.rubric.dimensions) * int(
        sample.table["disqualified"].sum()
    )
    assert not drawn(fig)
