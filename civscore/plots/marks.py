"""How charts of a scored result mark what matters: tier fills and hatches (best tier darkest),
vetoed units in pale red with a dark red cross-hatch and the word 否决, text colours that keep
WCAG contrast, and the figure, title and row-height conventions the charts share."""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from civscore.analysis.summary import tier_bounds, unit_labels
from civscore.plots import GREYS, HATCHES, figure
from civscore.scoring.scored import Scored

# Above this many units a chart stops naming every unit on its axis (labels would overlap).
MAX_LABELLED_UNITS = 80
# Bar fills per tier, best tier darkest.
TIER_FILLS = ["#404040", "#7f7f7f", "#b3b3b3", "#e0e0e0", "#ffffff"]
# A unit failed by a veto is pale red, cross-hatched in dark red and marked 否决, whatever its
# total: never the fill of a tier, so it cannot be read as a top performer (grey copies keep the hatch).
VETO_HATCH = "xx"
VETO_FILL = "#fde2e1"
VETO_EDGE = "#9c0006"
# Tier hatches: the house hatches minus the one reserved for vetoes, so tiers differ in print too.
TIER_HATCHES = [h for h in HATCHES if h != VETO_HATCH] + ["--", "oo"]
EDGE = GREYS[0]
# near black (weak) → white (full marks): the eye goes to the cells that need work, and a grey
# ramp prints the same in colour and in black and white
SHARE_CMAP = LinearSegmentedColormap.from_list("civscore_weak_dark", ["#262626", "#ffffff"])


def contrast(a: float, b: float) -> float:
    """WCAG contrast ratio of two relative luminances."""
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def luminance(rgba: tuple[float, ...]) -> float:
    """WCAG relative luminance of an sRGB colour (components 0..1)."""
    c = np.asarray(rgba[:3], dtype=float)
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def text_colour(background: tuple[float, ...]) -> str:
    """Black or white, whichever contrasts more with ``background`` (never below 4.58:1)."""
    lum = luminance(background)
    return "#000000" if contrast(lum, 0.0) >= contrast(lum, 1.0) else "#ffffff"


def tier_style(result: Scored) -> dict[str, tuple[str, str]]:
    """Tier name -> (fill, hatch)."""
    return {
        t.name: (TIER_FILLS[min(i, len(TIER_FILLS) - 1)], TIER_HATCHES[i % len(TIER_HATCHES)])
        for i, t in enumerate(result.rubric.tiers)
    }


def bar_styles(result: Scored, part: pd.DataFrame) -> tuple[list[str], list[str]]:
    styles = tier_style(result)
    fills = [VETO_FILL if d else styles.get(t, ("#ffffff", ""))[0] for t, d in zip(part["tier"], part["disqualified"])]
    hatches = [VETO_HATCH if d else styles.get(t, ("", ""))[1] for t, d in zip(part["tier"], part["disqualified"])]
    return fills, hatches


def tier_legend(result: Scored, include_veto: bool, hatched: bool = True) -> list[Patch]:
    bounds = tier_bounds(result)
    handles = [
        Patch(facecolor=fill, edgecolor=EDGE, hatch=hatch if hatched else "", label=plain(f"{name}（{bounds[name]}）"))
        for name, (fill, hatch) in tier_style(result).items()
    ]
    if include_veto:
        handles.append(
            Patch(facecolor=VETO_FILL, edgecolor=VETO_EDGE, hatch=VETO_HATCH if hatched else "", label="一票否决")
        )
    return handles


def plain(text: object) -> str:
    """Text as matplotlib should draw it: a '$' in a name must not switch on math mode."""
    return str(text).replace("$", r"\$")


@overload
def bars_figure(width: float, height: float, *, ncols: Literal[1] = ..., **kwargs: Any) -> tuple[Figure, Axes]: ...
@overload
def bars_figure(
    width: float, height: float, *, ncols: int, **kwargs: Any
) -> tuple[Figure, npt.NDArray[np.object_]]: ...


def bars_figure(width: float, height: float, *, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """The house figure, with grid lines drawn under the bars (a grey line across a bar reads as a gap)."""
    fig, axes = figure(width, height, ncols=ncols, **kwargs)
    for ax in np.atleast_1d(axes):
        ax.set_axisbelow(True)
    return fig, axes


def chart_title(result: Scored, what: str) -> str:
    rubric = result.rubric
    return plain(f"{what}\n{rubric.name}（版本 {rubric.version}）")


def rank_labels(result: Scored, part: pd.DataFrame) -> list[str]:
    labels = unit_labels(result)
    ids = part[result.id_column].astype(str)
    return [plain(f"{r}. {labels[i]}") for r, i in zip(part["rank"], ids)]


def rows_height(n: int, margin: float) -> float:
    """Figure height in inches for one row per unit: a readable line each while units are named,
    a fixed size once there are too many to name (the chart then shows the shape, not the names)."""
    if n > MAX_LABELLED_UNITS:
        return 7.0
    return max(3.0, 0.24 * n + margin)


def score_axis_max(result: Scored) -> float:
    top = float(result.table["total"].max()) if len(result.table) else 0.0
    return max(top, result.rubric.total_points)


def mark_vetoes(ax, bars, part: pd.DataFrame, hatches: list[str]) -> None:
    """Hatch each bar; a vetoed unit's bar gets a dark red outline and hatch and the word 否决."""
    for bar, hatch, vetoed in zip(bars, hatches, part["disqualified"]):
        bar.set_hatch(hatch)
        if vetoed:
            bar.set_edgecolor(VETO_EDGE)
            ax.text(
                bar.get_width(), bar.get_y() + bar.get_height() / 2, " 否决", va="center", fontsize=8, color=VETO_EDGE
            )


def red_veto_labels(ax, part: pd.DataFrame) -> None:
    for label, vetoed in zip(ax.get_yticklabels(), part["disqualified"]):
        if vetoed:
            label.set_color(VETO_EDGE)
