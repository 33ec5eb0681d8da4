"""The command line as a user runs it: exit codes, messages, outputs written or not."""

import hashlib
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT

RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
DATA = ROOT / "data" / "communities_2025.csv"
BROKEN = ROOT / "data" / "communities_2025_broken.csv"


def civscore(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "civscore.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_validate_ok():
    r = civscore("validate", RUBRIC, DATA)
    assert r.returncode == 0, r.stderr
    assert "60 units satisfy" in r.stdout


def test_validate_rubric_only():
    r = civscore("validate", RUBRIC)
    assert r.returncode == 0 and "OK" in r.stdout


def test_validate_lists_every_problem_and_leaves_input_alone():
    before = digest(BROKEN)
    r = civscore("validate", RUBRIC, BROKEN)
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert lines[0] == f"{BROKEN}: 8 problem(s) found in 60 units"
    assert f"{BROKEN}, row 22, unit SQ021, column 常住人口(人), value '3000多': must be a number" in lines
    assert "Traceback" not in r.stdout + r.stderr
    assert digest(BROKEN) == before


def test_score_writes_each_format(tmp_path):
    for ext in ("csv", "xlsx", "parquet"):
        out = tmp_path / f"ranking.{ext}"
        r = civscore("score", RUBRIC, DATA, "-o", out)
        assert r.returncode == 0, r.stderr
        assert out.exists()
    assert not list(tmp_path.glob(".*tmp"))
    table = pd.read_csv(tmp_path / "ranking.csv", encoding="utf-8-sig")
    assert table.columns[:3].tolist() == ["rank", "rank_in_街道", "社区代码"]
    assert len(table) == 60


def test_score_on_invalid_data_writes_nothing_and_keeps_old_output(tmp_path):
    out = tmp_path / "ranking.csv"
    r = civscore("score", RUBRIC, BROKEN, "-o", out)
    assert r.returncode == 1
    assert not out.exists()
    assert "was not written" in r.stderr and "must be a number" in r.stderr
    out.write_text("previous result", encoding="utf-8")
    civscore("score", RUBRIC, BROKEN, "-o", out)
    assert out.read_text(encoding="utf-8") == "previous result"


def test_bad_rubric_exit_1_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(RUBRIC.read_text(encoding="utf-8").replace("method: boolean", "method: bool", 1), encoding="utf-8")
    r = civscore("score", bad, DATA, "-o", tmp_path / "x.csv")
    assert r.returncode == 1
    assert "must be 'boolean'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("args", [[], ["score", "r.yaml"], ["score", "r.yaml", "d.csv", "-o", "out.txt"], ["nonsense"]])
def test_wrong_usage_exit_2(args):
    r = civscore(*args)
    assert r.returncode == 2
    assert "usage:" in r.stderr


def test_missing_data_file_is_one_line(tmp_path):
    r = civscore("validate", RUBRIC, tmp_path / "none.csv")
    assert r.returncode == 1
    assert r.stderr.strip() == f"{tmp_path / 'none.csv'}: file not found"


def test_schema_prints_json():
    r = civscore("schema")
    assert r.returncode == 0
    assert '"title": "civscore rubric"' in r.stdout


def test_problems_file(tmp_path):
    out = tmp_path / "problems.csv"
    r = civscore("validate", RUBRIC, BROKEN, "--problems", out)
    assert r.returncode == 1
    problems = pd.read_csv(out, encoding="utf-8-sig")
    assert list(problems.columns) == ["file", "sheet", "row", "unit", "column", "value", "rule"]
    assert len(problems) == 8


def test_gaps_by_an_unknown_column_is_wrong_usage(tmp_path):
    r = civscore("gaps", RUBRIC, DATA, "-o", tmp_path / "g.xlsx", "--by", "区县")
    assert r.returncode == 2
    assert "--by '区县' is not a unit column of the rubric; choose one of: 社区代码, 社区名称, 街道" in r.stderr
    assert not (tmp_path / "g.xlsx").exists()
