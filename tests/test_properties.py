"""Property-based tests (hypothesis) over generated rubrics and data.

Each example is a rubric built from random indicators (every method, bonus under a cap, vetoes
of every effect, tiers, groups, every non-failing missing policy) loaded through the real YAML
loader, plus a data frame for it with some cells missing. The properties:

1. earned points lie in [0, points] for every indicator and unit;
2. totals lie in [0, total_points + bonus cap] (and base, bonus and coverage in their ranges);
3. shuffling the rows or the columns never changes any unit's result;
4. raising the value of a higher-is-better indicator never lowers that unit's total, and
   lowering the value of a lower-is-better one (deductions included) never lowers it either;
5. `missing: exclude` on an indicator that no unit misses changes nothing;
6. scoring never modifies its input;
7. writing the data to CSV, XLSX or Parquet and reading it back scores to the same table, and a
   written result table reads back the same.

Examples are derandomised (the same every run) so `make test` cannot flake; set
CIVSCORE_PROPERTY_EXAMPLES (as `make fuzz` does) for more, and random, examples.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import civscore

EXAMPLES = int(os.environ.get("CIVSCORE_PROPERTY_EXAMPLES", "0"))
settings.register_profile(
    "civscore",
    max_examples=EXAMPLES or 30,
    deadline=None,
    derandomize=not EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("civscore")
TOL = 1e-9
HALVES = st.integers(1, 40).map(lambda k: k / 2)  # points in 0.5 steps add up exactly


# --- generated rubrics ---------------------------------------------------------------------------


@dataclass
class Ind:
    """One generated indicator and how to make data for it."""

    spec: dict
    kind: str  # boolean | linear | linear_sum | bands | deduction | count | categorical
    columns: list[str]
    direction: int = 0  # +1 higher is better, -1 lower is better, 0 neither
    labels: list[str] = field(default_factory=list)


@dataclass
class Case:
    rubric: civscore.Rubric
    raw: dict
    base: list[Ind]
    bonus: list[Ind]
    veto_columns: list[str]


@st.composite
def indicators(draw, iid: str, col: str, monotone: bool) -> Ind:
    kind = draw(st.sampled_from(["boolean", "linear", "linear_sum", "bands", "deduction", "count", "categorical"]))
    points = draw(HALVES)
    spec: dict = {"id": iid, "name": f"指标{iid}", "points": points}
    policy = draw(st.sampled_from([None, "zero", "exclude", "mean"]))
    if policy:
        spec["missing"] = policy
    if kind == "boolean":
        spec |= {"value": col, "method": "boolean"}
        return Ind(spec, kind, [col], +1)
    if kind in ("linear", "linear_sum"):
        zero, full = draw(st.lists(st.integers(-50, 150), min_size=2, max_size=2, unique=True))
        if kind == "linear":
            spec |= {"value": col, "method": "linear", "zero": zero, "full": full}
            columns = [col]
        else:  # a column name that must be written in backticks, plus a plain one
            columns = [f"{col} 人数(人)", f"{col}_b"]
            spec |= {"value": f"`{columns[0]}` + {columns[1]}", "method": "linear", "zero": zero, "full": full}
        return Ind(spec, kind, columns, 1 if full > zero else -1)
    if kind == "bands":
        at = draw(st.sampled_from(["at_least", "at_most"]))
        xs = sorted(draw(st.lists(st.integers(-20, 120), min_size=1, max_size=4, unique=True)))
        if at == "at_least":
            xs = xs[::-1]
        ps = draw(
            st.lists(st.integers(0, int(points * 2)).map(lambda k: k / 2), min_size=len(xs) + 1, max_size=len(xs) + 1)
        )
        if monotone:  # the first band listed (the best values) earns the most
            ps = sorted(ps, reverse=True)
        spec |= {
            "value": col,
            "method": "bands",
            "bands": [{at: x, "points": p} for x, p in zip(xs, ps)],
            "otherwise": ps[-1],
        }
        return Ind(spec, kind, [col], +1 if at == "at_least" else -1)
    if kind in ("deduction", "count"):
        spec |= {"value": col, "method": kind, "per_item": draw(HALVES)}
        return Ind(spec, kind, [col], -1 if kind == "deduction" else +1)
    labels = [f"{c}等" for c in "ABCD"[: draw(st.integers(1, 4))]]
    spec |= {
        "value": col,
        "method": "categorical",
        "map": {lab: draw(st.integers(0, int(points * 2))) / 2 for lab in labels},
    }
    return Ind(spec, kind, [col], 0, labels)


@st.composite
def cases(draw, monotone: bool = False) -> Case:
    n_base = draw(st.integers(1, 5))
    base = [draw(indicators(f"i{j}", f"c{j}", monotone)) for j in range(n_base)]
    bonus = [draw(indicators(f"b{j}", f"bc{j}", monotone)) for j in range(draw(st.integers(0, 2)))]
    total = sum(ind.spec["points"] for ind in base)
    raw: dict = {
        "id": "generated",
        "name": "生成的体系",
        "version": "1",
        "unit": {"id_column": "编号", "name_column": "名称"},
        "total_points": total,
        "missing": draw(st.sampled_from(["zero", "exclude", "mean"])),
        "dimensions": [],
    }
    if draw(st.booleans()):
        raw["unit"]["group_columns"] = ["街道"]
    split = draw(st.integers(1, n_base))  # two dimensions, the second one nested
    raw["dimensions"].append({"id": "d1", "name": "一", "indicators": [i.spec for i in base[:split]]})
    if split < n_base:
        raw["dimensions"].append(
            {
                "id": "d2",
                "name": "二",
                "dimensions": [{"id": "d21", "name": "二一", "indicators": [i.spec for i in base[split:]]}],
            }
        )
    if bonus:
        cap = draw(st.integers(0, int(sum(i.spec["points"] for i in bonus) * 2))) / 2
        raw["bonus"] = {"cap": cap, "indicators": [i.spec for i in bonus]}
    mins = sorted(draw(st.lists(st.integers(0, int(total)), max_size=3, unique=True)), reverse=True)
    if mins:
        raw["tiers"] = [{"name": f"T{k}", "min": m} for k, m in enumerate(mins)]
    vetoes = []
    for k in range(draw(st.integers(0, 2))):
        effect = draw(st.sampled_from(["fail", "cap", "deduct"]))
        effect = "fail" if effect == "fail" else {effect: draw(HALVES)}
        vetoes.append({"id": f"v{k}", "name": f"否决{k}", "when": f"v{k} > 0", "effect": effect})
    if vetoes:
        raw["vetoes"] = vetoes
    rubric = civscore.parse_rubric_text(yaml.safe_dump(raw, allow_unicode=True), "generated.yaml")
    return Case(rubric, raw, base, bonus, [f"v{k}" for k in range(len(vetoes))])


# --- generated data ------------------------------------------------------------------------------

MAYBE = 0.2  # share of cells left blank


def _cells(draw, ind: Ind, n: int, col: str, allow_missing: bool) -> list:
    def values():
        if ind.kind == "boolean":
            return st.sampled_from(["是", "否"])
        if ind.kind == "categorical":
            return st.sampled_from(ind.labels)
        if ind.kind in ("deduction", "count"):
            return st.integers(0, 12) | st.floats(0, 30, allow_subnormal=False).map(lambda x: round(x, 3))
        return st.integers(-60, 160) | st.floats(-60, 160, allow_subnormal=False).map(lambda x: round(x, 3))

    out = []
    for _ in range(n):
        missing = allow_missing and draw(st.integers(0, 99)) < MAYBE * 100
        out.append(None if missing else draw(values()))
    return out


@st.composite
def scored_inputs(draw, monotone: bool = False, allow_missing: bool = True) -> tuple[Case, pd.DataFrame]:
    case = draw(cases(monotone))
    n = draw(st.integers(1, 10))
    frame = {"编号": [f"u{i:02d}" for i in range(n)], "名称": [f"社区{i}" for i in range(n)]}
    if "group_columns" in case.raw["unit"]:
        frame["街道"] = draw(st.lists(st.sampled_from(["东城", "西城"]), min_size=n, max_size=n))
    for ind in case.base + case.bonus:
        for col in ind.columns:
            frame[col] = _cells(draw, ind, n, col, allow_missing)
    for col in case.veto_columns:
        frame[col] = draw(st.lists(st.sampled_from([0, 0, 0, 1, 2]), min_size=n, max_size=n))
    return case, pd.DataFrame(frame, dtype=object)


def _by_id(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values("编号").reset_index(drop=True)


# --- the properties ------------------------------------------------------------------------------


@PROFILE
@given(scored_inputs())
def test_points_and_totals_stay_in_their_ranges(inputs):
    case, frame = inputs
    result = civscore.score(frame, case.rubric)
    limits = pd.Series({ind.id: ind.points for ind in case.rubric.iter_indicators()})
    points = result.points
    assert ((points >= -TOL) & (points <= limits + TOL)).all().all()
    t = result.table
    cap = case.rubric.bonus_cap
    assert t["total"].between(-TOL, case.rubric.total_points + cap + TOL).all()
    assert t["base"].between(-TOL, case.rubric.total_points + TOL).all()
    assert t["bonus"].between(-TOL, cap + TOL).all()
    assert t["coverage"].between(-TOL, 1 + TOL).all()
    assert sorted(t["rank"]) == sorted(t["rank"].astype(int)) and t["rank"].min() == 1


@PROFILE
@given(scored_inputs(), st.randoms(use_true_random=False))
def test_shuffling_rows_or_columns_changes_no_unit_result(inputs, rnd):
    case, frame = inputs
    expected = _by_id(civscore.score(frame, case.rubric).table)
    rows = list(frame.index)
    cols = list(frame.columns)
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    shuffled = frame.loc[rows, cols]
    got = _by_id(civscore.score(shuffled, case.rubric).table)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=1e-12)


@PROFILE
@given(scored_inputs(monotone=True), st.data())
def test_a_better_value_never_lowers_the_total(inputs, data):
    case, frame = inputs
    ranked = [ind for ind in case.base + case.bonus if ind.direction]
    if not ranked:
        return
    ind = data.draw(st.sampled_from(ranked))
    col = data.draw(st.sampled_from(ind.columns))
    present = [i for i, v in enumerate(frame[col]) if v is not None]
    if not present:
        return
    row = data.draw(st.sampled_from(present))
    old = frame.at[row, col]
    if ind.kind == "boolean":
        new = "是"  # from 否 (or 是) to 是 is never worse
    else:
        step = data.draw(st.floats(0.001, 100, allow_subnormal=False))
        new = old + step if ind.direction > 0 else old - step
        if ind.kind == "deduction":
            new = max(new, 0)  # a count cannot go below zero
    better = frame.copy()
    better.at[row, col] = new
    before = civscore.score(frame, case.rubric).table.set_index("编号")["total"]
    after = civscore.score(better, case.rubric).table.set_index("编号")["total"]
    unit = frame.at[row, "编号"]
    assert after[unit] >= before[unit] - TOL, (ind.spec, old, new)


@PROFILE
@given(scored_inputs(), st.data())
def test_exclude_on_an_indicator_nobody_misses_changes_nothing(inputs, data):
    case, frame = inputs
    ind = data.draw(st.sampled_from(case.base))
    full = frame.copy()
    for col in ind.columns:  # make sure no unit misses this indicator
        filler = "是" if ind.kind == "boolean" else ind.labels[0] if ind.labels else 1
        full[col] = [filler if v is None else v for v in full[col]]
    raw = copy.deepcopy(case.raw)
    for spec in _indicator_specs(raw):
        if spec["id"] == ind.spec["id"]:
            spec["missing"] = "exclude"
    excluded = civscore.parse_rubric_text(yaml.safe_dump(raw, allow_unicode=True), "generated.yaml")
    expected = civscore.score(full, case.rubric).table
    pd.testing.assert_frame_equal(civscore.score(full, excluded).table, expected)


def _indicator_specs(raw: dict):
    def walk(dims):
        for d in dims:
            yield from d.get("indicators", [])
            yield from walk(d.get("dimensions", []))

    yield from walk(raw["dimensions"])


@PROFILE
@given(scored_inputs(), st.booleans())
def test_scoring_never_modifies_its_input(inputs, odd_index):
    case, frame = inputs
    if odd_index:  # an index that is neither 0..n-1 nor unique-looking
        frame.index = pd.Index([f"r{k}" for k in reversed(range(len(frame)))])
    frame.attrs["source"] = "memory"
    before = frame.copy(deep=True)
    attrs = dict(frame.attrs)
    civscore.score(frame, case.rubric)
    civscore.validate(frame, case.rubric)
    pd.testing.assert_frame_equal(frame, before)
    assert frame.attrs == attrs
    assert list(frame.dtypes) == list(before.dtypes)


@PROFILE
@given(scored_inputs(), st.sampled_from([".csv", ".xlsx", ".parquet"]))
def test_data_written_and_read_back_scores_the_same(tmp_path_factory, inputs, suffix):
    case, frame = inputs
    folder = tmp_path_factory.mktemp("roundtrip")
    path = folder / f"data{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        _typed(frame).to_parquet(path, index=False)
    expected = civscore.score(frame, case.rubric)
    again = civscore.score(civscore.read_data(path, case.rubric), case.rubric)
    pd.testing.assert_frame_equal(again.table, expected.table)

    out = folder / f"result{suffix}"
    civscore.write_result(expected, out)
    back = _read_result(out)
    table = expected.table
    assert list(back.columns) == list(table.columns)
    assert back["编号"].astype(str).tolist() == table["编号"].astype(str).tolist()
    assert back["rank"].astype(int).tolist() == table["rank"].tolist()
    for col in ["total", "base", "bonus", "coverage"]:
        np.testing.assert_allclose(back[col].astype(float), table[col].astype(float), rtol=1e-12, atol=1e-12)
    flags = back["disqualified"].astype(str).str.lower().tolist()
    assert flags == table["disqualified"].astype(str).str.lower().tolist()
    assert [_text(v) for v in back["tier"]] == [_text(v) for v in table["tier"]]


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet needs one type per column: numbers as float64, text as text."""
    out = frame.copy()
    for col in out.columns:
        values = [v for v in out[col] if v is not None]
        if values and all(isinstance(v, (int, float)) for v in values):
            out[col] = pd.to_numeric(out[col]).astype("float64")
    return out


def _read_result(path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, sheet_name="排名", dtype={"编号": str})
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"编号": str}, keep_default_na=False)


def test_the_generator_covers_every_method_policy_and_effect():
    """A guard against a generator that silently stopped producing some feature."""
    seen: set[str] = set()

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(cases())
    def collect(case):
        for ind in case.base + case.bonus:
            seen.add(ind.kind)
            seen.add(f"missing:{ind.spec.get('missing')}")
        for veto in case.raw.get("vetoes", []):
            seen.add(f"effect:{next(iter(veto['effect'])) if isinstance(veto['effect'], dict) else veto['effect']}")
        if "bonus" in case.raw:
            seen.add("bonus")

    collect()
    wanted = {
        "boolean",
        "linear",
        "linear_sum",
        "bands",
        "deduction",
        "count",
        "categorical",
        "missing:zero",
        "missing:exclude",
        "missing:mean",
        "effect:fail",
        "effect:cap",
        "effect:deduct",
        "bonus",
    }
    assert wanted <= seen, wanted - seen
