"""bands (分档): the points of the first band the value meets, in listed order (contract section 3)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from civscore.methods.base import (
    EPS,
    NONE,
    BandLike,
    IndicatorLike,
    Method,
    Steps,
    Values,
    earned_of,
    field,
    given,
    head,
    lookup,
    no_steps,
    number,
    number_at,
    output,
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

    def points(self, values: Values, ind: IndicatorLike, out: np.ndarray | None = None) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        bands = given(ind.bands, ind, "bands")
        otherwise = ind.otherwise if ind.otherwise is not None else 0.0
        if not _nested(bands):
            return _first_met(v, bands, otherwise, out)
        # Thresholds that only tighten (the rubric's rule): a value meeting band i meets every
        # later band too, so the first band met is the number of bands less the number met.
        met = np.zeros(len(v), np.uint8)
        hit = np.empty(len(v), bool)
        with np.errstate(invalid="ignore"):
            for band in bands:
                if band.at_least is not None:
                    np.greater_equal(v, band.at_least, out=hit)
                else:
                    np.less_equal(v, given(band.at_most, ind, "bands"), out=hit)
                met += hit.view(np.uint8)
        np.isnan(v, out=hit)
        met[hit] = len(bands) + 1
        table = [otherwise, *(b.points for b in reversed(bands)), np.nan]
        return lookup(table, met, out)

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


def _nested(bands: Sequence[BandLike]) -> bool:
    """Whether every band's condition implies the next one's (at_least strictly falling, or
    at_most strictly rising: what :meth:`Bands.check` requires), and there are few enough
    bands to count in a byte."""
    if len(bands) > 250:
        return False
    if all(b.at_least is not None for b in bands):
        least = [float(b.at_least) for b in bands if b.at_least is not None]
        return all(a > b for a, b in itertools.pairwise(least))
    if all(b.at_most is not None for b in bands):
        most = [float(b.at_most) for b in bands if b.at_most is not None]
        return all(a < b for a, b in itertools.pairwise(most))
    return False


def _first_met(v: np.ndarray, bands: Sequence[BandLike], otherwise: float, out: np.ndarray | None) -> np.ndarray:
    """The points of the first band met, band by band (any bands, however listed)."""
    out = output(out, len(v))
    out.fill(otherwise)
    # assign from the last band to the first so the first band met wins
    with np.errstate(invalid="ignore"):
        for band in reversed(bands):
            met = v >= band.at_least if band.at_least is not None else v <= band.at_most
            out[met] = band.points
    out[np.isnan(v)] = np.nan
    return out


register(Bands())
