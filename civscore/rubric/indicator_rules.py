"""The rules of one indicator beyond its types (rubric-contract sections 3 and 9): points written
as percentages, its method's rules and its ``range``.  They work on a raw mapping as well as on a
validated indicator, so that the loader reports them even when another key is malformed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from civscore.methods.base import number
from civscore.methods.registry import METHODS, method_rule_problems
from civscore.words import fmt, say

# points written as a percentage of the indicator's points (contract section 9): "66%", "33.3%"
PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[%％]\s*$")


def percent_of(x: Any) -> float | None:
    """The percentage written in ``x`` ("66%" -> 66.0), or None when ``x`` is not one."""
    if not isinstance(x, str):
        return None
    match = PERCENT.match(x)
    return float(match.group(1)) if match else None


def resolve_percentages(data: Any, valid_only: bool = False) -> Any:
    """A raw indicator with every percentage in ``map``, band ``points`` and ``otherwise``
    turned into points (P x percent / 100); anything else is returned as it is. With
    ``valid_only`` a percentage outside 0%-100% stays text (its own problem names it)."""
    if not isinstance(data, Mapping):
        return data
    P = number(data.get("points"))
    if P is None:
        return data  # the points themselves are wrong: the model says so

    def points(x: Any) -> Any:
        pct = percent_of(x)
        if pct is None or (valid_only and not 0 <= pct <= 100):
            return x
        return P * pct / 100

    out = dict(data)
    if isinstance(out.get("map"), Mapping):
        out["map"] = {k: points(v) for k, v in out["map"].items()}
    if isinstance(out.get("bands"), list):
        out["bands"] = [
            dict(b, points=points(b["points"])) if isinstance(b, Mapping) and "points" in b else b for b in out["bands"]
        ]
    if "otherwise" in out:
        out["otherwise"] = points(out["otherwise"])
    return out


def _percent_problem(x: Any) -> str | None:
    """A percentage outside 0%-100%, in words; None for anything else."""
    pct = percent_of(x)
    if pct is None or 0 <= pct <= 100:
        return None
    if pct > 100:
        return say(
            f"{x.strip()} 超过 100%（百分比按本项分值折算）", f"{x.strip()} is above 100% (a percentage of the points)"
        )
    return say(f"{x.strip()} 小于 0%", f"{x.strip()} is below 0%")


def indicator_rule_problems(ind: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The rules of one indicator beyond its types, as (key, message) pairs: its method's
    (rubric-contract section 3, :mod:`civscore.methods`) and its ``range``.

    Works on a raw mapping as well as on a validated indicator's fields, so that the loader can
    report these rules even when some other key of the same indicator is malformed.
    """
    problems = _percent_problems(ind)
    ind = resolve_percentages(ind, valid_only=True)
    return problems + method_rule_problems(ind) + _range_problems(ind)


def _percent_problems(ind: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Percentages above 100% (or below 0%) in map, bands and otherwise, as written."""
    problems = []
    mapping = ind.get("map")
    if isinstance(mapping, Mapping):
        for label, p in mapping.items():
            if (text := _percent_problem(p)) is not None:
                problems.append(("map", f"{label!r} -> {text}"))
    bands = ind.get("bands")
    if isinstance(bands, list):
        for i, band in enumerate(bands):
            if isinstance(band, Mapping) and (text := _percent_problem(band.get("points"))) is not None:
                problems.append((f"bands[{i}].points", text))
    if (text := _percent_problem(ind.get("otherwise"))) is not None:
        problems.append(("otherwise", text))
    return problems


def _range_problems(ind: Mapping[str, Any]) -> list[tuple[str, str]]:
    span = ind.get("range")
    if not isinstance(span, list) or len(span) != 2:
        return []  # the model reports a malformed range itself
    lo, hi = (number(x) for x in span)
    problems = []
    if lo is not None and hi is not None and lo > hi:
        problems.append(
            (
                "range",
                say(
                    f"下限 {fmt(lo)} 大于上限 {fmt(hi)}；range 写作 [下限, 上限]",
                    f"the lower end {fmt(lo)} is above the upper end {fmt(hi)}; write range as [lo, hi]",
                ),
            )
        )
    method = ind.get("method")
    if isinstance(method, str) and method in METHODS and METHODS[method].reads == "text":
        problems.append(
            (
                "range",
                say(
                    "range 只适用于数值；分类（categorical）指标的值是文本标签",
                    "range applies to numbers; a categorical indicator's value is a text label",
                ),
            )
        )
    return problems
