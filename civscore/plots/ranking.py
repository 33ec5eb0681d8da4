"""Charts of a scored result: the ranking, tiers, dimensions by unit, top and bottom, groups, one unit.

Every chart takes a :class:`civscore.Scored` and derives all it shows from the result's rubric
(dimension names, id / name / group columns, tiers), so it works for any rubric. Charts are in the
house style of :mod:`civscore.plots`: Chinese labels, a title, axis labels with units, and greys
plus hatches so that they read in black-and-white print. Each function returns the
:class:`~matplotlib.figure.Figure`; the caller shows, saves or closes it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from civscore.analysis.summary import dimension_names, dimension_shares, tier_bounds, tier_counts, unit_labels
from civscore.plots import GREYS, HATCHES, figure, house_style, legend_below, wrap_label
from civscore.plots.marks import (
    EDGE,
    MAX_LABELLED_UNITS,
    SHARE_CMAP,
    VETO_EDGE,
    VETO_FILL,
    VETO_HATCH,
    bar_styles,
    bars_figure,
    chart_title,
    mark_vetoes,
    plain,
    rank_labels,
    red_veto_labels,
    rows_height,
    score_axis_max,
    text_colour,
    tier_legend,
    tier_style,
)
from civscore.scoring.scored import Scored
from civscore.words import fmt_points


@house_style
def ranking_chart(result: Scored) -> Figure:
    """Every unit's total as a horizontal bar, best at the top, shaded and hatched by tier.

    Tier thresholds are dashed vertical lines named on the top axis; a unit failed by a veto is
    white and cross-hatched. Units are named on the axis up to ``MAX_LABELLED_UNITS``.
    """
    table = result.table
    n = len(table)
    fig, ax = bars_figure(8, rows_height(n, 2.0))
    fills, hatches = bar_styles(result, table)
    y = np.arange(n)
    named = n <= MAX_LABELLED_UNITS
    if named:
        bars = ax.barh(y, table["total"].to_numpy(dtype=float), color=fills, edgecolor=EDGE, linewidth=0.5, height=0.75)
        mark_vetoes(ax, bars, table, hatches)
        ax.set_yticks(y, rank_labels(result, table), fontsize=8)
        red_veto_labels(ax, table)
    else:
        # Too many units for a line each: the bars merge into the shape of the distribution.
        # Edges and hatches on hairline bars would turn it black (and take seconds to draw), so
        # tiers are told apart by fill alone, and vetoed units keep an outline.
        vetoed = table["disqualified"].to_numpy()
        ax.barh(y, table["total"].to_numpy(dtype=float), color=fills, linewidth=0, height=1.0)
        ax.barh(
            y[vetoed],
            table["total"].to_numpy(dtype=float)[vetoed],
            color=VETO_FILL,
            edgecolor=VETO_EDGE,
            linewidth=0.6,
            height=1.0,
        )
        ax.set_yticks([])
    ax.set_ylim(n - 0.5, -0.5)  # rank 1 at the top
    ax.set_xlim(0, score_axis_max(result) * 1.04)
    lines = [t for t in result.rubric.tiers if t.min > 0]
    for tier in lines:
        ax.axvline(tier.min, color=EDGE, linestyle="--", linewidth=0.8)
    if lines:  # name each dashed threshold on a top axis, clear of the bars
        top_axis = ax.secondary_xaxis("top")
        top_axis.set_xticks([t.min for t in lines], [plain(t.name) for t in lines], fontsize=8)
        top_axis.tick_params(length=0)
    ax.grid(axis="y", visible=False)
    ax.set_ylabel("参评单位（名次. 名称）")
    ax.set_xlabel("总分（分）；虚线为等级分数线" if lines else "总分（分）")
    ax.set_title(chart_title(result, "总分排名"))
    handles = tier_legend(result, include_veto=bool(table["disqualified"].any()), hatched=named)
    legend_below(fig, ax, handles=handles, ncols=min(len(handles), 5) or None)
    return fig


@house_style
def tier_chart(result: Scored) -> Figure:
    """Units per tier (rubric order), the part failed by a veto stacked on top and cross-hatched."""
    if not result.rubric.tiers:
        raise ValueError("the rubric has no tiers to count units in")
    counts = tier_counts(result)
    fig, ax = bars_figure(6.5, 4.2)
    x = np.arange(len(counts))
    styles = tier_style(result)
    not_vetoed = (counts["单位数"] - counts["其中一票否决"]).to_numpy()
    vetoed = counts["其中一票否决"].to_numpy()
    for i, name in enumerate(counts.index):
        fill, hatch = styles[name]
        ax.bar(x[i], not_vetoed[i], color=fill, hatch=hatch, edgecolor=EDGE, linewidth=0.6, width=0.6)
    if vetoed.any():
        ax.bar(
            x,
            vetoed,
            bottom=not_vetoed,
            color=VETO_FILL,
            hatch=VETO_HATCH,
            edgecolor=VETO_EDGE,
            linewidth=0.6,
            width=0.6,
            label="其中一票否决",
        )
    total = int(counts["单位数"].sum())
    peak = max(1, int(counts["单位数"].max()))
    for i, c in enumerate(counts["单位数"]):
        share = f"{100 * c / total:.0f}%" if total else "0%"
        ax.text(x[i], c + peak * 0.02, f"{c}（{share}）", ha="center", va="bottom", fontsize=9)
    bounds = tier_bounds(result)
    ax.set_xticks(x, [plain(f"{name}\n{bounds[name]}") for name in counts.index])
    ax.set_ylim(0, peak * 1.22)
    locator = ax.yaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator)  # the default AutoLocator is one
    locator.set_params(integer=True)
    ax.grid(axis="x", visible=False)
    ax.set_xlabel("等级（总分区间，分）")
    ax.set_ylabel("单位数（个）")
    ax.set_title(chart_title(result, f"等级分布（共 {total} 个单位）"))
    legend_below(fig, ax)
    return fig


@house_style
def dimension_heatmap(result: Scored, annotate: bool | None = None) -> Figure:
    """Units (rows, by rank) x top-level dimensions (columns): % of the points attainable there.

    Darker is weaker, so the cells that need work catch the eye. The grey ramp starts at the
    lowest tenth below the data (not at 0) so that
    the differences that matter stay visible; the colour bar says where. Cells where nothing in
    the dimension applies to the unit are hatched. Values are written in the cells when there is
    room (``annotate=None``: up to 60 units and 12 dimensions).
    """
    shares = dimension_shares(result)
    names = dimension_names(result)
    n, m = shares.shape
    values = shares.to_numpy(dtype=float)
    if annotate is None:
        annotate = n <= 60 and m <= 12
    finite = values[np.isfinite(values)]
    low = min(math.floor(finite.min() / 10) * 10, 90) if finite.size else 0
    fig, ax = figure(min(max(6.0, 0.95 * m + 3.5), 16), rows_height(n, 2.6))
    image = ax.imshow(
        np.ma.masked_invalid(values), cmap=SHARE_CMAP, vmin=low, vmax=100, aspect="auto", interpolation="nearest"
    )
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    rows, cols = np.nonzero(np.isnan(values))
    for r, c in zip(rows, cols):  # only the few cells where nothing applies, not every unit
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///", edgecolor=GREYS[2], linewidth=0))
    dim_labels = [plain(names[d]) for d in shares.columns]
    rotation = 0 if m <= 8 and max(len(s) for s in dim_labels) <= 6 else 30
    ax.set_xticks(np.arange(m), dim_labels, rotation=rotation, ha="center" if rotation == 0 else "right", fontsize=9)
    ax.tick_params(axis="x", labeltop=n > 25, top=False, bottom=False)
    if n <= MAX_LABELLED_UNITS:
        vetoed = result.table["disqualified"].to_numpy(bool)
        labels = [f"{label}（否决）" if v else label for label, v in zip(rank_labels(result, result.table), vetoed)]
        ax.set_yticks(np.arange(n), labels, fontsize=8)
        red_veto_labels(ax, result.table)
    else:
        ax.set_yticks([])
    if annotate:
        colours = np.asarray(image.cmap(image.norm(values)), dtype=float)
        for (r, c), v in np.ndenumerate(values):
            if np.isfinite(v):
                # black or white by the cell's own shade: at least 4.58:1 on every cell
                ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=7, color=text_colour(tuple(colours[r, c])))
    bar = fig.colorbar(image, ax=ax, fraction=0.035, pad=0.02)
    bar.set_label("得分率（%，得分 ÷ 可得分值）")
    ax.set_xlabel("测评维度（格中数字为得分率 %）" if annotate else "测评维度")
    ax.set_ylabel("参评单位（名次. 名称）")
    ax.set_title(chart_title(result, "各维度得分率（%）"))
    fig.tight_layout()
    return fig


@house_style
def top_bottom_chart(result: Scored, n: int = 10) -> Figure:
    """The ``n`` best and ``n`` worst ranked units side by side, total and tier written on each bar."""
    table = result.table
    k = max(1, min(n, len(table) // 2)) if len(table) > 1 else 1
    fig, axes = bars_figure(11, max(3.0, 0.34 * k + 2.0), ncols=2, sharex=True)
    xmax = score_axis_max(result) * 1.3
    for ax, (word, part) in zip(np.atleast_1d(axes), [("前", table.head(k)), ("后", table.tail(k))]):
        y = np.arange(len(part))
        fills, hatches = bar_styles(result, part)
        bars = ax.barh(y, part["total"].to_numpy(dtype=float), color=fills, edgecolor=EDGE, linewidth=0.5, height=0.7)
        for bar, hatch, vetoed in zip(bars, hatches, part["disqualified"]):
            bar.set_hatch(hatch)
            if vetoed:
                bar.set_edgecolor(VETO_EDGE)
        for yi, (total, tier, vetoed) in enumerate(zip(part["total"], part["tier"], part["disqualified"])):
            note = f"{total:.1f}" + (f" {tier}" if tier else "") + ("（一票否决）" if vetoed else "")
            ax.text(total + xmax * 0.01, yi, plain(note), va="center", fontsize=8)
        ax.set_yticks(y, rank_labels(result, part), fontsize=9)
        red_veto_labels(ax, part)
        ax.set_ylim(len(part) - 0.5, -0.5)
        ax.set_xlim(0, xmax)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("总分（分）")
        ax.set_title(f"排名{word} {len(part)} 位", fontsize=11)
    np.atleast_1d(axes)[0].set_ylabel("参评单位（名次. 名称）")
    fig.suptitle(chart_title(result, "排名靠前与靠后的单位"), fontsize=13)
    fig.tight_layout()
    return fig


@house_style
def profile_chart(result: Scored, unit_id: str, group_column: str | None = None) -> Figure:
    """One unit's % of attainable points per dimension, beside its group's and all units' means.

    ``group_column`` defaults to the rubric's first group column (e.g. 街道); a rubric without
    group columns compares the unit with all units only.
    """
    shares = dimension_shares(result)
    unit_id = str(unit_id)
    if unit_id not in shares.index:
        raise KeyError(f"unit {unit_id!r} is not in the result (column {result.id_column})")
    groups = result.rubric.unit.group_columns
    group_column = group_column if group_column is not None else (groups[0] if groups else None)
    labels = unit_labels(result)
    table = result.table.set_index(result.table[result.id_column].astype(str).to_numpy(dtype=object))
    series = {labels[unit_id]: shares.loc[unit_id]}
    if group_column:
        group = table[group_column]
        members = group.index[group == group.loc[unit_id]]
        series[f"{group.loc[unit_id]}平均（{len(members)} 个单位）"] = shares.loc[members].mean()
    series[f"全部平均（{len(shares)} 个单位）"] = shares.mean()
    frame = pd.DataFrame(series)
    names = dimension_names(result)
    m, k = frame.shape
    fig, ax = bars_figure(8, max(3.2, 0.2 * m * k + 2.2))
    height = 0.8 / k
    y = np.arange(m)
    fills = [GREYS[0], GREYS[2], GREYS[4]]
    for j, (label, col) in enumerate(frame.items()):
        ax.barh(
            y + (j - (k - 1) / 2) * height,
            col.to_numpy(dtype=float),
            height=height,
            color=fills[j % len(fills)],
            hatch=HATCHES[j % len(HATCHES)],
            edgecolor=EDGE,
            linewidth=0.5,
            label=plain(label),
        )
    ax.set_yticks(y, [plain(names[d]) for d in frame.index])
    ax.set_ylim(m - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("得分率（%，得分 ÷ 可得分值）")
    ax.set_ylabel("测评维度")
    row = table.loc[unit_id]
    verdict = f"{row['tier']}，" if row["tier"] else ""
    ax.set_title(chart_title(result, f"{labels[unit_id]}：总分 {row['total']:.1f}，{verdict}第 {row['rank']} 名"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=k, fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


@house_style
def group_chart(result: Scored, group_column: str | None = None) -> Figure:
    """Each group's mean total as a bar, with its units' totals as dots on it (best group on top)."""
    groups = result.rubric.unit.group_columns
    group_column = group_column if group_column is not None else (groups[0] if groups else None)
    if not group_column:
        raise ValueError("the rubric has no group columns (unit.group_columns) to compare")
    table = result.table
    stats = (
        table.groupby(group_column, sort=False)["total"]
        .agg(["mean", "count"])
        .sort_values("mean", ascending=False, kind="stable")
    )
    g = len(stats)
    fig, ax = bars_figure(8, max(3.2, 0.45 * g + 2.2))
    y = pd.Series(np.arange(g), index=stats.index)
    ax.barh(
        y.to_numpy(),
        stats["mean"].to_numpy(),
        color=GREYS[4],
        edgecolor=EDGE,
        linewidth=0.5,
        height=0.6,
        label="平均总分",
    )
    for yi, mean in zip(y.to_numpy(), stats["mean"]):
        ax.text(0.5, yi, f"平均 {mean:.1f}", va="center", fontsize=8)
    # a small fixed offset per unit keeps tied totals visible without randomness
    offset = (table.groupby(group_column, sort=False).cumcount() % 5 - 2) * 0.06
    vetoed = table["disqualified"].to_numpy(bool)
    xs = table["total"].to_numpy(dtype=float)
    ys = y.loc[table[group_column]].to_numpy() + offset.to_numpy()
    ax.scatter(xs[~vetoed], ys[~vetoed], s=14, color=GREYS[0], zorder=3, label="各单位总分")
    if vetoed.any():
        # a vetoed unit's dot would sit among the best: a dark red cross instead
        ax.scatter(xs[vetoed], ys[vetoed], s=40, marker="x", color=VETO_EDGE, zorder=4, label="被一票否决的单位")
    ax.set_yticks(y.to_numpy(), [plain(f"{name}（{c} 个）") for name, c in zip(stats.index, stats["count"])])
    ax.set_ylim(g - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, score_axis_max(result) * 1.04)
    ax.set_xlabel("总分（分）")
    ax.set_ylabel(plain(group_column))
    ax.set_title(chart_title(result, f"按{group_column}比较总分"))
    legend_below(fig, ax)
    return fig


@house_style
def lost_points_chart(result: Scored, unit_id: str, n: int = 12) -> Figure:
    """Where one unit lost its points: the ``n`` indicators with the largest loss, biggest first,
    each bar split into what the unit earned (grey) and what it lost (dark), vetoes in the title."""
    from civscore.analysis.gaps import gaps

    table = gaps(result, unit_id)
    items = table[table["kind"].isin(["base", "bonus"])].sort_values("lost", ascending=False, kind="stable").head(n)
    k = len(items)
    fig, ax = bars_figure(8, max(2.6, 0.36 * k + 1.9))
    y = np.arange(k)
    earned = items["earned"].to_numpy(dtype=float)
    lost = items["lost"].to_numpy(dtype=float)
    ax.barh(y, earned, color=GREYS[4], edgecolor=EDGE, linewidth=0.5, height=0.6, label="已得分")
    ax.barh(y, lost, left=earned, color=GREYS[1], hatch="//", edgecolor=EDGE, linewidth=0.5, height=0.6, label="失分")
    for yi, (e, lo) in enumerate(zip(earned, lost)):
        ax.text(e + lo, yi, f" −{fmt_points(lo)}", va="center", fontsize=8)
    ax.set_yticks(y, [wrap_label(plain(name)) for name in items["item_name"]], fontsize=9)
    ax.set_ylim(k - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, max(float((items["earned"] + items["lost"]).max()) if k else 1.0, 1.0) * 1.2)
    ax.set_xlabel("分值（分）：灰色为已得分，深色斜纹为失分")
    row = result.table.set_index(result.id_column).loc[table.attrs.get("unit", unit_id)] if k else None
    label = unit_labels(result).get(str(unit_id), str(unit_id))
    vetoes = table.loc[table["kind"].astype(str).str.startswith("veto"), "item_name"].tolist()
    what = f"{label}：失分最多的 {k} 项" + (f"（另触发否决：{'、'.join(map(str, vetoes))}）" if vetoes else "")
    ax.set_title(chart_title(result, what))
    if row is not None and row["disqualified"]:
        ax.title.set_color(VETO_EDGE)
    legend_below(fig, ax)
    return fig


@house_style
def dimension_range_chart(result: Scored) -> Figure:
    """Per dimension, how far units lie apart: the range (line), middle half (box) and median (tick)
    of the units' % of attainable points; vetoed units as dark red crosses."""
    shares = dimension_shares(result)
    names = dimension_names(result)
    m = shares.shape[1]
    fig, ax = bars_figure(8, max(3.0, 0.5 * m + 1.9))
    values = [shares[d].dropna().to_numpy(dtype=float) for d in shares.columns]
    ax.boxplot(
        values,
        orientation="horizontal",
        whis=(0, 100),
        widths=0.5,
        patch_artist=True,
        boxprops={"facecolor": GREYS[4], "edgecolor": EDGE},
        medianprops={"color": EDGE, "linewidth": 1.5},
        whiskerprops={"color": EDGE},
        capprops={"color": EDGE},
    )
    vetoed = result.table.set_index(result.id_column)["disqualified"].reindex(shares.index).fillna(False).to_numpy(bool)
    if vetoed.any():
        for j, d in enumerate(shares.columns, start=1):
            ax.scatter(
                shares[d].to_numpy(dtype=float)[vetoed],
                np.full(vetoed.sum(), j),
                marker="x",
                s=30,
                color=VETO_EDGE,
                zorder=3,
            )
        ax.scatter([], [], marker="x", color=VETO_EDGE, label="被一票否决的单位")
    ax.set_yticks(np.arange(1, m + 1), [wrap_label(plain(names[d])) for d in shares.columns])
    ax.set_ylim(m + 0.5, 0.5)
    ax.set_xlim(0, 102)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("得分率（%）：线为最低到最高，方框为中间一半单位，竖线为中位数")
    ax.set_ylabel("测评维度")
    ax.set_title(chart_title(result, f"各维度得分率的分布（{len(shares)} 个单位）"))
    legend_below(fig, ax)
    return fig


__all__ = [
    "dimension_heatmap",
    "dimension_names",
    "dimension_range_chart",
    "dimension_shares",
    "group_chart",
    "lost_points_chart",
    "plain",
    "profile_chart",
    "ranking_chart",
    "tier_bounds",
    "tier_chart",
    "tier_counts",
    "top_bottom_chart",
    "unit_labels",
]
