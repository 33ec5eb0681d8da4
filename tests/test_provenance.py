"""Every output can be traced back: the civscore version and the SHA-256 of the rubric and data
files on the 说明 sheets; data validated once when the caller already checked it; a missing
optional extra said in plain words."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd
import pytest

import civscore
from civscore.cli import main
from civscore.errors import MissingExtraError

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
DATA = ROOT / "data" / "communities_2025.csv"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def about(path: Path) -> dict[str, str]:
    sheet = pd.read_excel(path, sheet_name="说明", header=None, dtype=str).fillna("")
    return {row[0]: row[1] for row in sheet.itertuples(index=False) if len(row) > 1}


def test_the_ranking_workbook_names_the_previous_file_a_rubric_read(tmp_path):
    rubric = civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2026.yaml")
    before = ROOT / "data" / "communities_2024.csv"
    result = civscore.score(civscore.read_data(DATA, rubric), rubric, previous=before)
    rows = about(result.write(tmp_path / "ranking.xlsx"))
    assert rows["上一期数据文件"] == str(before)
    assert rows["上一期数据文件 SHA-256"] == sha256(before)
    assert rows["数据文件 SHA-256"] == sha256(DATA)
    plain = civscore.score(civscore.read_data(DATA), civscore.load_rubric(RUBRIC))
    assert "上一期数据文件" not in about(plain.write(tmp_path / "plain.xlsx"))


def test_the_ranking_workbook_names_the_version_and_both_hashes(tmp_path):
    rubric = civscore.load_rubric(RUBRIC)
    result = civscore.score(civscore.read_data(DATA, rubric), rubric)
    assert rubric.sha256 == sha256(RUBRIC)
    assert result.report.source_sha256 == sha256(DATA)
    rows = about(result.write(tmp_path / "ranking.xlsx"))
    assert rows["civscore 版本"] == civscore.__version__
    assert rows["体系文件 SHA-256"] == sha256(RUBRIC)
    assert rows["数据文件 SHA-256"] == sha256(DATA)


def test_gaps_and_comparison_workbooks_carry_them_too(tmp_path):
    old = ROOT / "data" / "communities_2024.csv"
    assert main(["gaps", str(RUBRIC), str(DATA), "-o", str(tmp_path / "gaps.xlsx")]) == 0
    assert about(tmp_path / "gaps.xlsx")["数据文件 SHA-256"] == sha256(DATA)
    argv = ["compare", "-r", str(RUBRIC), "-d", str(old), "-d", str(DATA), "--labels", "2024", "2025"]
    assert main([*argv, "-o", str(tmp_path / "c.xlsx")]) == 0
    rows = about(tmp_path / "c.xlsx")
    assert rows["2024 数据文件 SHA-256"] == sha256(old)
    assert rows["2025 数据文件 SHA-256"] == sha256(DATA)
    assert rows["civscore 版本"] == civscore.__version__


def test_the_version_is_printed_and_comes_from_the_installed_metadata(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"civscore {version('civscore')}"


def test_data_checked_once_is_scored_without_validating_again(monkeypatch):
    rubric = civscore.load_rubric(RUBRIC)
    data = civscore.read_data(DATA, rubric)
    checked = civscore.check(data, rubric)
    import civscore.scoring.engine as engine

    monkeypatch.setattr(engine, "check", lambda *a, **k: pytest.fail("validated twice"))
    result = civscore.score(data, rubric, checked=checked)
    assert len(result.table) == len(data)
    with pytest.raises(ValueError, match="checked describes"):
        civscore.score(data.head(3), rubric, checked=checked)


def test_a_missing_extra_names_the_install_to_run(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "cn2an", None)  # import cn2an now raises ImportError
    with pytest.raises(MissingExtraError, match=r"pip install 'civscore\[evidence\]'"):
        civscore.extract_evidence("本年度新增志愿者一百二十名。")
    report = tmp_path / "SQ001.txt"
    report.write_text("社区代码：SQ001\n本年度新增志愿者一百二十名。\n", encoding="utf-8")
    code = main(["extract", "--rubric", str(RUBRIC), str(report), "-o", str(tmp_path / "c.csv")])
    err = capsys.readouterr().err
    assert code == 1 and "civscore[evidence]" in err and "Traceback" not in err
    assert not (tmp_path / "c.csv").exists()
