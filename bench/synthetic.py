"""Synthetic rubrics and data of any size, using every method, for benchmarks.

Not sample content: the indicators are named m0, m1, ... and the values are random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import civscore

METHODS = ["boolean", "linear", "bands", "deduction", "count", "categorical"]
GRADES = ["A", "B", "C", "D"]


def make_rubric(n_indicators: int = 100, n_dimensions: int = 5, bonus: int = 3) -> civscore.Rubric:
    """A rubric with ``n_indicators`` base indicators cycling through every method and policy."""
    return civscore.parse_rubric_text(rubric_text(n_indicators, n_dimensions, bonus), "bench.yaml")


def rubric_text(n_indicators: int = 100, n_dimensions: int = 5, bonus: int = 3) -> str:
    """The YAML of :func:`make_rubric`, for benchmarks that run the command line on a file."""
    points = np.full(n_indicators, 100.0 / n_indicators)
    dims: list[list[str]] = [[] for _ in range(n_dimensions)]
    policies = ["zero", "exclude", "mean", "zero"]
    for j in range(n_indicators):
        dims[j % n_dimensions].append(_indicator(f"m{j}", METHODS[j % len(METHODS)], points[j], policies[j % 4]))
    lines = [
        "id: bench",
        "name: 基准测试体系",
        'version: "1"',
        "unit: {id_column: uid, group_columns: [grp]}",
        "total_points: 100",
        "tiers: [{name: 标兵, min: 90}, {name: 先进, min: 80}, {name: 达标, min: 60}, {name: 不达标, min: 0}]",
        "dimensions:",
    ]
    for d, inds in enumerate(dims):
        lines += [f"  - id: dim{d}", f"    name: 维度{d}", "    indicators:"]
        lines += [f"      - {ind}" for ind in inds]
    if bonus:
        lines += ["bonus:", "  cap: 5", "  indicators:"]
        lines += [f"    - {_indicator(f'x{k}', 'count', 3, 'zero')}" for k in range(bonus)]
    lines += [
        "vetoes:",
        "  - {id: accident, name: 事故, when: v_fail > 0, effect: fail}",
        "  - {id: gate, name: 门槛, when: v_gate < 0.05, effect: {cap: 79}}",
        "  - {id: press, name: 舆情, when: v_press >= 2, effect: {deduct: 3}}",
    ]
    return "\n".join(lines) + "\n"


def _indicator(ind_id: str, method: str, points: float, policy: str) -> str:
    p = f"{points:.10g}"
    base = f"id: {ind_id}, name: 指标{ind_id}, value: {ind_id}, method: {method}, points: {p}, missing: {policy}"
    if method == "linear":
        base += ", zero: 0.2, full: 0.9"
    elif method == "bands":
        base += (
            f", bands: [{{at_least: 0.9, points: {p}}}, {{at_least: 0.7, points: {points * 0.6:.10g}}},"
            f" {{at_least: 0.5, points: {points * 0.3:.10g}}}]"
        )
    elif method in ("deduction", "count"):
        base += f", per_item: {points / 4:.10g}"
    elif method == "categorical":
        base += f", map: {{A: {p}, B: {points * 0.66:.10g}, C: {points * 0.33:.10g}, D: 0}}"
    return "{" + base + "}"


def make_data(rubric: civscore.Rubric, n_units: int, seed: int = 0, missing_rate: float = 0.02) -> pd.DataFrame:
    """Random data for ``rubric`` as it arrives in memory: numbers, yes/no as 0/1, grades as text."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {
        "uid": np.char.add("U", np.arange(n_units).astype(str)).astype(object),
        "grp": rng.integers(0, 20, n_units).astype(str).astype(object),
    }
    for ind in rubric.iter_indicators():
        if ind.method == "boolean":
            v = rng.integers(0, 2, n_units).astype(float)
        elif ind.method in ("linear", "bands"):
            v = rng.uniform(0, 1, n_units)
        elif ind.method in ("deduction", "count"):
            v = rng.poisson(2.0, n_units).astype(float)
        else:
            v = rng.choice(np.array(GRADES, dtype=object), n_units)
        if rubric.missing_policy(ind) != "error" and missing_rate:
            holes = rng.random(n_units) < missing_rate
            v = v.astype(object) if v.dtype == object else v
            v[holes] = None if v.dtype == object else np.nan
        cols[ind.value] = v
    cols["v_fail"] = (rng.random(n_units) < 0.01).astype(float)
    cols["v_gate"] = rng.random(n_units)
    cols["v_press"] = rng.poisson(0.3, n_units).astype(float)
    return pd.DataFrame(cols)
