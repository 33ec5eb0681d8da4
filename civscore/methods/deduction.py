"""deduction (扣完为止): points taken off per violation, floored at zero (contract section 3)."""

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
from civscore.words import fmt, fmt_all, fmt_points, quantity_label, say


class Deduction(PerItem):
    """max(0, P - per_item * v): deductions per violation, floored at zero (扣完为止)."""

    name = "deduction"
    order = 4
    example: ClassVar[dict[str, Any]] = {"points": 6, "per_item": 2}

    def points(self, values: Values, ind: IndicatorLike, out: np.ndarray | None = None) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        out = output(out, len(v))
        # max(0, P - per_item * v) in place
        np.multiply(given(ind.per_item, ind, "per_item"), v, out=out)
        np.subtract(ind.points, out, out=out)
        np.maximum(0.0, out, out=out)
        return out

    def rule_text(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> np.ndarray:
        v = values.to_numpy(dtype=float)
        P, per_item = ind.points, given(ind.per_item, ind, "per_item")
        vv = fmt_all(v).astype(str)
        text = np.char.add(
            np.char.add(f"{fmt_points(P)} − {fmt(per_item)} × ", vv),
            np.where(P - per_item * v < 0, say("，扣完为止", ", floored at 0"), ""),
        )
        return np.char.add(np.char.add(text, " → "), earned_of(earned, P)).astype(object)

    def next_step(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> Steps:
        v = values.to_numpy(dtype=float)
        out = no_steps(len(v))
        has = earned < ind.points - EPS
        out["op"] = np.where(has, "<=", "").astype(object)
        out["target"] = np.where(has, 0.0, NONE).astype(object)
        out["after"] = np.where(has, ind.points, np.nan)
        q = quantity_label(ind.value)
        n_now = value_text(values).astype(str)
        text = np.char.add(np.char.add(np.char.add(np.char.add(head(ind), n_now), " → 0（整改清零 "), n_now), " 项）")
        text = np.where(np.isnan(v), f"{q} 缺失，补报（0 项得满分）", text)
        out["text"] = text.astype(object)
        return out

    def step_note(self, ind: IndicatorLike, values: pd.Series) -> np.ndarray | None:
        # items beyond P / per_item are not counted (扣完为止): clearing those first earns nothing
        v = values.to_numpy(dtype=float)
        free = np.ceil(v - ind.points / given(ind.per_item, ind, "per_item") - EPS)
        text = np.char.add(np.char.add("扣完为止：前 ", fmt_all(free).astype(str)), " 项整改不加分")
        return np.where(free > 0, text, "")

    def summary(self, ind: IndicatorLike) -> str:
        return f"每项 −{fmt(ind.per_item)}"


register(Deduction())
