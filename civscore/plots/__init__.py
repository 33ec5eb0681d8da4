"""Charts. This package owns the look: the Chinese font and the house style are set up here, once.

The font is Noto Sans CJK SC from the PyPI package ``noto-cjk-sans-otc`` (SIL Open Font License
1.1; the licence ships inside that package's dist-info). Registering it at import means Chinese
labels render on a fresh machine with no system fonts and no "Glyph missing" warnings.
Chart modules (``ranking``, ``change``, ``robustness``, ...) import :func:`figure` from here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Literal, ParamSpec, TypeVar, overload

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

FONT_FAMILY = "Noto Sans CJK SC"
# grey levels and hatches that stay distinct in black-and-white print
GREYS = ["#1a1a1a", "#595959", "#8c8c8c", "#bfbfbf", "#e0e0e0"]
HATCHES = ["", "//", "..", "xx", "\\\\"]
ACCENT = "#2f6f9f"


def _register_font() -> str:
    from noto_cjk_sans_otc import FONT_PATH

    font_manager.fontManager.addfont(str(FONT_PATH))
    # The collection has one weight; matplotlib logs each time bold falls back to regular.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return str(FONT_PATH)


FONT_PATH = _register_font()

STYLE: dict[RcKeyType, Any] = {
    # concrete names, not the generic "sans-serif": a text keeps its family from creation, while a
    # generic one would be looked up in the global rcParams when the figure is drawn
    "font.family": [FONT_FAMILY, "DejaVu Sans"],
    "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
    "axes.unicode_minus": False,
    "figure.dpi": 100,
    "savefig.dpi": 200,  # print quality; notebooks show 200 dpi through the retina inline format
    "figure.figsize": (8, 4.5),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.titlesize": 13,
    "axes.titleweight": "normal",
    "axes.labelsize": 11,
    "svg.hashsalt": "civscore",  # deterministic SVG ids
}
# No global rcParams change: importing civscore must not restyle a user's own charts. Every chart
# function runs inside the style (``house_style``), so its texts are made with the CJK font.


P = ParamSpec("P")
R = TypeVar("R")


def house_style(chart: Callable[P, R]) -> Callable[P, R]:
    """Run a chart function inside the house style (font, sizes, grid) without touching rcParams."""

    @functools.wraps(chart)
    def styled(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.rc_context(STYLE):
            made = chart(*args, **kwargs)
            if isinstance(made, Figure):
                # tick labels are made at the first draw: draw once here, so that they too get the
                # CJK font (later draws outside the style copy the ticks' properties)
                made.draw_without_rendering()
            return made

    return styled


def wrap_label(text: str, width: int = 14) -> str:
    """A label of more than ``width`` characters on two lines (three at most, then cut with …)."""
    text = str(text)
    if len(text) <= width:
        return text
    lines = [text[i : i + width] for i in range(0, len(text), width)]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1] + "…"]
    return "\n".join(lines)


def legend_below(fig: Figure, ax: Axes, handles: list[Any] | None = None, ncols: int | None = None) -> None:
    """The legend under the chart, never over the data; lays the figure out (call it last)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    else:
        labels = [h.get_label() for h in handles]
    if not handles:
        fig.tight_layout()
        return
    ncols = ncols or min(len(handles), 4)
    rows = -(-len(handles) // ncols)
    fig.legend(handles, labels, loc="lower center", ncols=ncols, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, (0.1 + 0.24 * rows) / fig.get_figheight(), 1, 1))


@overload
def figure(
    width: float = ..., height: float = ..., *, ncols: Literal[1] = ..., **kwargs: Any
) -> tuple[Figure, Axes]: ...
@overload
def figure(width: float, height: float, *, ncols: int, **kwargs: Any) -> tuple[Figure, npt.NDArray[np.object_]]: ...


def figure(width: float = 8, height: float = 4.5, *, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """A new figure in the house style: one ``Axes``, or an array of them when ``ncols`` > 1."""
    with plt.rc_context(STYLE):
        return plt.subplots(figsize=(width, height), ncols=ncols, **kwargs)


__all__ = ["ACCENT", "FONT_FAMILY", "GREYS", "HATCHES", "STYLE", "figure", "house_style", "legend_below", "wrap_label"]
