"""Questions asked of a rubric: dimension paths and names, indicator tables, shared columns, veto wording."""

from __future__ import annotations

import numpy as np
import pandas as pd

from civscore.rubric.model import Dimension, Rubric, Veto
from civscore.words import fmt, quantity_label, say


def dimension_names(rubric: Rubric) -> dict[tuple[str, ...], str]:
    """Dimension path (ids) -> readable path of names, e.g. '环境卫生 / 生活垃圾分类'."""
    out: dict[tuple[str, ...], str] = {}

    def walk(dims: list[Dimension], path: tuple[str, ...], names: tuple[str, ...]) -> None:
        for d in dims:
            out[path + (d.id,)] = " / ".join(names + (d.name,))
            walk(d.dimensions, path + (d.id,), names + (d.name,))

    walk(rubric.dimensions, (), ())
    return out


def indicator_table(rubric: Rubric) -> pd.DataFrame:
    """One row per indicator (base in rubric order, then bonus), indexed by indicator id.

    Columns: kind ('base'/'bonus'), dimension_id (top level, '' for bonus), path (dimension ids
    joined by '/'), dimension (names path), name, method, points, policy (effective missing policy), quantity (the value
    expression as text), order.
    """
    names = dimension_names(rubric)
    rows = [
        dict(
            id=ind.id,
            kind="base",
            dimension_id=path[0],
            path="/".join(path),
            dimension=names[path],
            name=ind.name,
            method=ind.method,
            points=ind.points,
            policy=rubric.missing_policy(ind),
            quantity=quantity_label(ind.value),
        )
        for path, ind in rubric.base_indicators()
    ]
    rows += [
        dict(
            id=ind.id,
            kind="bonus",
            dimension_id="",
            path="bonus",
            dimension=f"特色指标（加分上限 {fmt(rubric.bonus_cap)}）",
            name=ind.name,
            method=ind.method,
            points=ind.points,
            policy=rubric.missing_policy(ind),
            quantity=quantity_label(ind.value),
        )
        for ind in rubric.bonus_indicators()
    ]
    table = pd.DataFrame(
        rows,
        columns=["id", "kind", "dimension_id", "path", "dimension", "name", "method", "points", "policy", "quantity"],
    )
    table["order"] = np.arange(len(table))
    return table.set_index("id")


def shared_columns(rubric: Rubric) -> dict[str, str]:
    """For each indicator, the other indicators and vetoes that read one of its columns.

    Changing such a column to reach a target moves those too, so the hand-out must say so.
    """
    readers: dict[str, list[str]] = {}
    for ind in rubric.iter_indicators():
        for col in ind.expression.columns:
            readers.setdefault(col, []).append(ind.id)
    for veto in rubric.vetoes:
        for col in veto.expression.columns:
            readers.setdefault(col, []).append(f"{veto.id}（否决项）")
    out = {}
    for ind in rubric.iter_indicators():
        parts = []
        for col in ind.expression.columns:
            others = [r for r in readers[col] if r != ind.id]
            if others:
                parts.append(f"{col} 也用于 {'、'.join(dict.fromkeys(others))}")
        out[ind.id] = "；".join(parts)
    return out


def veto_effect_text(veto: Veto, rubric: Rubric) -> str:
    """'否决 → 不达标', '封顶 79', '扣 5 分' ('fail → 不达标', 'cap 79', 'deduct 5' in English)."""
    if veto.kind == "fail":
        return say(
            f"否决 → {rubric.effective_veto_tier or '取消资格'}",
            f"fail → {rubric.effective_veto_tier or 'disqualified'}",
        )
    amount = fmt(getattr(veto.effect, veto.kind))
    if veto.kind == "cap":
        return say(f"封顶 {amount}", f"cap {amount}")
    return say(f"扣 {amount} 分", f"{veto.kind} {amount}")
