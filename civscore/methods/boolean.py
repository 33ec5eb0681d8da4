"""boolean: all of the indicator's points when the value is true, none otherwise (contract section 3)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from civscore.methods.base import EPS, NONE, IndicatorLike, Method, Steps, Values, earned_of, lookup, no_steps
from civscore.methods.registry import register
from civscore.words import quantity_label, say


class Boolean(Method):
    """P if v is true (non-zero), else 0. Reads yes/no data (true/false, 1/0, 是/否, 有/无, yes/no)."""

    name = "boolean"
    order = 1
    reads = "boolean"
    example: ClassVar[dict[str, Any]] = {"points": 2}

    def points(self, values: Values, ind: IndicatorLike, out: np.ndarray | None = None) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        # 0 -> 0 points, non-zero -> P, NaN (which is also non-zero) -> NaN
        pick = (v != 0).view(np.uint8) + np.isnan(v).view(np.uint8)
        return lookup([0.0, ind.points, np.nan], pick, out)

    def rule_text(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> np.ndarray:
        v = values.to_numpy(dtype=float)
        return np.char.add(
            np.where(v != 0, say("是 → ", "yes → "), say("否 → ", "no → ")), earned_of(earned, ind.points)
        ).astype(object)

    def next_step(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> Steps:
        v = values.to_numpy(dtype=float)
        out = no_steps(len(v))
        has = earned < ind.points - EPS
        out["op"] = np.where(has, "==", "").astype(object)
        out["target"] = np.where(has, True, NONE).astype(object)
        out["after"] = np.where(has, ind.points, np.nan)
        text = f"缺：{ind.name}（{quantity_label(ind.value)} 应为“是”）"
        out["text"] = np.where(np.isnan(v), f"{text}；目前未报送", text).astype(object)
        return out

    def summary(self, ind: IndicatorLike) -> str:
        return "是→满分"


register(Boolean())
