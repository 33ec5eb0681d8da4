"""Charts. This package owns the look: the Chinese font and the house style are set up here, once.

The font is Noto Sans CJK SC from the PyPI package ``noto-cjk-sans-otc`` (SIL Open Font License
1.1; the licence ships inside that package's dist-info). Registering it at import means Chinese
labels render on a fresh machine with no system fonts and no "Glyph missing" warnings.
Chart modules (``ranking``, ``change``, ``robustness``, ...) import :func:`figure` from here.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, overload

import matplotlib
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
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
    "axes.unicode_minus": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
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
matplotlib.rcParams.update(STYLE)


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


__all__ = ["ACCENT", "FONT_FAMILY", "GREYS", "HATCHES", "STYLE", "figure"]
