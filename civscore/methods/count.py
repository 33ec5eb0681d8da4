"""count (每项得 d 分, 最高 P 分): points per item, up to the indicator's points (contract section 3)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from civscore.methods.base import (
    EPS,
    NONE,
    IndicatorLike,
    PerItem,
    Steps,
    Values,
    earned_of,
    given,
    head,
    no_steps,
    output,
    value_text,
)
from civscore.methods.registry import register
from civscore.words import fmt, fmt_all, quantity_label, say


class Count(PerItem):
    """min(P, per_item * v): points per item up to the indicator's points (每项得 d 分, 最高 P 分)."""

    name = "count"
    order = 5
    example: ClassVar[dict[str, Any]] = {"points": 6, "per_item": 1.5}

    def points(self, values: Values, ind: IndicatorLike, out: np.ndarray | None = None) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        out = output(out, len(v))
        # min(P, per_item * v) in place
        np.multiply(given(ind.per_item, ind, "per_item"), v, out=out)
        np.minimum(ind.points, out, out=out)
        return out

    def rule_text(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> np.ndarray:
        v = values.to_numpy(dtype=float)
        P, per_item = ind.points, given(ind.per_item, ind, "per_item")
        vv = fmt_all(v).astype(str)
        text = np.char.add(
            np.char.add(f"{fmt(per_item)} × ", vv), np.where(per_item * v > P, say("，封顶", ", capped"), "")
        )
        return np.char.add(np.char.add(text, " → "), earned_of(earned, P)).astype(object)

    def next_step(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> Steps:
        v = values.to_numpy(dtype=float)
        out = no_steps(len(v))
        need = ind.points / given(ind.per_item, ind, "per_item")
        has = earned < ind.points - EPS
        out["op"] = np.where(has, ">=", "").astype(object)
        out["target"] = np.where(has, need, NONE).astype(object)
        out["after"] = np.where(has, ind.points, np.nan)
        q = quantity_label(ind.value)
        more = fmt_all(need - v).astype(str)
        text = np.char.add(
            np.char.add(
                np.char.add(np.char.add(head(ind), value_text(values).astype(str)), f" → ≥ {fmt(need)}（再增加 "), more
            ),
            "）",
        )
        text = np.where(np.isnan(v), f"{q} 缺失，补报且 ≥ {fmt(need)}", text)
        out["text"] = text.astype(object)
        return out

    def summary(self, ind: IndicatorLike) -> str:
        return f"每项 +{fmt(ind.per_item)}"


register(Count())
