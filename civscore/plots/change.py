"""Charts of change: ranks before and after (slope chart), risers and fallers, the district's
trend by dimension, what drove one unit's change, and one unit's profile as a radar.

Each function takes a :class:`~civscore.compare.Comparison` (or a Scored for the profile),
derives everything from the rubrics it carries, and returns the Figure. Greys and hatches from
:mod:`civscore.plots` keep the charts readable in black-and-white print.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.projections.polar import PolarAxes

from civscore.analysis.attainment import dimension_attainment
from civscore.analysis.common import UnitId, resolve_unit
from civscore.analysis.compare import Comparison
from civscore.plots import GREYS, HATCHES, figure, house_style, legend_below, wrap_label
from civscore.scoring.scored import Scored
from civscore.words import fmt_points

EDGE = GREYS[0]


def _labels(comp: Comparison) -> pd.Series:
    """Display label per unit id: the name when the rubric has a name column, else the id."""
    name = comp.b.rubric.unit.name_column
    units = comp.units.set_index(comp.id_column)
    if name and name in units.columns:
        return units[name].astype(object).where(units[name].notna(), units.index.to_series().astype(str))
    return units.index.to_series().astype(str)


def _signed(x: float) -> str:
    return ("+" if x >= 0 else "−") + fmt_points(abs(x))


def spread_labels(y: np.ndarray, min_gap: float) -> np.ndarray:
    """Label positions near ``y``, in the same order, at least ``min_gap`` apart (no overlaps)."""
    order = np.argsort(y, kind="stable")
    placed = y[order].astype(float).copy()
    for i in range(1, len(placed)):  # a handful of labels: push each one below its neighbour
        placed[i] = max(placed[i], placed[i - 1] + min_gap)
    shift = max(0.0, (placed - y[order]).mean()) / 2  # re-centre the pushed block a little
    out = np.empty_like(placed)
    out[order] = placed - shift
    return out


@house_style
def slope_chart(comp: Comparison, n: int = 5) -> Figure:
    """Every unit's rank before and after as a line; the ``n`` biggest risers and fallers named.

    Only units on both sides are drawn (the others have no line); rank 1 is at the top.
    """
    la, lb = comp.labels
    both = comp.units[comp.units["status"] == "both"]
    labels = _labels(comp)
    up, down = comp.risers(n), comp.fallers(n)
    risers = set(up.loc[up["rank_change"] > 0, comp.id_column])
    fallers = set(down.loc[down["rank_change"] < 0, comp.id_column])
    fig, ax = figure(7, max(5.0, 0.12 * len(both) + 2))
    ids = both[comp.id_column].to_numpy()
    ra = both["rank_a"].to_numpy(dtype=float)
    rb = both["rank_b"].to_numpy(dtype=float)
    quiet = ~np.isin(ids, list(risers | fallers))
    # background: one faint segment per unit, drawn as a single collection-like plot call
    xs = np.tile([0.0, 1.0, np.nan], quiet.sum())
    ys = np.column_stack([ra[quiet], rb[quiet], np.full(quiet.sum(), np.nan)]).ravel()
    ax.plot(xs, ys, color=GREYS[3], linewidth=0.8)
    top = max(ra.max(), rb.max()) if len(both) else 1
    named = np.flatnonzero(~quiet)
    spots = spread_labels(rb[named], min_gap=top / 40)
    for i, y_text in zip(named, spots):
        uid, a, b = ids[i], ra[i], rb[i]
        rising = uid in risers
        ax.plot(
            [0, 1], [a, b], color=GREYS[0], linewidth=1.8, linestyle="-" if rising else "--", marker="o", markersize=3
        )
        ax.annotate(
            f"{labels[uid]}  {int(a)}→{int(b)}",
            (1, b),
            xytext=(1.06, y_text),
            textcoords="data",
            va="center",
            fontsize=8,
            arrowprops=dict(arrowstyle="-", color=GREYS[2], lw=0.6, shrinkA=0, shrinkB=2),
        )
    ax.set_ylim(top + 0.5, 0.5)
    ax.set_xlim(-0.15, 1.6)
    ax.set_xticks([0, 1], [la, lb])
    ax.grid(axis="x", visible=False)
    ax.set_ylabel("名次（1 = 最高）")
    ax.set_xlabel("比较的两方")
    ax.set_title(f"名次变化：{la} → {lb}（实线：上升最多；虚线：下降最多）")
    legend_below(
        fig,
        ax,
        handles=[
            Line2D([], [], color=GREYS[0], lw=1.8, label=f"上升最多的 {len(risers)} 个"),
            Line2D([], [], color=GREYS[0], lw=1.8, ls="--", label=f"下降最多的 {len(fallers)} 个"),
            Line2D([], [], color=GREYS[3], lw=0.8, label="其他单位"),
        ],
    )
    return fig


@house_style
def movers_chart(comp: Comparison, n: int = 5) -> Figure:
    """The ``n`` biggest risers and fallers: change of total as bars, the rank move as text."""
    la, lb = comp.labels
    up = comp.risers(n)
    up = up[up["rank_change"] > 0]
    down = comp.fallers(n)
    down = down[down["rank_change"] < 0].iloc[::-1]
    part = pd.concat([up, down])
    labels = _labels(comp)
    fig, ax = figure(8, max(3.0, 0.38 * len(part) + 1.6))
    y = np.arange(len(part))
    change = part["total_change"].to_numpy(dtype=float)
    rising = part["rank_change"].to_numpy() > 0
    ax.barh(y, change, color=np.where(rising, GREYS[1], GREYS[4]).tolist(), edgecolor=EDGE, linewidth=0.6, hatch=None)
    for bar, r in zip(ax.patches, rising):
        bar.set_hatch(HATCHES[0] if r else HATCHES[1])
    # a unit newly caught by a veto can fall in rank although its total rose: say so
    vetoed = (part["vetoes_b"].fillna("") != "") & (part["vetoes_a"].fillna("") != part["vetoes_b"].fillna(""))
    ax.set_yticks(
        y,
        [
            f"{labels[u]}（{int(a)}→{int(b)}{'，否决/门槛' if v else ''}）"
            for u, a, b, v in zip(part[comp.id_column], part["rank_a"], part["rank_b"], vetoed)
        ],
    )
    ax.set_ylim(len(part) - 0.5, -0.5)
    ax.axvline(0, color=EDGE, linewidth=0.8)
    for yi, c in zip(y, change):
        ax.annotate(
            _signed(c),
            (c, yi),
            xytext=(4 if c >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if c >= 0 else "right",
            va="center",
            fontsize=8,
        )
    span = max(np.abs(change).max() if len(change) else 1.0, 1.0)
    ax.set_xlim(-1.3 * span, 1.3 * span)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"总分变化（分，{lb} − {la}）")
    ax.set_ylabel("单位（名次变化）")
    ax.set_title(f"上升与下降最多的单位：{la} → {lb}")
    fig.tight_layout()
    return fig


@house_style
def dimension_trend_chart(comp: Comparison) -> Figure:
    """Mean attainment (% of the points a unit could earn) per dimension, before and after."""
    la, lb = comp.labels
    dims = comp.dimensions
    fig, ax = figure(8, max(3.2, 0.5 * len(dims) + 1.8))
    y = np.arange(len(dims))
    h = 0.38
    for k, (col, label) in enumerate([("attainment_a", la), ("attainment_b", lb)]):
        ax.barh(
            y + (k - 0.5) * h,
            100 * dims[col].to_numpy(dtype=float),
            height=h,
            color=GREYS[1 + 2 * k],
            hatch=HATCHES[k],
            edgecolor=EDGE,
            linewidth=0.5,
            label=label,
        )
    for yi, a, b in zip(y, dims["attainment_a"], dims["attainment_b"]):
        if pd.notna(a) and pd.notna(b):
            change = round(100 * (b - a), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
            ax.annotate(
                f"{change:+.1f}",
                (100 * max(a, b), yi),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    ax.set_yticks(y, dims["name"].tolist())
    ax.set_ylim(len(dims) - 0.5, -0.5)
    ax.set_xlim(0, 110)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("平均得分率（%，得分 ÷ 可得分值；右侧数字为变化的百分点）")
    ax.set_ylabel("测评维度")
    ax.set_title(f"全区各维度得分率：{la} 与 {lb}")
    legend_below(fig, ax)
    return fig


@house_style
def drivers_chart(comp: Comparison, unit_id: Hashable, n: int = 8, relative: bool = False) -> Figure:
    """One unit's largest indicator changes; with a rubric change, split into rule and data.

    With ``relative``, each bar is the unit's change minus the mean change of all units on that
    indicator: what moved the unit past others (a change everyone shares moves no rank).
    """
    la, lb = comp.labels
    part = comp.drivers(unit_id)
    uid = resolve_unit(comp.b if unit_id in comp.b.points.index else comp.a, unit_id)
    if relative:
        return _relative_drivers(comp, part, uid, n)
    part = part.assign(_abs=part["change"].abs()).sort_values("_abs", ascending=False, kind="stable").head(n)
    fig, ax = figure(8, max(3.0, 0.4 * len(part) + 1.6))
    y = np.arange(len(part))
    rule = part["rule_change"].fillna(0).to_numpy(dtype=float)
    data = part["data_change"].fillna(0).to_numpy(dtype=float)
    whole = part["change"].to_numpy(dtype=float)
    unsplit = ~part["split"].to_numpy(dtype=bool)
    rule = np.where(unsplit, whole, rule)
    data = np.where(unsplit, 0.0, data)
    # stack each part on its own side of zero so that opposite signs stay visible
    ax.barh(y, rule, color=GREYS[1], hatch=HATCHES[1], edgecolor=EDGE, linewidth=0.5, label="规则变化")
    left = np.where(np.sign(data) == np.sign(rule), rule, 0.0)
    ax.barh(y, data, left=left, color=GREYS[3], hatch=HATCHES[2], edgecolor=EDGE, linewidth=0.5, label="数据变化")
    ends = np.where(np.sign(data) == np.sign(rule), rule + data, np.where(np.abs(data) > np.abs(rule), data, rule))
    for yi, c, end in zip(y, whole, ends):
        ax.annotate(
            _signed(c),
            (end, yi),
            xytext=(4 if end >= 0 else -4, 0),
            textcoords="offset points",
            va="center",
            ha="left" if end >= 0 else "right",
            fontsize=8,
        )
    span = max(np.abs(np.r_[rule, data, rule + data]).max() if len(part) else 1.0, 0.5)
    ax.set_xlim(
        -1.25 * span if (np.r_[rule, data] < 0).any() else -0.1 * span,
        1.25 * span if (np.r_[rule, data] > 0).any() else 0.1 * span,
    )
    _indicator_rows(ax, part["name"].tolist())
    ax.set_xlabel(f"指标得分变化（分，{lb} − {la}）")
    row = _unit_row(comp, uid)
    ax.set_title(
        f"{_labels(comp)[uid]}：总分 {_signed(row['total_change'])}，"
        f"名次 {row['rank_a']}→{row['rank_b']}{_veto_note(comp, row)}"
    )
    if comp.kind != "data":
        legend_below(fig, ax)
    else:
        fig.tight_layout()
    return fig


def _indicator_rows(ax, names: list[str]) -> None:
    """Indicators as rows, first at the top, around a zero line: the frame of both driver charts."""
    ax.axvline(0, color=EDGE, linewidth=0.8)
    # a long indicator name wraps onto two lines instead of squeezing the chart
    ax.set_yticks(np.arange(len(names)), [wrap_label(n) for n in names], fontsize=9)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_ylabel("指标")


def _unit_row(comp: Comparison, uid: UnitId) -> pd.Series:
    """The comparison's row of one unit."""
    row = comp.units.set_index(comp.id_column).loc[uid]
    assert isinstance(row, pd.Series)  # ids are unique in a comparison
    return row


def _veto_note(comp: Comparison, row: pd.Series) -> str:
    """A second title line when vetoes differ between the sides: they move ranks more than points."""
    la, lb = comp.labels
    a, b = (str(x) if isinstance(x, str) else "" for x in (row["vetoes_a"], row["vetoes_b"]))
    if a == b:
        return ""
    names = {v.id: v.name for r in (comp.a, comp.b) for v in r.rubric.vetoes}

    def words(ids: str) -> str:
        return "、".join(names.get(v, v) for v in ids.split(";") if v) or "无"

    return f"\n否决与门槛：{la} {words(a)}；{lb} {words(b)}"


def _relative_drivers(comp: Comparison, part: pd.DataFrame, uid: UnitId, n: int) -> Figure:
    la, lb = comp.labels
    part = part[part["vs_mean"].abs() > 1e-6]
    part = part.assign(_abs=part["vs_mean"].abs()).sort_values("_abs", ascending=False, kind="stable").head(n)
    fig, ax = figure(8, max(3.0, 0.4 * len(part) + 1.6))
    y = np.arange(len(part))
    rel = part["vs_mean"].to_numpy(dtype=float)
    ax.barh(y, rel, color=np.where(rel >= 0, GREYS[1], GREYS[3]).tolist(), edgecolor=EDGE, linewidth=0.5)
    for bar, r in zip(ax.patches, rel):
        bar.set_hatch(HATCHES[0] if r >= 0 else HATCHES[1])
    for yi, r, c in zip(y, rel, part["change"].to_numpy(dtype=float)):
        ax.annotate(
            f"本单位 {_signed(c)}，平均 {_signed(c - r)}",
            (r, yi),
            xytext=(4 if r >= 0 else -4, 0),
            textcoords="offset points",
            va="center",
            ha="left" if r >= 0 else "right",
            fontsize=8,
        )
    span = max(np.abs(rel).max() if len(rel) else 1.0, 0.5)
    ax.set_xlim(-2.2 * span, 2.2 * span)
    _indicator_rows(ax, part["name"].tolist())
    ax.set_xlabel(f"指标得分变化减去全部单位的平均变化（分，{lb} 对 {la}）")
    row = _unit_row(comp, uid)
    ax.set_title(
        f"{_labels(comp)[uid]}为何名次 {row['rank_a']}→{row['rank_b']}：与其他单位相比的得失{_veto_note(comp, row)}"
    )
    fig.tight_layout()
    return fig


@house_style
def profile_radar(result: Scored, unit_id: Hashable, group_column: str | None = None) -> Figure:
    """One unit's attainment per dimension on a radar, against its group's and all units' means."""
    uid = resolve_unit(result, unit_id)
    att = 100 * dimension_attainment(result)
    groups = result.rubric.unit.group_columns
    group_column = group_column if group_column is not None else (groups[0] if groups else None)
    table = result.table.set_index(result.id_column)
    name_column = result.rubric.unit.name_column
    series = {str(table.at[uid, name_column]) if name_column else str(uid): att.loc[uid]}
    if group_column:
        g = table[group_column].reindex(att.index)
        members = g.index[g == g.loc[uid]]
        series[f"{g.loc[uid]}平均"] = att.loc[members].mean()
    series["全部平均"] = att.mean()
    names = [d.name for d in result.rubric.dimensions]
    k = len(names)
    angles = np.linspace(0, 2 * np.pi, k, endpoint=False)
    fig, ax = figure(6.5, 6.5, subplot_kw={"polar": True})
    assert isinstance(ax, PolarAxes)
    ax.set_theta_offset(np.pi / 2)  # first dimension at the top, then clockwise as read
    ax.set_theta_direction(-1)
    ax.set_rlabel_position(180 / k)  # radial labels between the first two spokes
    styles: list[dict[str, Any]] = [
        dict(color=GREYS[0], lw=2.0, ls="-"),
        dict(color=GREYS[1], lw=1.4, ls="--"),
        dict(color=GREYS[2], lw=1.4, ls=":"),
    ]
    for (label, values), style in zip(series.items(), styles):
        v = values.to_numpy(dtype=float)
        ax.plot(np.r_[angles, angles[:1]], np.r_[v, v[:1]], label=label, marker="o", markersize=3, **style)
    ax.fill(
        np.r_[angles, angles[:1]],
        np.r_[series[next(iter(series))].to_numpy(dtype=float), series[next(iter(series))].to_numpy(dtype=float)[:1]],
        color=GREYS[3],
        alpha=0.35,
    )
    ax.set_xticks(angles, names)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["25%", "50%", "75%", "100%"], fontsize=8)
    ax.set_title(f"各维度得分率（%）：{next(iter(series))}与平均水平", pad=18)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncols=len(series), fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


__all__ = ["dimension_trend_chart", "drivers_chart", "movers_chart", "profile_radar", "slope_chart"]
