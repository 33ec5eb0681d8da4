"""A contract per registry: whatever is registered passes the same properties.

- scoring methods (civscore.methods): points lie in [0, P]; the rule text names the points
  earned; each stated next step earns its stated points when the value is set to its target
  and scored again;
- writers (civscore.writers): a table written in every format reads back with the same cells;
- charts (civscore.plots): every chart has a title and axis labels and draws with no missing glyph.

A new method, format or chart is tested here without a line of test code: the example
parameters a method declares (``Method.example``) are all it takes.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import civscore
import civscore.plots
from civscore.methods import METHODS
from civscore.rubric.model import Indicator
from civscore.words import fmt_all, fmt_points, using_language
from civscore.writers.output import FORMATS, write_table
from civscore.writers.safe_text import neutralise

matplotlib.use("Agg")


def example_indicator(name: str) -> Indicator:
    method = METHODS[name]
    value = "label" if method.reads == "text" else "x"
    return Indicator(id="t1", name="测试", value=value, method=name, **method.example)


def sample_values(ind: Indicator) -> pd.Series:
    """Values around every threshold of the method (and beyond), plus a missing one."""
    method = METHODS[ind.method]
    if method.reads == "text":
        return pd.Series([*(ind.map or {}), None], dtype=object)
    if method.reads == "boolean":
        return pd.Series([0.0, 1.0, np.nan])
    marks = np.array(method.thresholds(ind) + [0.0, 1.0, 2.0, 3.0, 10.0], dtype=float)
    v = np.unique(np.r_[marks, marks - 0.5, marks + 0.5, marks * 2, np.nan])
    valid = ~method.invalid(v, ind)
    return pd.Series(v[valid])


def scored(ind: Indicator, values: pd.Series) -> np.ndarray:
    method = METHODS[ind.method]
    raw = values.to_numpy(dtype=object if method.reads == "text" else float)
    return method.points(raw, ind)


@pytest.fixture(params=sorted(METHODS))
def case(request):
    ind = example_indicator(request.param)
    values = sample_values(ind)
    return ind, values, scored(ind, values)


def test_every_method_has_a_contract_row_and_an_example():
    assert sorted(m.order for m in METHODS.values()) == list(range(1, len(METHODS) + 1))
    for name, method in METHODS.items():
        assert method.name == name
        assert method.needs <= set(method.example) - {"points"} <= method.keys, name


def test_points_lie_between_zero_and_the_indicators_points(case):
    ind, values, points = case
    present = values.notna().to_numpy()
    assert np.isnan(points[~present]).all()
    assert ((points[present] >= 0) & (points[present] <= ind.points)).all()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rule_text_names_the_points_earned(case, lang):
    ind, values, points = case
    present = values.notna().to_numpy()
    with using_language(lang):
        texts = METHODS[ind.method].rule_text(ind, values[present], points[present])
    earned = fmt_all(points[present], 2).astype(str)
    P = fmt_points(ind.points)
    assert len(texts) == present.sum()
    for text, e in zip(texts, earned):
        assert (f"{e}/{P} 分" if lang == "zh" else f"{e} of {P}") in text


def _reached(op: str, target: object) -> object:
    """A value that meets ``op target`` (just past the target for a strict comparison)."""
    if op in ("==", ">=", "<="):
        return target
    return float(target) - 0.5 if op == "<" else float(target) + 0.5


def test_each_next_step_earns_what_it_says_when_scored_again(case):
    ind, values, points = case
    present_or_missing = np.nan_to_num(points, nan=0.0)  # a missing value earns 0 under missing: zero
    steps = METHODS[ind.method].next_step(ind, values, present_or_missing)
    has = steps["op"] != ""
    assert has.any(), f"{ind.method}: the sample values leave no step to take"
    after_values = values.astype(object).copy()
    for i in np.flatnonzero(has):
        after_values.iloc[i] = _reached(steps["op"][i], steps["target"][i])
        assert steps["after"][i] > present_or_missing[i], (ind.method, values.iloc[i], steps["text"][i])
        assert steps["text"][i]
    again = scored(ind, after_values[has].reset_index(drop=True))
    np.testing.assert_allclose(again, steps["after"][has].astype(float), err_msg=ind.method)


def test_an_unknown_method_is_refused_by_name_never_scored_as_another():
    from civscore.methods import method_of
    from civscore.methods.registry import UnknownMethodError

    with pytest.raises(UnknownMethodError, match="unknown scoring method 'ratio'"):
        method_of("ratio")


# --- writers ----------------------------------------------------------------------------------

READ_BACK = {
    ".csv": lambda p: pd.read_csv(p, encoding="utf-8-sig", dtype=object, keep_default_na=False),
    ".xlsx": lambda p: pd.read_excel(p, dtype=object, keep_default_na=False),
    ".parquet": lambda p: pd.read_parquet(p).astype(object),
}


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_every_writer_round_trips_a_table(suffix, tmp_path: Path):
    table = pd.DataFrame(
        {
            "单位": ["东园社区", "西园 社区", '=HYPERLINK("x")'],
            "总分": [91.25, 0.0, 77.5],
            "名次": [1, 3, 2],
        }
    )
    path = write_table(table, tmp_path / f"t{suffix}", sheet="结果")
    assert suffix in READ_BACK, f"add how to read {suffix} back to READ_BACK"
    back = READ_BACK[suffix](path)
    assert list(back.columns) == list(table.columns)
    for col in table.columns:
        got = back[col].tolist()
        if col == "单位":
            # text a spreadsheet would run comes back as text, never as a formula
            assert got[:2] == table[col].tolist()[:2]
            assert got[2] in (table[col][2], neutralise(table[col][2]))
        else:
            assert [float(x) for x in got] == table[col].astype(float).tolist()


# --- charts -----------------------------------------------------------------------------------


def chart_functions() -> list[tuple[str, object]]:
    """Every public function of a civscore.plots module that returns a Figure."""
    found = []
    for info in pkgutil.iter_modules(civscore.plots.__path__):
        module = importlib.import_module(f"civscore.plots.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                if inspect.signature(fn).return_annotation in ("Figure", matplotlib.figure.Figure):
                    found.append((f"{info.name}.{name}", fn))
    return found


@pytest.fixture(scope="module")
def inputs():
    root = Path(__file__).resolve().parents[1]
    rubric = civscore.load_rubric(root / "rubrics" / "civilized-community-2025.yaml")
    a = civscore.score(civscore.read_data(root / "data" / "communities_2024.csv", rubric), rubric)
    b = civscore.score(civscore.read_data(root / "data" / "communities_2025.csv", rubric), rubric)
    data = civscore.read_data(root / "data" / "communities_2025.csv", rubric)
    return {
        "Scored": b.scored if hasattr(b, "scored") else b,
        "Comparison": civscore.compare(a, b),
        "Uncertainty": civscore.uncertainty(data, rubric, runs=40),
        "Sensitivity": civscore.sensitivity(data, rubric, samples=16, num_resamples=10),
        "unit": b.table[rubric.unit.id_column].iloc[0],
    }


def _labelled(axis) -> bool:
    """An axis says what it shows: a label, or ticks that name categories (units, indicators)."""
    if axis.get_label_text():
        return True
    ticks = [t.get_text() for t in axis.get_ticklabels()]
    return bool(ticks) and all(t and not t.replace(".", "").replace("−", "").replace("-", "").isdigit() for t in ticks)


@pytest.mark.parametrize("name, chart", chart_functions(), ids=[n for n, _ in chart_functions()])
def test_every_chart_has_a_title_and_axis_labels_and_no_missing_glyph(name, chart, inputs):
    params = list(inspect.signature(chart).parameters.values())
    first = params[0].annotation
    args = [inputs[first]]
    if len(params) > 1 and params[1].name == "unit_id":
        args.append(inputs["unit"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = chart(*args)
        fig.canvas.draw()
    try:
        glyphs = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)]
        assert glyphs == [], name
        axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert axes, name
        title = fig._suptitle.get_text() if fig._suptitle is not None else ""
        assert title or all(ax.get_title() for ax in axes), f"{name}: no title"
        for ax in axes:
            if ax.name == "polar":
                continue  # a radar's spokes carry the dimension names; it has no x or y axis
            for axis in (ax.xaxis, ax.yaxis):
                assert _labelled(axis), f"{name}: an {axis.axis_name} axis with neither a label nor named categories"
    finally:
        matplotlib.pyplot.close(fig)
