"""Record cells cleaned per distinct value (civscore/records/spellings.py) read exactly as cleaning
every cell does: spaces of every width trimmed as in the unit table, the missing words in any
case, full-width digits and thousands separators, yes/no words, ids typed two ways; and the
measures and problems are the same, to the bit, as with every cell cleaned per record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_records import MEASURES, random_records, rubric_with

import civscore
from civscore.records import spellings
from civscore.records.measure import measure_units

CHECKED = """
    columns:
      评价: {values: [满意, 基本满意, 不满意]}
      得分: {min: 0, max: 100}
"""
FULL_WIDTH_SPACE, NBSP = "\u3000", "\u00a0"


def dirty(records: pd.DataFrame, seed: int = 3, broken: bool = False, light: bool = False) -> pd.DataFrame:
    """The same records as an office types them: every cell may gain spaces of any width at
    either end, missing cells read NA / na / ／ / 缺失, numbers have full-width digits; each
    cleans to the cell it was. ``broken``: a score of 100 typed "1,00" (not a number).
    ``light``: only a few kinds of space, on the right: few spellings per value, each read by a
    CASE over the stored cells (more kinds make the columns be cleaned per record)."""
    rng = np.random.default_rng(seed)
    out = records.copy()
    pads = ["", " ", FULL_WIDTH_SPACE, NBSP] if light else ["", " ", "  ", FULL_WIDTH_SPACE, NBSP, "\t", " \u2002"]

    def pad(col: pd.Series) -> pd.Series:
        left = rng.choice([""] if light else pads, len(col))
        right = rng.choice(pads, len(col))
        return pd.Series([a + str(v) + b for a, v, b in zip(left, col, right, strict=True)], index=col.index)

    blank = out["得分"] == ""
    out.loc[blank, "得分"] = rng.choice(["NA", "na", "／", "缺失", "N/A", "-"], int(blank.sum()))
    wide = (~blank) & (rng.random(len(out)) < 0.2)
    out.loc[wide, "得分"] = out.loc[wide, "得分"].str.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if broken:
        out.loc[out["得分"] == "100", "得分"] = "1,00"  # no thousands pattern: a problem, as per cell
    for col in out.columns:
        out[col] = pad(out[col])
    return out


def per_record(monkeypatch) -> None:
    """Make every column be cleaned per record (the way before spellings.py), for comparison."""
    monkeypatch.setattr(spellings, "FETCHED", 0)
    monkeypatch.setattr(spellings, "CASES", -1)


def measured(rubric, records, units):
    got = measure_units(rubric, {"survey": records}, units=units)
    problems = got.problems.sort_values(["rule", "row"], kind="stable").reset_index(drop=True)
    return got.table, problems


def test_spaces_of_every_width_missing_words_and_full_width_digits_clean_as_in_the_unit_table():
    records = random_records(n=1200, units=30)
    rubric = rubric_with(MEASURES)
    units = [f"U{i:03d}" for i in range(1, 31)]
    messy = dirty(records)
    assert (messy["区域代码"] != records["区域代码"]).mean() > 0.5  # most ids carry some space
    assert messy["区域代码"].str.contains(FULL_WIDTH_SPACE).any() and messy["评价"].str.contains(NBSP).any()
    assert messy["得分"].str.contains("０|１|２").any() and messy["得分"].str.strip().isin(["NA", "缺失", "／"]).any()
    got = civscore.measure(rubric, records={"survey": messy}, units=units)
    want = civscore.measure(rubric, records={"survey": records}, units=units)
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)


def test_distinct_values_give_the_very_numbers_and_problems_of_cleaning_every_cell(monkeypatch):
    records = dirty(random_records(n=1500, units=40), seed=11, broken=True, light=True)
    records.loc[records.index[:5], "评价"] = ["很满意", " 满义", "NA", "", "满意\u3000"]
    records.loc[records.index[5:8], "区域代码"] = ["", "\u3000", "U999"]  # blank twice, unknown
    rubric = rubric_with(MEASURES, CHECKED)
    units = [f"U{i:03d}" for i in range(1, 41)]
    fast_table, fast_problems = measured(rubric, records, units)
    per_record(monkeypatch)
    slow_table, slow_problems = measured(rubric, records, units)
    pd.testing.assert_frame_equal(fast_table, slow_table, check_exact=True)
    pd.testing.assert_frame_equal(fast_problems, slow_problems)
    rules = fast_problems["rule"].str.cat(sep="\n")
    assert "很满意" in fast_problems["value"].tolist() and "满义" in fast_problems["value"].tolist()
    assert "满意" not in fast_problems.loc[fast_problems["column"] == "评价", "value"].tolist()
    assert "1,00" in fast_problems["value"].tolist()  # not a number, read alike both ways
    assert "U999" in fast_problems["value"].tolist()
    blank_rows = fast_problems.loc[fast_problems["rule"].str.contains("空|blank"), "row"].tolist()
    assert len(blank_rows) == 2, rules


def test_one_unit_typed_with_and_without_spaces_is_aggregated_together():
    records = pd.DataFrame(
        {
            "区域代码": ["A1", " A1", "A1\u3000", f"{NBSP}A1", "A2", "A2 "],
            "评价": ["满意", "满意 ", "不满意", "基本满意", "满意", "\u3000不满意"],
            "得分": ["1", "２", "1,000", " 4 ", "NA", "6"],
            "有效": ["是", "是", "否", "是", "是", "是"],
            "权重": ["1"] * 6,
        }
    )
    rubric = rubric_with(
        """
  - {id: m_count, from: survey, aggregate: count}
  - {id: m_sum, from: survey, aggregate: sum, of: 得分}
  - {id: m_share, from: survey, aggregate: share, of: 评价 == "满意", where: 有效 == "是"}
  - {id: m_median, from: survey, aggregate: median, of: 得分}
"""
    )
    got = civscore.measure(rubric, records={"survey": records}, units=["A1", "A2"]).set_index("区域代码")
    assert got["m_count"].tolist() == [4, 2]
    assert got["m_sum"].tolist() == [1 + 2 + 1000 + 4, 6]
    assert got.loc["A1", "m_share"] == pytest.approx(2 / 3) and got.loc["A2", "m_share"] == 0.5
    assert got.loc["A1", "m_median"] == 3.0 and got.loc["A2", "m_median_n"] == 1


def test_parquet_numbers_and_integer_ids_need_no_text_cleaning(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    n = 2000
    frame = pd.DataFrame(
        {
            "区域代码": rng.integers(1001, 1031, n),
            "评价": rng.choice(["满意", "基本满意", "不满意", " 满意", None], n),
            "得分": np.where(rng.random(n) < 0.05, np.nan, rng.integers(0, 101, n).astype(float)),
            "有效": rng.choice(["是", "否", "是 "], n),
            "权重": rng.choice([0.5, 1.0, 2.0], n),
        }
    )
    frame.loc[7, "得分"] = np.inf  # not a number: a problem
    frame.loc[8, "得分"] = 150.0  # out of range
    path = tmp_path / "survey.parquet"
    frame.to_parquet(path)
    rubric = rubric_with(MEASURES.replace("min_records: 40", "min_records: 5"), CHECKED)
    units = [str(u) for u in range(1001, 1032)]  # 1031 has no records
    fast_table, fast_problems = measured(rubric, str(path), units)
    per_record(monkeypatch)
    slow_table, slow_problems = measured(rubric, str(path), units)
    pd.testing.assert_frame_equal(fast_table, slow_table, check_exact=True)
    pd.testing.assert_frame_equal(fast_problems, slow_problems)
    assert sorted(fast_problems["row"].dropna().astype(int).tolist()) == [7 + 2, 8 + 2]
    assert fast_table.set_index("区域代码").loc["1031", "m_count"] == 0
