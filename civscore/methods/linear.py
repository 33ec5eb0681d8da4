"""linear: points in proportion between a zero and a full value, clipped (contract section 3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from civscore.methods.base import (
    EPS,
    NONE,
    IndicatorLike,
    Method,
    Steps,
    Values,
    earned_of,
    given,
    head,
    no_steps,
    number_at,
    output,
    value_text,
)
from civscore.methods.registry import register
from civscore.words import fmt, fmt_points, quantity_label, say


class Linear(Method):
    """P * clip((v - zero) / (full - zero), 0, 1); full < zero means lower is better."""

    name = "linear"
    order = 2
    needs = frozenset({"zero", "full"})
    example: ClassVar[dict[str, Any]] = {"points": 6, "zero": 60, "full": 95}

    def check(self, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
        if raw.get("zero") is not None and raw.get("zero") == raw.get("full"):
            return [("full", say("linear 要求 zero 与 full 不相等", "linear needs zero != full"))]
        return []

    def points(self, values: Values, ind: IndicatorLike, out: np.ndarray | None = None) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        zero, full = given(ind.zero, ind, "zero"), given(ind.full, ind, "full")
        out = output(out, len(v))
        # P * clip((v - zero) / (full - zero), 0, 1), one step at a time in place
        with np.errstate(invalid="ignore"):
            np.subtract(v, zero, out=out)
            np.divide(out, full - zero, out=out)
            np.clip(out, 0.0, 1.0, out=out)
            np.multiply(ind.points, out, out=out)
        return out

    def rule_text(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> np.ndarray:
        zero, full, P = fmt(ind.zero), fmt(ind.full), fmt_points(ind.points)
        span = say(f"线性 {zero} → 0，{full} → {P}：", f"linear {zero} → 0, {full} → {P}: ")
        return np.char.add(span, earned_of(earned, ind.points)).astype(object)

    def next_step(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> Steps:
        v = values.to_numpy(dtype=float)
        out = no_steps(len(v))
        has = earned < ind.points - EPS
        zero, full = given(ind.zero, ind, "zero"), given(ind.full, ind, "full")
        higher = full > zero
        sign = "≥" if higher else "≤"
        out["op"] = np.where(has, ">=" if higher else "<=", "").astype(object)
        out["target"] = np.where(has, full, NONE).astype(object)
        out["after"] = np.where(has, ind.points, np.nan)
        q = quantity_label(ind.value)
        text = np.char.add(np.char.add(head(ind), value_text(values).astype(str)), f" → {sign} {fmt(full)}（满分）")
        text = np.where(np.isnan(v), f"{q} 缺失，补报且 {sign} {fmt(full)}（满分）", text)
        out["text"] = text.astype(object)
        return out

    def summary(self, ind: IndicatorLike) -> str:
        return f"{fmt(ind.zero)}→0, {fmt(ind.full)}→满分"

    def thresholds(self, ind: Any) -> list[float]:
        return [x for x in (number_at(ind, "zero"), number_at(ind, "full")) if x is not None]


register(Linear())
