"""categorical: the points the rubric's ``map`` gives each label (contract section 3)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
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
    number,
    output,
    outside_points,
    value_text,
)
from civscore.methods.registry import register
from civscore.rubric.expr import ExpressionError, parse_once
from civscore.words import fmt, say

MAX_LISTED_LABELS = 12  # a data problem lists this many allowed labels, then "..."


class Categorical(Method):
    """The points the `map` gives each label; a label not in `map` is a data error."""

    name = "categorical"
    order = 6
    needs = frozenset({"map"})
    reads = "text"
    example: ClassVar[dict[str, Any]] = {"points": 6, "map": {"优": 6, "良": 4, "中": 2, "差": 0}}

    def check(self, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if isinstance(raw.get("value"), str):
            try:
                bare = parse_once(raw["value"], "value").bare_column is not None
            except ExpressionError:
                bare = True  # the value's own check reports the expression
            if not bare:
                problems.append(
                    (
                        "value",
                        say(
                            "方法 categorical 的 value 必须是单独一列（其取值是文本标签）",
                            "method categorical needs a single column as its value (its labels are text)",
                        ),
                    )
                )
        P = number(raw.get("points"))
        mapping = raw.get("map")
        if P is not None and isinstance(mapping, Mapping):
            for label, given_points in mapping.items():
                p = number(given_points)
                if p is not None and not 0 <= p <= P:
                    problems.append(("map", outside_points(f"{label!r} -> {p:g}", P)))
        return problems

    def points(self, values: Values, ind: IndicatorLike, out: np.ndarray | None = None) -> np.ndarray:
        """NaN for missing. Unknown labels never get here: validation reports them."""
        labels: Collection[object]
        if isinstance(values, pd.Categorical):  # labels coded by validation: no hashing at all
            codes, labels = values.codes, values.categories
        else:
            codes, labels = pd.factorize(values)  # one hashing pass; then one lookup per distinct label
        points = given(ind.map, ind, "map")
        table = np.array([points.get(label, np.nan) for label in labels] + [np.nan], dtype=float)
        # code -1 (missing) picks the trailing NaN
        return np.take(table, codes.astype(np.intp, copy=False), out=output(out, len(codes)), mode="wrap")

    def value_rule(self, ind: IndicatorLike) -> str | None:
        labels = list(given(ind.map, ind, "map"))
        listed, more = labels[:MAX_LISTED_LABELS], len(labels) > MAX_LISTED_LABELS
        return say(
            f"必须是以下之一：{'、'.join(listed)}{'……' if more else ''}（指标 {ind.id}）",
            f"must be one of: {', '.join(listed)}{', ...' if more else ''} (indicator {ind.id})",
        )

    def invalid(self, values: Values, ind: IndicatorLike) -> np.ndarray:
        coded = values if isinstance(values, pd.Categorical) else pd.Categorical(values)
        known = frozenset(given(ind.map, ind, "map"))
        # one test per distinct label; code -1 (missing) picks the trailing False
        unknown = np.array([label not in known for label in coded.categories] + [False], dtype=bool)
        return unknown[coded.codes]

    def rule_text(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> np.ndarray:
        labels = values.astype(object).where(values.notna(), "").to_numpy(dtype=str)
        return np.char.add(np.char.add(labels, " → "), earned_of(earned, ind.points)).astype(object)

    def next_step(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> Steps:
        mapping = given(ind.map, ind, "map")
        labels = np.array(list(mapping.keys()), dtype=object)
        q = np.array(list(mapping.values()), dtype=float)
        cand = q[None, :] > earned[:, None] + EPS
        has = cand.any(axis=1)
        # the next better label: the smallest improvement (first in map order among equals)
        k = np.argmin(np.where(cand, q[None, :], np.inf), axis=1)
        out = no_steps(len(earned))
        out["op"] = np.where(has, "==", "").astype(object)
        out["target"] = np.where(has, labels[k], NONE).astype(object)
        out["after"] = np.where(has, q[k], np.nan)
        text = np.char.add(
            np.char.add(np.char.add(head(ind), value_text(values).astype(str)), " → "), labels[k].astype(str)
        )
        out["text"] = np.where(has, text, "已是可达的最高等次").astype(object)
        return out

    def labels(self, ind: IndicatorLike) -> Collection[str]:
        return ind.map or {}

    def summary(self, ind: IndicatorLike) -> str:
        return ", ".join(f"{k}→{fmt(v)}" for k, v in (ind.map or {}).items())


register(Categorical())
