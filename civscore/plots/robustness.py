"""Robustness charts: rank intervals per unit, and Sobol indices per factor.

Both read the plain tables of :func:`civscore.uncertainty` and :func:`civscore.sensitivity`
and return a matplotlib Figure in the house style (greys and hatches that survive
black-and-white print).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from civscore.plots import ACCENT, GREYS, figure, house_style
from civscore.words import language

if TYPE_CHECKING:
    from civscore.robustness.sensitivity import Sensitivity
    from civscore.robustness.uncertainty import Uncertainty


TEXT = {
    "zh": dict(
        interval="5%–95% 的模拟",
        median="中位名次",
        nominal="实际名次",
        rank_axis="名次（1 = 最好）",
        units_axis="各单位（按实际名次排列）",
        interval_title="名次区间：{runs:,} 次模拟，分值浮动 ±{noise:g}%",
        first="一阶指数（单独作用）",
        total="总效应指数（含交互作用）",
        sobol_axis="Sobol 指数（占平均名次偏移方差的比例）",
        sobol_title="哪些因素决定名次波动（N = {n:,}）",
    ),
    "en": dict(
        interval="5–95% of runs",
        median="median rank",
        nominal="nominal rank",
        rank_axis="rank (1 = best)",
        units_axis="units in nominal order",
        interval_title="Rank intervals over {runs:,} runs (weights ±{noise:g}%)",
        first="first-order (alone)",
        total="total (with interactions)",
        sobol_axis="Sobol index (share of the variance of the mean rank shift)",
        sobol_title="What drives the spread of the ranking (N = {n:,})",
    ),
}


def _text(lang: str | None) -> dict[str, str]:
    lang = lang or language()
    if lang not in TEXT:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return TEXT[lang]


@house_style
def rank_intervals(u: Uncertainty, max_labels: int = 80, title: str | None = None, lang: str | None = None) -> Figure:
    """One row per unit, best nominal rank at the top: 5-95% rank interval, median and nominal.

    Unit names label the rows when there are at most ``max_labels`` units. ``lang``: "zh" or "en"
    (default: the message language, :func:`civscore.words.language`).
    """
    text = _text(lang)
    s = u.rank_stats
    unit = u.rubric.unit
    n = len(s)
    y = np.arange(n)
    height = min(max(3.0, 0.2 * n + 1.2), 16.0)
    fig, ax = figure(8, height)
    ax.hlines(y, s["q05_rank"], s["q95_rank"], color=GREYS[2], linewidth=3.5, label=text["interval"])
    ax.scatter(s["median_rank"], y, marker="|", s=90, color=GREYS[0], zorder=3, label=text["median"])
    ax.scatter(
        s["nominal_rank"], y, marker="D", s=18, facecolor="white", edgecolor=ACCENT, zorder=4, label=text["nominal"]
    )
    if n <= max_labels:
        names = s[unit.name_column or unit.id_column].astype("string").fillna(s[unit.id_column].astype("string"))
        ax.set_yticks(y, names.tolist(), fontsize=8 if n > 30 else 10)
    else:
        ax.set_yticks([])
        ax.set_ylabel(text["units_axis"])
    ax.set_ylim(n - 0.5, -0.5)  # rank 1 at the top
    ax.set_xlabel(text["rank_axis"])
    ax.grid(axis="y", visible=False)
    cfg = u.settings
    ax.set_title(title or text["interval_title"].format(runs=cfg["runs"], noise=100 * cfg["weight_noise"]))
    ax.legend(loc="upper right", fontsize=9, frameon=True)
    fig.tight_layout()
    return fig


@house_style
def sobol_bars(sens: Sensitivity, title: str | None = None, lang: str | None = None) -> Figure:
    """First-order and total Sobol index per factor, with bootstrap confidence intervals."""
    text = _text(lang)
    idx = sens.indices.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    n = len(idx)
    y = np.arange(n)
    h = 0.38
    fig, ax = figure(8, max(2.5, 0.55 * n + 1.4))
    err = dict(ecolor=GREYS[0], capsize=3, elinewidth=0.9)
    ax.barh(y - h / 2, idx["S1"], h, xerr=idx["S1_conf"], color=GREYS[1], error_kw=err)
    ax.barh(y + h / 2, idx["ST"], h, xerr=idx["ST_conf"], color=GREYS[3], hatch="//", edgecolor=GREYS[1], error_kw=err)
    ax.set_yticks(y, idx["label" if (lang or language()) == "zh" else "label_en"].tolist())
    ax.set_ylim(n - 0.5, -0.5)
    ax.axvline(0, color=GREYS[0], linewidth=0.8)
    ax.set_xlabel(text["sobol_axis"])
    ax.grid(axis="y", visible=False)
    ax.set_title(title or text["sobol_title"].format(n=sens.settings["samples"]))
    handles = [
        Patch(facecolor=GREYS[1], label=text["first"]),
        Patch(facecolor=GREYS[3], hatch="//", edgecolor=GREYS[1], label=text["total"]),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=9, frameon=True)
    fig.tight_layout()
    return fig


__all__ = ["rank_intervals", "sobol_bars"]
