"""bands (分档): the points of the first band the value meets, in listed order (contract section 3)."""

from __future__ import annotations

import itertools
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
    field,
    given,
    head,
    no_steps,
    number,
    number_at,
    outside,
    value_text,
)
from civscore.methods.registry import register
from civscore.words import fmt, fmt_points, quantity_label, say


class Bands(Method):
    """Points of the first band the value meets, in listed order; `otherwise` (0) if none."""

    name = "bands"
    order = 3
    needs = frozenset({"bands"})
    accepts = frozenset({"otherwise"})
    example: ClassVar[dict[str, Any]] = {
        "points": 6,
        "bands": [{"at_least": 90, "points": 6}, {"at_least": 75, "points": 3}],
        "otherwise": 1,
    }

    def check(self, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        P = number(raw.get("points"))
        bands = raw.get("bands")
        if isinstance(bands, list) and bands:
            least = [x for x in (number_at(b, "at_least") for b in bands) if x is not None]
            most = [x for x in (number_at(b, "at_most") for b in bands) if x is not None]
            if least and most:
                problems.append(
                    (
                        "bands",
                        say(
                            "分档混用了 at_least 和 at_most；一个指标只能用其中一种",
                            "bands mix at_least and at_most; use one kind in an indicator",
                        ),
                    )
                )
            elif len(least) == len(bands) and any(b >= a for a, b in itertools.pairwise(least)):
                problems.append(
                    (
                        "bands",
                        say("at_least 必须逐档严格递减", "at_least must decrease strictly from one band to the next"),
                    )
                )
            elif len(most) == len(bands) and any(b <= a for a, b in itertools.pairwise(most)):
                problems.append(
                    (
                        "bands",
                        say("at_most 必须逐档严格递增", "at_most must increase strictly from one band to the next"),
                    )
                )
            for i, band in enumerate(bands):
                problems += outside(f"bands[{i}].points", number_at(band, "points"), P)
        return problems + outside("otherwise", number(raw.get("otherwise")), P)

    def points(self, values: Values, ind: IndicatorLike) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        otherwise = ind.otherwise if ind.otherwise is not None else 0.0
        out = np.full(v.shape, otherwise, dtype=float)
        # assign from the last band to the first so the first band met wins
        with np.errstate(invalid="ignore"):
            for band in reversed(given(ind.bands, ind, "bands")):
                met = v >= band.at_least if band.at_least is not None else v <= band.at_most
                out[met] = band.points
        out[np.isnan(v)] = np.nan
        return out

    def rule_text(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> np.ndarray:
        v = values.to_numpy(dtype=float)
        bands = given(ind.bands, ind, "bands")
        at_least = bands[0].at_least is not None
        sign = "≥" if at_least else "≤"
        labels = [f"{sign} {fmt(b.threshold)} → " for b in bands]
        # the first band met, in listed order, as the engine does it
        met = np.column_stack([v >= b.threshold if at_least else v <= b.threshold for b in bands])
        first = np.where(met.any(axis=1), met.argmax(axis=1), len(bands))
        last = fmt(bands[-1].threshold)
        otherwise = (
            say(f"低于 {last}（其余）→ ", f"below {last} (otherwise) → ")
            if at_least
            else say(f"高于 {last}（其余）→ ", f"above {last} (otherwise) → ")
        )
        heads = np.array(labels + [otherwise], dtype=object)[first].astype(str)
        return np.char.add(heads, earned_of(earned, ind.points)).astype(object)

    def next_step(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> Steps:
        v = values.to_numpy(dtype=float)
        c = earned
        bands = given(ind.bands, ind, "bands")
        t = np.array([b.threshold for b in bands], dtype=float)
        p = np.array([b.points for b in bands], dtype=float)
        at_least = bands[0].at_least is not None
        vv = v[:, None]
        with np.errstate(invalid="ignore"):
            ahead = (t[None, :] > vv) if at_least else (t[None, :] < vv)
        # reaching a band's threshold exactly earns that band (the bands before it need more), so
        # the next step is the nearest threshold ahead whose band pays more than today
        cand = (ahead | np.isnan(vv)) & (p[None, :] > c[:, None] + EPS)
        has = cand.any(axis=1)
        k = len(bands) - 1 - np.argmax(cand[:, ::-1], axis=1)
        out = no_steps(len(v))
        sign = "≥" if at_least else "≤"
        op = ">=" if at_least else "<="
        out["op"] = np.where(has, op, "").astype(object)
        out["target"] = np.where(has, t[k], NONE).astype(object)
        out["after"] = np.where(has, p[k], np.nan)
        # a missing value below every band can still earn `otherwise` once reported
        otherwise = ind.otherwise or 0.0
        report_any = ~has & np.isnan(v) & (otherwise > c + EPS)
        out["op"] = np.where(report_any, "<" if at_least else ">", out["op"]).astype(object)
        out["target"] = np.where(report_any, t[-1], out["target"]).astype(object)
        out["after"] = np.where(report_any, otherwise, out["after"])
        q = quantity_label(ind.value)
        now = value_text(values).astype(str)
        thr = np.array([fmt(x) for x in t], dtype=object)[k].astype(str)
        text = np.char.add(np.char.add(np.char.add(head(ind), now), f" → {sign} "), thr)
        text = np.where(np.isnan(v), np.char.add(np.char.add(f"{q} 缺失，补报且 {sign} ", thr), ""), text)
        text = np.where(
            report_any,
            f"{q} 缺失，补报实际数值（{'低于' if at_least else '高于'}各档也得 {fmt_points(otherwise)} 分）",
            text,
        )
        out["text"] = np.where(has | report_any, text, "已达可达的最高档").astype(object)
        return out

    def summary(self, ind: IndicatorLike) -> str:
        bands = given(ind.bands, ind, "bands")
        sign = "≥" if bands[0].at_least is not None else "≤"
        parts = [f"{sign}{fmt(b.threshold)}→{fmt(b.points)}" for b in bands]
        if ind.otherwise:
            parts.append(f"否则→{fmt(ind.otherwise)}")
        return ", ".join(parts)

    def thresholds(self, ind: Any) -> list[float]:
        found = [number_at(b, key) for b in field(ind, "bands") or [] for key in ("at_least", "at_most")]
        return [x for x in found if x is not None]


register(Bands())
