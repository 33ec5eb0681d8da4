"""What a rubric's expressions read is worked out once per check, and afresh in the next one."""

import pandas as pd
from conftest import ROOT

import civscore
from civscore.rubric.model import Rubric, facts_once
from civscore.validation.cells import ColumnCache


def _counting_walks(monkeypatch) -> list[int]:
    walks = [0]
    original = Rubric.iter_indicators

    def counted(self):
        walks[0] += 1
        return original(self)

    monkeypatch.setattr(Rubric, "iter_indicators", counted)
    return walks


def _ask(rubric: Rubric) -> tuple:
    return rubric.column_uses(), rubric.arithmetic_columns(), rubric.label_columns("不适用")


def test_inside_facts_once_each_fact_is_walked_once_and_every_caller_gets_its_own_copy(sample_rubric, monkeypatch):
    walks = _counting_walks(monkeypatch)
    alone = _ask(sample_rubric)
    once = walks[0]
    assert once > 0
    walks[0] = 0
    with facts_once():
        first = sample_rubric.column_uses()
        first.clear()  # a caller changing its answer does not change the next caller's
        assert sample_rubric.column_uses() == alone[0]
        spoilt = sample_rubric.arithmetic_columns()
        spoilt.add("not a column")
        assert sample_rubric.arithmetic_columns() == alone[1]
        assert sample_rubric.label_columns("不适用") == alone[2]
        with facts_once():  # nested: the same memo
            assert sample_rubric.column_uses() == alone[0]
        assert _ask(sample_rubric) == alone
    assert walks[0] == once  # asked three times, walked as often as when asked once
    _ask(sample_rubric)
    _ask(sample_rubric)
    assert walks[0] == 3 * once  # outside, every call walks the rubric again


def test_a_rubric_changed_between_two_checks_is_checked_as_it_now_is(sample_rubric):
    sample_data = civscore.read_data(ROOT / "data/communities_2025.csv", sample_rubric)
    assert civscore.validate(sample_data, sample_rubric).ok
    ind = next(sample_rubric.iter_indicators())
    column = ind.expression.bare_column
    # the same object under a changed expression: the second check must see the new column
    private = ind.__pydantic_private__
    assert private is not None
    ind.value = "新增的列"
    private["_expr"] = None
    report = civscore.validate(sample_data, sample_rubric)
    assert "新增的列" in set(report.problems["column"])
    assert column != "新增的列"


def test_column_cache_columns_are_the_frames_columns_and_leave_its_attrs_alone():
    frame = pd.DataFrame({"甲": [1.0, 2.0], "乙": ["a", "b"]})
    frame.attrs["source"] = "x.csv"
    cache = ColumnCache(frame, {"甲": "number", "乙": "text"})
    for name in frame.columns:
        pd.testing.assert_series_equal(cache.column(name), frame[name], check_index_type=True)
    assert cache.column("甲") is cache.column("甲")
    assert frame.attrs == {"source": "x.csv"}
    assert cache.frame is frame
