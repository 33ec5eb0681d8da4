"""Methods write their points into the engine's matrix (``out=``, issue 16): the same bits as before.

The references below are the methods' points as they were written before ``out=`` (whole-array
NumPy expressions), kept here verbatim so that a rewrite of a method's kernel for speed can be
checked bit for bit, NaN, -0.0 and infinities included. The engine is checked the same way
against the whole-matrix path of the scoring package (apply_missing + aggregate), on a rubric
with every method, every missing policy, a bonus cap that binds and every veto effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import civscore
from civscore.methods import METHODS, points_for
from civscore.rubric.model import Band, Indicator
from civscore.scoring.missing import apply_missing
from civscore.scoring.totals import aggregate, veto_label_codes, veto_labels


def _boolean(v, ind):
    v = np.asarray(v, dtype=float)
    return np.where(np.isnan(v), np.nan, np.where(v != 0, ind.points, 0.0))


def _linear(v, ind):
    v = np.asarray(v, dtype=float)
    with np.errstate(invalid="ignore"):
        return ind.points * np.clip((v - ind.zero) / (ind.full - ind.zero), 0.0, 1.0)


def _bands(v, ind):
    v = np.asarray(v, dtype=float)
    out = np.full(v.shape, ind.otherwise if ind.otherwise is not None else 0.0, dtype=float)
    with np.errstate(invalid="ignore"):
        for band in reversed(ind.bands):
            met = v >= band.at_least if band.at_least is not None else v <= band.at_most
            out[met] = band.points
    out[np.isnan(v)] = np.nan
    return out


def _deduction(v, ind):
    return np.maximum(0.0, ind.points - ind.per_item * np.asarray(v, dtype=float))


def _count(v, ind):
    return np.minimum(ind.points, ind.per_item * np.asarray(v, dtype=float))


def _categorical(v, ind):
    codes, labels = pd.factorize(v)
    table = np.array([ind.map.get(label, np.nan) for label in labels] + [np.nan], dtype=float)
    return table[codes]


BEFORE = {
    "boolean": _boolean,
    "linear": _linear,
    "bands": _bands,
    "deduction": _deduction,
    "count": _count,
    "categorical": _categorical,
}


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=float).tobytes()


def _indicators(name: str) -> list[Indicator]:
    """The method's example, and for bands also at_most bands and bands given in any order."""
    method = METHODS[name]
    value = "label" if method.reads == "text" else "x"
    out = [Indicator(id="t1", name="测试", value=value, method=name, **method.example)]
    if name == "bands":
        most = [Band(at_most=1, points=6), Band(at_most=3, points=4), Band(at_most=8, points=1)]
        out.append(Indicator(id="t2", name="测试", value=value, method=name, points=6, bands=most))
        # not nested (the model refuses these; a method must still give the first band met)
        loose = [Band(at_least=2, points=3), Band(at_least=50, points=6)]
        out.append(Indicator.model_construct(**{**out[0].__dict__, "bands": loose, "otherwise": None}))
    if name == "linear":  # lower is better: full below zero, where -0.0 can appear
        out.append(Indicator(id="t3", name="测试", value=value, method=name, points=5, zero=10, full=2))
    return out


def _values(ind: Indicator, n: int = 3000):
    rng = np.random.default_rng(7)
    method = METHODS[ind.method]
    if method.reads == "text":
        labels = np.array([*ind.map, None], dtype=object)
        return rng.choice(labels, n)
    marks = np.array([*method.thresholds(ind), 0.0, 1.0, 2.0, ind.points], dtype=float)
    v = np.r_[marks, marks - 0.5, marks + 1e-12, -marks, rng.normal(0, 40, n), rng.integers(-2, 12, n)]
    v = np.r_[v, 0.0, -0.0, np.inf, -np.inf, 1e300, -1e300]
    v[rng.random(len(v)) < 0.1] = np.nan
    return v


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_writes_the_same_bits_into_out_as_before(name):
    assert name in BEFORE, f"add the points of method {name} as they were written before out= to BEFORE"
    for ind in _indicators(name):
        values = _values(ind)
        expected = BEFORE[name](values, ind)
        fresh = points_for(ind, values)
        assert _bits(fresh) == _bits(expected), ind
        # a column of a column-major matrix (the engine's), and a strided one, holding garbage
        for order in ("F", "C"):
            matrix = np.full((len(values), 3), -7.25, order=order)
            got = points_for(ind, values, out=matrix[:, 1])
            assert np.shares_memory(got, matrix)
            assert _bits(matrix[:, 1]) == _bits(expected), (ind, order)
            assert (matrix[:, [0, 2]] == -7.25).all()  # nothing beside the column touched
        if METHODS[name].reads == "text":  # labels coded by validation, as the engine hands them
            coded = points_for(ind, pd.Categorical(values), out=np.empty(len(values)))
            assert _bits(coded) == _bits(expected)


def test_veto_labels_per_combination_are_the_labels_joined_unit_by_unit():
    rng = np.random.default_rng(1)
    for k in (0, 1, 3, 17):
        matrix = rng.random((500, k)) < 0.2
        ids = [f"v{j}" for j in range(k)]
        expected = [";".join(v for v, hit in zip(ids, row, strict=True) if hit) for row in matrix]
        codes, labels = veto_label_codes(matrix, ids)
        assert labels[0] == "" and list(labels[codes]) == expected
        assert list(veto_labels(matrix, ids)) == expected


RUBRIC = """
id: out
name: 写入测试
version: "1"
unit: {id_column: uid, group_columns: [grp]}
total_points: 100
missing: zero
tiers: [{name: 优, min: 85}, {name: 良, min: 60}, {name: 差, min: 0}]
dimensions:
  - id: d1
    name: 一
    indicators:
      - {id: b, name: 是否, value: b, method: boolean, points: 10, missing: exclude}
      - {id: l, name: 线性, value: l, method: linear, points: 20, zero: 0.2, full: 0.9, missing: mean}
      - {id: l2, name: 低好, value: l2, method: linear, points: 10, zero: 10, full: 2}
      - {id: s, name: 分档, value: s, method: bands, points: 15, bands: [{at_least: 90, points: 15}, {at_least: 60, points: 8}], otherwise: 2, missing: mean}
  - id: d2
    name: 二
    indicators:
      - {id: d, name: 扣分, value: d, method: deduction, points: 15, per_item: 4, missing: exclude}
      - {id: c, name: 计数, value: c, method: count, points: 10, per_item: 3}
      - {id: g, name: 等级, value: g, method: categorical, points: 20, map: {A: 20, B: 12, C: 5, D: 0}, missing: mean}
bonus:
  cap: 4
  indicators:
    - {id: x1, name: 加一, value: x1, method: count, points: 3, per_item: 1}
    - {id: x2, name: 加二, value: x2, method: boolean, points: 3}
vetoes:
  - {id: fail, name: 事故, when: v1 > 0, effect: fail}
  - {id: cap, name: 封顶, when: v2 < 0.1, effect: {cap: 59}}
  - {id: cut, name: 扣减, when: v3 >= 2, effect: {deduct: 7}}
  - {id: cut2, name: 再扣, when: v3 >= 3, effect: {deduct: 50}}
"""


def _data(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(11)

    def holes(v: np.ndarray, rate: float = 0.15) -> np.ndarray:
        v = v.astype(object) if v.dtype == object else v.astype(float)
        v[rng.random(n) < rate] = None if v.dtype == object else np.nan
        return v

    return pd.DataFrame(
        {
            "uid": [f"u{i:05d}" for i in range(n)],
            "grp": rng.choice(["东", "西", "南"], n),
            "b": holes(rng.integers(0, 2, n)),
            "l": holes(rng.uniform(0, 1, n)),
            "l2": rng.uniform(0, 12, n).round(0),  # 10 exactly: (10 - 10) / -8 = -0.0
            "s": holes(rng.uniform(40, 100, n)),
            "d": holes(rng.poisson(2, n)),
            "c": rng.poisson(2, n).astype(float),
            "g": holes(rng.choice(np.array(list("ABCD"), dtype=object), n)),
            "x1": rng.poisson(2, n).astype(float),
            "x2": rng.integers(0, 2, n).astype(float),
            "v1": (rng.random(n) < 0.03).astype(float),
            "v2": rng.random(n),
            "v3": rng.poisson(0.8, n).astype(float),
        }
    )


@pytest.mark.parametrize("block_rows", [None, 97])
def test_the_engine_gives_the_bits_of_the_whole_matrix_path(block_rows, monkeypatch):
    """Points into the matrix block by block, missing policies, bonus cap, deductions, caps and
    fails: the same bits as raw points from the references above, filled by apply_missing and
    totalled by aggregate, both over whole matrices."""
    from civscore.scoring import points_pass

    if block_rows:
        monkeypatch.setattr(points_pass, "BLOCK_ROWS", block_rows)
    rubric = civscore.parse_rubric_text(RUBRIC, "out.yaml")
    data = _data(1500)
    result = civscore.score(data, rubric)
    checked = civscore.check(data, rubric)

    base = [ind for _, ind in rubric.base_indicators()]
    indicators = base + rubric.bonus_indicators()
    raw = np.asfortranarray(np.column_stack([BEFORE[ind.method](checked.values[ind.id], ind) for ind in indicators]))
    policies = [rubric.missing_policy(ind) for ind in indicators]
    earned, applicable, imputed = apply_missing(raw, policies, len(base))
    vetoes = np.column_stack([checked.vetoes[v.id] for v in rubric.vetoes])
    weights = np.array([ind.points for ind in base])
    k = len(base)
    totals = aggregate(earned[:, :k], applicable[:, :k], weights, earned[:, k:], rubric, vetoes, keep_stages=True)

    assert _bits(result.points.to_numpy()) == _bits(earned)
    assert (result.missing.to_numpy() == np.isnan(raw)).all()
    assert (result.applicable.to_numpy() == applicable).all()
    assert (result.imputed.to_numpy() == imputed).all()
    for stage in result.stages.columns:
        assert _bits(result.stages[stage].to_numpy()) == _bits(totals[stage]), stage
    table = result.table.set_index("uid").loc[result.points.index]
    for column in ("total", "base", "bonus", "coverage"):
        assert _bits(table[column].to_numpy()) == _bits(totals[column]), column
    assert (table["disqualified"].to_numpy() == totals["disqualified"]).all()
    assert list(table["vetoes"]) == list(veto_labels(vetoes, [v.id for v in rubric.vetoes]))
    # the case is not trivial: every policy filled something, the cap binds, every veto fired
    assert imputed.any() and not applicable.all() and (totals["bonus_earned"] > rubric.bonus_cap).any()
    assert vetoes.all(axis=0).sum() == 0 and vetoes.any(axis=0).all()
    assert np.signbit(earned[:, base.index(next(i for i in base if i.id == "l2"))]).any()
    # ranks: highest total first, disqualified last, ties by id
    ranked = result.table
    assert ranked["rank"].is_monotonic_increasing
    qualified = ranked[~ranked["disqualified"]]
    assert (np.diff(qualified["total"].to_numpy()) <= 1e-9).all()
