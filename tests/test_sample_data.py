"""The bundled sample data is what its seeded generator makes, and it fits the bundled rubrics."""

import runpy

import pytest
from conftest import ROOT

import civscore

CSV_FILES = [
    "communities_2024.csv",
    "communities_2025.csv",
    "communities_2025_gbk.csv",
    "communities_2025_broken.csv",
    "compounds_2025.csv",
]


def test_generator_reproduces_the_committed_files(tmp_path):
    runpy.run_path(str(ROOT / "data" / "generate_sample.py"), run_name="not_main")["main"](tmp_path)
    for name in CSV_FILES:
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / name).read_bytes(), name
    fresh = civscore.read_data(tmp_path / "communities_2025.xlsx")
    committed = civscore.read_data(ROOT / "data" / "communities_2025.xlsx")
    assert fresh.equals(committed)


@pytest.mark.parametrize(
    "rubric, data",
    [
        ("civilized-community-2025.yaml", "communities_2025.csv"),
        ("civilized-community-2025.yaml", "communities_2024.csv"),
        ("civilized-community-2026.yaml", "communities_2025.csv"),
        ("safe-compound-2025.yaml", "compounds_2025.csv"),
    ],
)
def test_sample_data_scores_cleanly_with_every_tier_and_a_veto(rubric, data):
    r = civscore.load_rubric(ROOT / "rubrics" / rubric)
    # a rubric that reads last year's values (previous()) gets the year before as its previous table
    previous = ROOT / "data" / "communities_2024.csv" if r.uses_previous() else None
    result = civscore.score(civscore.read_data(ROOT / "data" / data, r), r, previous=previous)
    table = result.table
    assert table["disqualified"].any()
    assert set(table["tier"]) == {t.name for t in r.tiers}


def test_the_broken_file_fails_with_every_planted_problem(sample_rubric):
    report = civscore.validate(
        civscore.read_data(ROOT / "data" / "communities_2025_broken.csv", sample_rubric), sample_rubric
    )
    rules = set(report.problems["rule"])
    assert len(report.problems) == 8
    assert {"必须是数字", "单位编号不能重复"} <= rules
    assert any(rule.startswith("必须填“是”或“否”") for rule in rules)
    assert any(rule.startswith("必须是以下之一") for rule in rules)
    assert any(rule.startswith("必须大于或等于 0") for rule in rules)
    assert any(rule.startswith("不能为空") for rule in rules)
