"""score() on 200,000 units x 100 indicators (every method) against bare NumPy totals.

The NumPy baseline gets the columns already as arrays and computes the same totals with no
validation, no ranks and no result table; score() does all of that from a DataFrame.
Goal (issue 2): score() within 2x of the baseline, validation included.
"""

from __future__ import annotations

import time

import numpy as np
from synthetic import make_data, make_rubric

import civscore

N_UNITS = 200_000
N_INDICATORS = 100


def numpy_totals(arrays: dict[str, np.ndarray], rubric: civscore.Rubric, keep_points: bool = False) -> np.ndarray:
    """The totals of rubric-contract section 5, written directly in NumPy.

    ``keep_points``: also write each indicator's points into a fresh units x indicators matrix,
    as score() must (a reference figure only: the goal is measured against the floor without it).
    """
    n = len(next(iter(arrays.values())))
    E = np.zeros(n)
    A = np.zeros(n)
    kept = (
        np.empty((n, len(rubric.base_indicators()) + len(rubric.bonus_indicators())), order="F")
        if keep_points
        else None
    )
    for j, (_, ind) in enumerate(rubric.base_indicators()):
        p, missing = _points(arrays[ind.value], ind)
        policy = rubric.missing_policy(ind)
        if policy == "mean":
            p = np.where(missing, p[~missing].mean() if (~missing).any() else 0.0, p)
            A += ind.points
        elif policy == "exclude":
            p = np.where(missing, 0.0, p)
            A += np.where(missing, 0.0, ind.points)
        else:
            p = np.where(missing, 0.0, p)
            A += ind.points
        E += p
        if kept is not None:
            kept[:, j] = p
    base = np.where(A > 0, E * rubric.total_points / np.where(A > 0, A, 1), 0.0)
    bonus = np.zeros(n)
    for j, ind in enumerate(rubric.bonus_indicators(), start=len(rubric.base_indicators())):
        p, missing = _points(arrays[ind.value], ind)
        bonus += np.where(missing, 0.0, p)
        if kept is not None:
            kept[:, j] = np.where(missing, 0.0, p)
    total = base + np.minimum(bonus, rubric.bonus_cap)
    total = np.maximum(total - np.where(arrays["v_press"] >= 2, 3.0, 0.0), 0.0)
    return np.where(arrays["v_gate"] < 0.05, np.minimum(total, 79.0), total)


def _points(v: np.ndarray, ind) -> tuple[np.ndarray, np.ndarray]:
    P = ind.points
    if ind.method == "categorical":
        missing = v == None  # noqa: E711 - elementwise on an object array
        p = np.select([v == k for k in ind.map], list(ind.map.values()), 0.0)
        return p, missing
    missing = np.isnan(v)
    if ind.method == "boolean":
        return np.where(v != 0, P, 0.0), missing
    if ind.method == "linear":
        return P * np.clip((v - ind.zero) / (ind.full - ind.zero), 0, 1), missing
    if ind.method == "bands":
        return np.select([v >= b.at_least for b in ind.bands], [b.points for b in ind.bands], 0.0), missing
    if ind.method == "deduction":
        return np.maximum(0.0, P - ind.per_item * v), missing
    return np.minimum(P, ind.per_item * v), missing


def _array(col) -> np.ndarray:
    if col.dtype.kind in "biuf":
        return col.to_numpy(dtype=float)
    return col.to_numpy(dtype=object, na_value=None)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> dict[str, float]:
    rubric = make_rubric(N_INDICATORS)
    data = make_data(rubric, N_UNITS)
    arrays = {c: _array(data[c]) for c in data.columns}

    start = time.perf_counter()
    result = civscore.score(data, rubric)
    cold = time.perf_counter() - start
    expected = numpy_totals(arrays, rubric)
    got = result.table.set_index("uid").loc[data["uid"], "total"].to_numpy()
    ok_units = ~result.table.set_index("uid").loc[data["uid"], "disqualified"].to_numpy()
    assert np.allclose(got[ok_units], expected[ok_units]), "score() and the NumPy baseline disagree"

    t_numpy = best_of(lambda: numpy_totals(arrays, rubric))
    t_score = best_of(lambda: civscore.score(data, rubric))
    t_validate = best_of(lambda: civscore.validate(data, rubric))
    print(f"score(): {N_UNITS:,} units x {N_INDICATORS} indicators (+3 bonus, 3 vetoes)")
    print(f"  bare NumPy totals      {t_numpy:8.3f} s")
    print(f"  civscore.score (warm)  {t_score:8.3f} s   ratio {t_score / t_numpy:5.2f}x   (goal <= 2x)")
    print(f"  civscore.score (cold)  {cold:8.3f} s   ratio {cold / t_numpy:5.2f}x")
    print(f"  of which validate()    {t_validate:8.3f} s")
    return {"numpy_s": t_numpy, "score_s": t_score, "ratio": t_score / t_numpy}


if __name__ == "__main__":
    main()
