"""result.explain(): every point traced, reconciling exactly with the result table."""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, frame, make_rubric, one_indicator

import civscore
from civscore.analysis.attainment import attainment, attainment_matrix, dimension_attainment
from civscore.analysis.common import UnknownUnitError
from civscore.analysis.explain import explain_all
from civscore.cli import main
from civscore.words import using_language

TOL = 1e-9


# --- random cases (also used by test_gaps) ----------------------------------------------------


def random_case(seed: int, n: int = 14) -> tuple[civscore.Rubric, pd.DataFrame]:
    """A small random rubric (every method, policy and veto kind can appear) and data for it."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {"uid": [f"u{i:02d}" for i in range(n)], "grp": rng.choice(["甲", "乙", "丙"], n)}

    def holes(values: np.ndarray, policy: str) -> np.ndarray:
        if policy == "error":
            return values
        out = values.astype(object)
        out[rng.random(n) < 0.2] = None
        return out

    def indicator(j: int, prefix: str) -> dict:
        method = str(rng.choice(["boolean", "linear", "bands", "deduction", "count", "categorical"]))
        P = float(rng.integers(1, 7))
        policy = str(rng.choice(["zero", "exclude", "mean", "error"]))
        col = f"{prefix}c{j}"
        ind: dict = {
            "id": f"{prefix}i{j}",
            "name": f"{prefix}指标{j}",
            "method": method,
            "points": P,
            "missing": policy,
            "value": col,
        }
        if method == "boolean":
            data[col] = holes(rng.choice(["是", "否"], n), policy)
        elif method == "categorical":
            labels = ["A", "B", "C", "D"][: int(rng.integers(2, 5))]
            ind["map"] = {lab: float(rng.integers(0, 2 * P + 1)) / 2 for lab in labels}
            data[col] = holes(rng.choice(labels, n), policy)
        else:
            if method == "linear":
                a, b = (float(x) for x in sorted(rng.uniform(0, 100, 2).round(1)))
                ind["zero"], ind["full"] = (a, b) if rng.random() < 0.6 else (b, a)
                raw = rng.uniform(a - 20, b + 20, n).round(1)
            elif method == "bands":
                k = int(rng.integers(1, 5))
                t = np.sort(rng.choice(np.arange(10, 100), k, replace=False)).astype(float)
                pts = rng.integers(0, 2 * P + 1, k) / 2
                if rng.random() < 0.5:
                    ind["bands"] = [{"at_least": float(x), "points": float(p)} for x, p in zip(t[::-1], pts)]
                else:
                    ind["bands"] = [{"at_most": float(x), "points": float(p)} for x, p in zip(t, pts)]
                if rng.random() < 0.4:
                    ind["otherwise"] = float(rng.integers(0, 2 * P + 1) / 2)
                raw = rng.integers(0, 110, n).astype(float)
                raw[: min(k, n)] = t[: min(k, n)]  # values exactly on thresholds
            else:
                ind["per_item"] = float(rng.choice([0.25, 0.5, 1.0, 2.0]))
                raw = rng.integers(0, 12, n).astype(float)
            if rng.random() < 0.35:  # a ratio of two columns; the denominator is never missing
                den = rng.integers(1, 6, n).astype(float)
                ind["value"] = f"{col} / `{prefix}分母{j}`"
                data[f"{prefix}分母{j}"] = den
                raw = raw * den
            data[col] = holes(raw, policy)
        return ind

    n_ind = int(rng.integers(2, 8))
    inds = [indicator(j, "") for j in range(n_ind)]
    cut = (
        sorted(rng.choice(np.arange(1, n_ind), min(n_ind - 1, int(rng.integers(0, 3))), replace=False))
        if n_ind > 1
        else []
    )
    groups = np.split(np.array(inds, dtype=object), cut)
    dims = []
    for d, group in enumerate(groups):
        group = list(group)
        if len(group) > 1 and rng.random() < 0.4:  # a nested sub-dimension
            dims.append(
                {
                    "id": f"d{d}",
                    "name": f"维度{d}",
                    "indicators": group[:1],
                    "dimensions": [{"id": f"d{d}s", "name": f"子维度{d}", "indicators": group[1:]}],
                }
            )
        else:
            dims.append({"id": f"d{d}", "name": f"维度{d}", "indicators": group})
    total = sum(i["points"] for i in inds)
    rubric: dict = {
        "id": f"random-{seed}",
        "name": "随机体系",
        "version": "1",
        "unit": {"id_column": "uid", "group_columns": ["grp"]},
        "total_points": total,
        "missing": "zero",
        "dimensions": dims,
        "tiers": [
            {"name": "优", "min": round(0.8 * total, 1)},
            {"name": "良", "min": round(0.5 * total, 1)},
            {"name": "差", "min": 0},
        ],
    }
    if rng.random() < 0.6:
        bonus = [indicator(j, "b") for j in range(int(rng.integers(1, 3)))]
        rubric["bonus"] = {"cap": float(rng.integers(1, 8)), "indicators": bonus}
    vetoes = []
    for k in range(int(rng.integers(0, 4))):
        kind = str(rng.choice(["fail", "cap", "deduct"]))
        effect = (
            "fail"
            if kind == "fail"
            else {"cap": float(rng.integers(0, int(total)))}
            if kind == "cap"
            else {"deduct": float(rng.integers(1, 10))}
        )
        vetoes.append({"id": f"v{k}", "name": f"否决{k}", "when": f"vc{k} > 0", "effect": effect})
        data[f"vc{k}"] = (rng.random(n) < 0.25).astype(float)
    if vetoes:
        rubric["vetoes"] = vetoes
    text = yaml.safe_dump(rubric, allow_unicode=True, sort_keys=False)
    return civscore.parse_rubric_text(text, f"random-{seed}.yaml"), pd.DataFrame(data)


RANDOM_SEEDS = range(30)


@functools.cache
def scored_case(seed: int) -> civscore.Result:
    """A random case, scored once per test session."""
    rubric, data = random_case(seed)
    return civscore.score(data, rubric)


@pytest.fixture(scope="module")
def sample():
    rubric = civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")
    data = civscore.read_data(ROOT / "data" / "communities_2025.csv", rubric)
    return civscore.score(data, rubric)


# --- reconciliation ---------------------------------------------------------------------------


def assert_reconciles(result: civscore.Result) -> None:
    """Every unit's contributions add up to its total, base rows to its dimension columns."""
    long = explain_all(result)
    idc = result.id_column
    table = result.table.set_index(idc)
    n_ind = sum(1 for _ in result.rubric.iter_indicators())
    assert (long[long["kind"].isin(["base", "bonus"])].groupby(idc).size() == n_ind).all()
    sums = long.groupby(idc)["contribution"].sum()
    diff = (sums - table["total"].reindex(sums.index)).abs()
    assert diff.max() <= TOL, diff.sort_values().tail()
    base = long[long["kind"] == "base"]
    by_dim = base.groupby([idc, "dimension_id"])["earned"].sum().unstack()
    for dim in result.rubric.dimensions:
        assert (by_dim[dim.id] - table[dim.id].reindex(by_dim.index)).abs().max() <= TOL
    # base rows plus the rescaling row give `base`; bonus rows plus the cap row give `bonus`
    base_part = long[long["kind"].eq("base") | long["item"].eq("rescale")].groupby(idc)["contribution"].sum()
    assert (base_part - table["base"].reindex(base_part.index)).abs().max() <= TOL
    bonus_part = long[long["kind"].eq("bonus") | long["item"].eq("bonus_cap")].groupby(idc)["contribution"].sum()
    bonus_part = bonus_part.reindex(table.index, fill_value=0.0)
    assert (bonus_part - table["bonus"]).abs().max() <= TOL
    ind = long[long["kind"].isin(["base", "bonus"])]
    assert np.allclose(ind["lost"].astype(float), ind["available"].astype(float) - ind["earned"].astype(float))
    # flags are the result's matrices, not a re-derivation
    flags = ind.set_index([idc, "item"])
    for name, matrix in (("missing", result.missing), ("imputed", result.imputed)):
        expected = matrix.stack()
        assert (flags[name].astype(bool) == expected.reindex(flags.index)).all()
    assert (flags["excluded"].astype(bool) == ~result.applicable.stack().reindex(flags.index)).all()


def test_sample_reconciles_for_every_unit(sample):
    assert_reconciles(sample)  # all 60 units at once
    # result.explain(unit) is the same breakdown, one unit at a time (every 4th unit + planted cases)
    long = explain_all(sample).set_index(sample.id_column)
    ids = list(sample.table[sample.id_column][::4]) + ["SQ006", "SQ009", "SQ011", "SQ016", "SQ023", "SQ048"]
    for uid in ids:
        one = sample.explain(uid)
        total = sample.table.set_index(sample.id_column).loc[uid, "total"]
        assert math.isclose(one["contribution"].sum(), total, abs_tol=TOL)
        pd.testing.assert_frame_equal(one, long.loc[[uid]].reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_cases_reconcile(seed):
    assert_reconciles(scored_case(seed))


def test_random_cases_cover_every_rule(english):
    """The generator really exercises rescaling, bonus caps, floors, caps and fails."""
    seen = set()
    for seed in RANDOM_SEEDS:
        long = explain_all(scored_case(seed))
        seen |= set(long.loc[long["contribution"].astype(float).abs() > TOL, "item"])
        seen |= set(long.loc[long["kind"] == "veto", "rule"].str.extract(r"→ (\w+)")[0].dropna())
        if long["imputed"].fillna(False).any():
            seen.add("imputed")
    assert {"rescale", "bonus_cap", "cap", "deduct", "fail", "imputed"} <= seen


# --- what a row says --------------------------------------------------------------------------


def test_rule_text_for_each_method():
    rubric = make_rubric(
        """\
        total_points: 25
        dimensions:
          - id: d
            name: 维度
            indicators:
              - {id: ratio, name: 比例, value: "a / b", method: bands, points: 8,
                 bands: [{at_least: 0.9, points: 8}, {at_least: 0.8, points: 6}, {at_least: 0.5, points: 2}]}
              - {id: lin, name: 线性, value: x, method: linear, zero: 60, full: 100, points: 4}
              - {id: ded, name: 扣分, value: n, method: deduction, per_item: 0.5, points: 4}
              - {id: cnt, name: 计数, value: n, method: count, per_item: 1, points: 3}
              - {id: yes, name: 是否, value: flag, method: boolean, points: 3}
              - {id: cat, name: 等次, value: g, method: categorical, map: {A: 3, B: 2}, points: 3}
        """
    )
    data = frame(a=[84.0, 1.0], b=[100.0, 10.0], x=[80.0, None], n=[2.0, 20.0], flag=["是", "否"], g=["B", "A"])
    result = civscore.score(data, rubric)
    zh1 = result.explain("u1").set_index("item")["rule"]
    assert zh1["ratio"] == "≥ 0.8 → 6/8 分"
    assert zh1["lin"] == "线性 60 → 0，100 → 4：2/4 分"
    assert zh1["ded"] == "4 − 0.5 × 2 → 3/4 分"
    assert zh1["yes"] == "是 → 3/3 分"
    zh2 = result.explain("u2").set_index("item")["rule"]
    assert zh2["ratio"] == "低于 0.5（其余）→ 0/8 分"
    assert zh2["lin"] == "缺失 → 0/4 分（缺失：按 0 分）"
    assert zh2["ded"] == "4 − 0.5 × 20，扣完为止 → 0/4 分"
    assert zh2["cnt"] == "1 × 20，封顶 → 3/3 分"
    assert zh2["yes"] == "否 → 0/3 分"
    with using_language("en"):
        u1 = result.explain("u1").set_index("item")["rule"]
        u2 = result.explain("u2").set_index("item")["rule"]
    assert u1["ratio"] == "≥ 0.8 → 6 of 8"
    assert u1["lin"] == "linear 60 → 0, 100 → 4: 2 of 4"
    assert u1["ded"] == "4 − 0.5 × 2 → 3 of 4"
    assert u1["cnt"] == "1 × 2 → 2 of 3"
    assert u1["yes"] == "yes → 3 of 3"
    assert u1["cat"] == "B → 2 of 3"
    assert u2["ratio"] == "below 0.5 (otherwise) → 0 of 8"
    assert u2["lin"] == "missing → 0 of 4 (missing: zero)"
    assert u2["ded"] == "4 − 0.5 × 20, floored at 0 → 0 of 4"
    assert u2["cnt"] == "1 × 20, capped → 3 of 3"
    assert u2["yes"] == "no → 0 of 3"


def test_sample_planted_cases_are_explained_in_chinese(sample):
    sq006 = sample.explain("SQ006").set_index("item")
    assert "基础分按比例折算" in sq006.loc["elevator_retrofit", "rule"]
    assert sample.explain("SQ011").set_index("item").loc["fitness_facilities", "note"].startswith("补入")
    assert "一票否决" in sample.explain("SQ023").set_index("item").loc["major_safety_accident", "note"]
    sq009 = sample.explain("SQ009").set_index("item")
    assert sq009.loc["minors_gate", "rule"].endswith("封顶 79") and "总分封顶" in sq009.loc["minors_gate", "note"]
    assert sq009.loc["bonus_cap", "rule"] == "特色加分封顶 10"


@pytest.fixture
def english():
    with using_language("en"):
        yield


def test_sample_planted_cases_are_explained(sample, english):
    # SQ006 has no old buildings: elevator_retrofit excluded and the base rescaled
    sq006 = sample.explain("SQ006").set_index("item")
    assert bool(sq006.loc["elevator_retrofit", "excluded"]) and sq006.loc["elevator_retrofit", "available"] == 0
    assert "rescaled" in sq006.loc["elevator_retrofit", "rule"]
    assert sq006.loc["rescale", "contribution"] > 0
    # SQ011 has no fitness equipment: the mean of the others, flagged as imputed
    sq011 = sample.explain("SQ011").set_index("item")
    assert bool(sq011.loc["fitness_facilities", "imputed"])
    assert sq011.loc["fitness_facilities", "earned"] == pytest.approx(
        sample.points.loc[~sample.missing["fitness_facilities"], "fitness_facilities"].mean()
    )
    # SQ048 did not report green cover: missing, zero
    sq048 = sample.explain("SQ048").set_index("item")
    assert bool(sq048.loc["green_cover", "missing"]) and sq048.loc["green_cover", "earned"] == 0
    # vetoes: a fail (no points, disqualified), a binding cap, a deduction of 5
    sq023 = sample.explain("SQ023").set_index("item")
    assert sq023.loc["major_safety_accident", "kind"] == "veto"
    assert "disqualified" in sq023.loc["major_safety_accident", "note"]
    sq009 = sample.explain("SQ009").set_index("item")
    assert sq009.loc["minors_gate", "contribution"] < 0 and "capped" in sq009.loc["minors_gate", "note"]
    sq016 = sample.explain("SQ016").set_index("item")
    assert sq016.loc["negative_opinion", "contribution"] == -5


def test_two_caps_credit_the_binding_one_only():
    rubric = make_rubric(
        """\
        total_points: 10
        dimensions:
          - id: d
            name: 维度
            indicators:
              - {id: a, name: A, value: x, method: linear, zero: 0, full: 10, points: 10}
        vetoes:
          - {id: high, name: 高封顶, when: p > 0, effect: {cap: 8}}
          - {id: low, name: 低封顶, when: q > 0, effect: {cap: 5}}
          - {id: minus, name: 扣分, when: q > 0, effect: {deduct: 20}}
        """
    )
    result = civscore.score(frame(x=[10.0, 10.0], p=[1, 1], q=[1, 0]), rubric)
    u1 = result.explain("u1").set_index("item")
    # 10 - 20 floors at 0; the caps then do nothing
    assert u1.loc["minus", "contribution"] == -20 and u1.loc["floor", "contribution"] == 10
    assert u1["contribution"].sum() == 0
    u2 = result.explain("u2").set_index("item")
    assert u2.loc["high", "contribution"] == -2 and "low" not in u2.index
    assert u2["contribution"].sum() == pytest.approx(8)


# --- bad input --------------------------------------------------------------------------------


def test_unknown_unit_lists_close_matches(sample):
    with pytest.raises(UnknownUnitError) as exc:
        sample.explain("SQ06")
    message = str(exc.value)
    assert "SQ06" in message and "SQ060" in message and "社区代码" in message
    assert isinstance(exc.value, civscore.CivscoreError)
    with pytest.raises(UnknownUnitError, match="相近的有：梨园社区"):
        sample.explain("梨园社")
    with using_language("en"), pytest.raises(UnknownUnitError, match="close matches: 梨园社区"):
        sample.explain("梨园社")


def test_unit_found_by_name_or_text(sample):
    assert sample.explain("梨园社区").attrs["unit"] == "SQ023"
    rubric = one_indicator("{id: a, name: A, value: x, method: boolean, points: 10}")
    numeric = pd.DataFrame({"uid": [101, 102], "x": ["是", "否"]})  # ids typed as numbers
    result = civscore.score(numeric, rubric)
    assert result.explain("101").attrs["unit"] == 101


def test_cli_explain(capsys):
    code = main(
        [
            "explain",
            str(ROOT / "rubrics/civilized-community-2025.yaml"),
            str(ROOT / "data/communities_2025.csv"),
            "SQ016",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "negative_opinion" in out and "SQ016 胜利社区" in out
    code = main(
        [
            "explain",
            str(ROOT / "rubrics/civilized-community-2025.yaml"),
            str(ROOT / "data/communities_2025.csv"),
            "SQ999",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "没有单位 'SQ999'" in err and "Traceback" not in err


def test_cli_explain_speaks_the_message_language(capsys, tmp_path):
    args = [str(ROOT / "rubrics/civilized-community-2025.yaml"), str(ROOT / "data/communities_2025.csv"), "SQ009"]
    out_file = tmp_path / "sq009.csv"
    assert main(["explain", *args, "-o", str(out_file)]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[1].split()
    assert header[:4] == ["类别", "指标", "数值", "规则"] and "各项贡献合计：79" in out
    assert "特色指标" in out and "否决" in out and "None" not in out
    written = pd.read_csv(out_file)
    assert list(written.columns[:3]) == ["类别", "指标", "名称"] and set(written["类别"]) >= {"基础指标", "否决"}
    assert main(["--lang", "en", "explain", *args]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[:4] == ["kind", "item", "value", "rule"] and "sum of contributions: 79" in out


# --- attainment -------------------------------------------------------------------------------


def test_attainment_by_hand():
    rubric = make_rubric(
        """\
        total_points: 10
        dimensions:
          - id: d
            name: 维度
            indicators:
              - {id: a, name: A, value: x, method: linear, zero: 0, full: 4, points: 4}
              - {id: b, name: B, value: y, method: boolean, points: 6, missing: exclude}
        """
    )
    result = civscore.score(frame(x=[0.0, 2.0, 4.0, 4.0], y=["是", "否", None, "是"]), rubric)
    table = attainment(result).set_index("indicator")
    assert table.loc["a", "mean_attainment"] == pytest.approx((0 + 0.5 + 1 + 1) / 4)
    assert table.loc["a", "share_full"] == 0.5 and table.loc["a", "share_zero"] == 0.25
    assert table.loc["a", "spread"] == pytest.approx(np.std([0, 0.5, 1, 1]))
    # the excluded unit is not a weakness: 3 units apply, 2 of them full
    assert table.loc["b", "units"] == 3 and table.loc["b", "share_full"] == pytest.approx(2 / 3)
    assert table.loc["b", "share_missing"] == 0.25
    assert np.isnan(attainment_matrix(result).loc["u3", "b"])
    dims = dimension_attainment(result)
    assert dims.loc["u3", "d"] == pytest.approx(4 / 4) and dims.loc["u2", "d"] == pytest.approx(2 / 10)


def test_attainment_of_sample_matches_points_matrix(sample):
    table = attainment(sample, sort=True)
    assert list(table["mean_attainment"]) == sorted(table["mean_attainment"])
    row = table.set_index("indicator").loc["sorting_participation"]
    pts = sample.points["sorting_participation"]
    assert row["mean_points"] == pytest.approx(pts.mean())
    assert row["share_full"] == pytest.approx((pts == 4).mean())
    assert civscore.attainment is attainment
