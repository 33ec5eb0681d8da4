"""The command line as a user runs it: exit codes, messages, outputs written or not."""

import hashlib
import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT

RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
DATA = ROOT / "data" / "communities_2025.csv"
BROKEN = ROOT / "data" / "communities_2025_broken.csv"


def civscore(*args, cwd=None, lang=None):
    """Run the command; messages in Chinese (the default) unless ``lang`` sets CIVSCORE_LANG.
    Its streams are buffered, as in a user's pipeline (the machines here set PYTHONUNBUFFERED)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CIVSCORE_LANG", "PYTHONUNBUFFERED")}
    if lang:
        env["CIVSCORE_LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "civscore.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env=env,
    )


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_process_ends_with_the_commands_status_and_all_it_printed(capsys):
    """The console script ends without the interpreter's teardown (civscore.cli._end_process):
    what it wrote to a buffered pipe still arrives whole, and the status is the command's."""
    from civscore.cli import main

    assert main(["explain", str(RUBRIC), str(DATA), "SQ001"]) == 0
    expected = capsys.readouterr().out
    r = civscore("explain", RUBRIC, DATA, "SQ001")
    assert r.returncode == 0 and r.stdout == expected and expected.count("\n") > 20
    r = civscore("validate", RUBRIC, BROKEN)
    assert r.returncode == 1 and r.stderr.count("\n") + r.stdout.count("\n") == 9


def test_validate_ok():
    r = civscore("validate", RUBRIC, DATA)
    assert r.returncode == 0, r.stderr
    assert "没有问题 — 60 个单位符合" in r.stdout


def test_validate_rubric_only():
    r = civscore("validate", RUBRIC)
    assert r.returncode == 0 and "没有问题" in r.stdout and "38 个指标" in r.stdout


def test_validate_lists_every_problem_and_leaves_input_alone():
    before = digest(BROKEN)
    r = civscore("validate", RUBRIC, BROKEN)
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert lines[0] == f"{BROKEN}：60 个单位中发现 8 个问题"
    assert f"文件 {BROKEN}，第 22 行，单位 SQ021，列 常住人口(人)，填写内容 '3000多'：必须是数字" in lines
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
    # the result table is the same, column names included, whatever the language of messages
    english = tmp_path / "english.csv"
    assert civscore("score", RUBRIC, DATA, "-o", english, lang="en").returncode == 0
    assert english.read_bytes() == (tmp_path / "ranking.csv").read_bytes()


def test_score_on_invalid_data_writes_nothing_and_keeps_old_output(tmp_path):
    out = tmp_path / "ranking.csv"
    r = civscore("score", RUBRIC, BROKEN, "-o", out)
    assert r.returncode == 1
    assert not out.exists()
    assert f"未写出 {out}。" in r.stderr and "必须是数字" in r.stderr
    out.write_text("previous result", encoding="utf-8")
    civscore("score", RUBRIC, BROKEN, "-o", out)
    assert out.read_text(encoding="utf-8") == "previous result"


def test_bad_rubric_exit_1_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(RUBRIC.read_text(encoding="utf-8").replace("method: boolean", "method: bool", 1), encoding="utf-8")
    r = civscore("score", bad, DATA, "-o", tmp_path / "x.csv")
    assert r.returncode == 1
    assert "必须是 'boolean'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("args", [[], ["score", "r.yaml"], ["score", "r.yaml", "d.csv", "-o", "out.txt"], ["nonsense"]])
def test_wrong_usage_exit_2(args):
    r = civscore(*args)
    assert r.returncode == 2
    assert r.stderr.startswith("用法：civscore")
    assert "错误：" in r.stderr


def test_missing_data_file_is_one_line(tmp_path):
    r = civscore("validate", RUBRIC, tmp_path / "none.csv")
    assert r.returncode == 1
    assert r.stderr.strip() == f"{tmp_path / 'none.csv'}: 找不到文件"


@pytest.mark.parametrize(
    "args",
    [
        ["--lang", "en", "validate", "{rubric}", "{data}"],
        ["validate", "{rubric}", "{data}", "--lang", "en"],
        ["validate", "--lang=en", "{rubric}", "{data}"],
    ],
)
def test_lang_en_before_or_after_the_command_gives_english(args):
    r = civscore(*[a.format(rubric=RUBRIC, data=BROKEN) for a in args])
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert lines[0] == f"{BROKEN}: 8 problem(s) found in 60 units"
    assert f"{BROKEN}, row 22, unit SQ021, column 常住人口(人), value '3000多': must be a number" in lines


def test_civscore_lang_environment_gives_english_and_the_option_wins():
    r = civscore("validate", RUBRIC, DATA, lang="en")
    assert r.returncode == 0 and "OK — 60 units satisfy" in r.stdout
    r = civscore("--lang", "zh", "validate", RUBRIC, DATA, lang="en")
    assert r.returncode == 0 and "没有问题 — 60 个单位符合" in r.stdout


def test_help_is_chinese_by_default_and_english_with_lang_en():
    zh = civscore("score", "--help")
    en = civscore("score", "--help", "--lang", "en")
    assert zh.returncode == en.returncode == 0
    assert zh.stdout.startswith("用法：civscore score")
    assert "按 RUBRIC 检查 DATA" in zh.stdout and "测评体系文件（.yaml）" in zh.stdout
    assert en.stdout.startswith("usage: civscore score") and "rubric file (.yaml)" in en.stdout
    top = civscore("--help")
    assert "--lang {zh,en}" in top.stdout and "消息语言" in top.stdout


@pytest.mark.parametrize("args", [["--lang", "fr", "validate", "r.yaml"], ["validate", "r.yaml", "--lang"]])
def test_an_unknown_language_is_wrong_usage(args):
    r = civscore(*args)
    assert r.returncode == 2
    assert "--lang 只能是 zh 或 en" in r.stderr


def test_schema_prints_json():
    r = civscore("schema")
    assert r.returncode == 0
    assert '"title": "civscore rubric"' in r.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_problems_file(tmp_path, lang):
    out = tmp_path / "problems.csv"
    r = civscore("validate", RUBRIC, BROKEN, "--problems", out, "--lang", lang)
    assert r.returncode == 1
    problems = pd.read_csv(out, encoding="utf-8-sig")
    # the same column names in both languages; the rules are in the language of the run
    assert list(problems.columns) == ["file", "sheet", "row", "unit", "column", "value", "rule"]
    assert len(problems) == 8
    assert ("必须是数字" if lang == "zh" else "must be a number") in set(problems["rule"])


def test_gaps_by_an_unknown_column_is_wrong_usage(tmp_path):
    r = civscore("gaps", RUBRIC, DATA, "-o", tmp_path / "g.xlsx", "--by", "区县")
    assert r.returncode == 2
    assert "--by '区县' 不是测评体系中的单位列；请从以下选择：社区代码、社区名称、街道" in r.stderr
    assert not (tmp_path / "g.xlsx").exists()
