"""`civscore report --previous FILE`: a rubric that reads previous(name) (contract section 9) gets
its previous period's table through the report notebook, and without one the command stops
before any kernel starts, naming the rubric, its previous(...) uses and the option."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import civscore
from civscore.report import render

ROOT = Path(__file__).resolve().parents[1]
R2025 = ROOT / "rubrics" / "civilized-community-2025.yaml"
R2026 = ROOT / "rubrics" / "civilized-community-2026.yaml"
D2025 = ROOT / "data" / "communities_2025.csv"
D2024 = ROOT / "data" / "communities_2024.csv"


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if a report kernel is started or the notebook rendered."""

    def refuse(*args, **kwargs):
        pytest.fail("a kernel was started")

    monkeypatch.setattr(render, "start_kernel", refuse)
    monkeypatch.setattr(civscore, "render_report", refuse)


@pytest.fixture
def rendered(monkeypatch):
    """Stand in for the notebook run: record what `civscore report` asks of render_report."""
    calls: list[tuple[tuple, dict]] = []

    def fake(rubric, data, output, **kwargs):
        calls.append(((rubric, data, output), kwargs))
        out = Path(kwargs.get("output_dir") or Path(output).parent)
        return render.ReportFiles(Path(output), out / "ranking.csv", out / "ranking.xlsx", 0.1)

    monkeypatch.setattr(civscore, "render_report", fake)
    return calls


@pytest.mark.parametrize("suffix", [".html", ".docx"])
def test_without_previous_the_report_stops_before_the_kernel_in_chinese(run, tmp_path, no_kernel, suffix):
    out = tmp_path / f"report{suffix}"
    ran = run(["report", R2026, D2025, "-o", out], tmp_path, lang="zh")
    assert ran.returncode == 2
    message = ran.stderr.strip().splitlines()[-1]
    assert str(R2026) in message and "文明社区创建测评体系（2026年版）" in message and "2026.1" in message
    assert "awareness_gain（创建知晓率 - previous(创建知晓率)）" in message
    assert "请用 --previous FILE 给出上一期的单位数据表" in message and f"未写出 {out}" in message
    assert list(tmp_path.iterdir()) == []


def test_without_previous_the_message_is_english_with_lang_en(run, tmp_path, no_kernel):
    ran = run(["report", R2026, D2025, "-o", tmp_path / "r.html"], tmp_path, lang="en")
    assert ran.returncode == 2
    assert "reads the previous period: awareness_gain (创建知晓率 - previous(创建知晓率))" in ran.stderr
    assert "with --previous FILE" in ran.stderr and "was not written" in ran.stderr
    assert not re.search(r"[错误请给出]", ran.stderr)


def test_previous_is_passed_to_the_notebook_for_a_rubric_that_reads_it(run, tmp_path, rendered):
    ran = run(["report", R2026, D2025, "-o", tmp_path / "r.html", "--previous", D2024], tmp_path)
    assert ran.returncode == 0, ran.stderr
    [(_, options)] = rendered
    assert options["previous"] == str(D2024)


def test_previous_given_to_a_rubric_without_previous_is_said_and_not_passed(run, tmp_path, rendered):
    ran = run(["report", R2025, D2025, "-o", tmp_path / "r.html", "--previous", D2024], tmp_path, lang="zh")
    assert ran.returncode == 0, ran.stderr
    assert "没有用到 previous(列名)" in ran.stderr and f"--previous {D2024} 不参与计分" in ran.stderr
    [(_, options)] = rendered
    assert "previous" not in options


def test_the_previous_table_is_checked_before_the_kernel(run, tmp_path, no_kernel):
    broken = tmp_path / "2024.csv"
    table = pd.read_csv(D2024, encoding="utf-8-sig", dtype=str)
    table.loc[3, "创建知晓率"] = "很高"
    table.drop(columns=["社区名称"]).to_csv(broken, index=False, encoding="utf-8-sig")
    ran = run(["report", R2026, D2025, "-o", tmp_path / "r.html", "--previous", broken], tmp_path, lang="zh")
    assert ran.returncode == 1
    assert "2024.csv" in ran.stderr and "很高" in ran.stderr and "未写出" in ran.stderr
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "ranking.csv").exists()


def test_a_missing_previous_file_is_one_line(run, tmp_path, no_kernel):
    ran = run(["report", R2026, D2025, "-o", tmp_path / "r.html", "--previous", tmp_path / "none.csv"], tmp_path)
    assert ran.returncode == 1 and "none.csv" in ran.stderr
    assert not (tmp_path / "r.html").exists()


def test_the_previous_file_is_never_an_output(run, tmp_path, no_kernel):
    # ranking.csv beside the report would replace the previous period's table
    previous = tmp_path / "ranking.csv"
    shutil.copyfile(D2024, previous)
    before = previous.read_bytes()
    ran = run(["report", R2026, D2025, "-o", tmp_path / "r.html", "--previous", previous], tmp_path, lang="zh")
    assert ran.returncode == 1 and "ranking.csv" in ran.stderr
    assert previous.read_bytes() == before and not (tmp_path / "r.html").exists()
    # and through --output-dir, in English
    ran = run(
        ["report", R2026, D2025, "-o", tmp_path / "x" / "r.html", "--output-dir", tmp_path, "--previous", previous],
        tmp_path,
    )
    assert ran.returncode == 1 and previous.read_bytes() == before


def test_word_report_reads_previous(run, tmp_path):
    ran = run(["report", R2026, D2025, "-o", tmp_path / "r.docx", "--previous", D2024], tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "r.docx").stat().st_size > 0


def test_help_names_previous_and_issuer_in_both_languages(run, tmp_path):
    zh = run(["report", "--help"], tmp_path, lang="zh").stdout
    en = run(["report", "--help"], tmp_path, lang="en").stdout
    for text in (zh, en):
        assert "--previous FILE" in text and "--issuer TEXT" in text
    assert "上一期的单位数据表" in zh and "制表单位" in zh
    assert "previous period's unit table" in en and "issuing body" in en


# --- end to end: the notebook on a kernel -----------------------------------------------------


@pytest.fixture(scope="module")
def report_2026(tmp_path_factory) -> Path:
    """`civscore report` on the 2026 rubric with last year's table and an issuer that looks like a
    formula (CIVSCORE_ISSUER set too: the option wins), beside `civscore score` of the same."""
    from civscore.cli import main

    out = tmp_path_factory.mktemp("report2026")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIVSCORE_ISSUER", "环境变量里的单位")
        mp.delenv("CIVSCORE_LANG", raising=False)
        issuer = '=HYPERLINK("http://example.invalid","区文明办")'
        args = ["report", str(R2026), str(D2025), "-o", str(out / "report.html"), "--previous", str(D2024)]
        assert main([*args, "--issuer", issuer]) == 0
        assert main(["score", str(R2026), str(D2025), "-o", str(out / "score.csv"), "--previous", str(D2024)]) == 0
    return out


def test_report_with_previous_scores_like_score_with_previous(report_2026):
    assert (report_2026 / "ranking.csv").read_bytes() == (report_2026 / "score.csv").read_bytes()
    ranking = pd.read_csv(report_2026 / "ranking.csv", encoding="utf-8-sig")
    rubric = civscore.load_rubric(R2026)
    expected = civscore.score(civscore.read_data(D2025, rubric), rubric, previous=D2024)
    gain = expected.points["awareness_gain"]
    assert gain.gt(0).sum() > 10  # last year's table changed the scores: not all zero or missing
    assert ranking["total"].tolist() == expected.table["total"].tolist()


def test_report_page_names_the_previous_file_it_read(report_2026):
    page = (report_2026 / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    assert "上一期数据：communities_2024.csv 共 60 个单位" in text
    assert "previous(创建知晓率) 读取；本期 60 个单位中有 60 个在上一期数据中找到" in text
    assert "数据检查通过：communities_2025.csv" in text


def test_report_workbook_prints_the_issuer_given_as_text_never_a_formula(report_2026):
    path = report_2026 / "ranking.xlsx"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
    sheet = openpyxl.load_workbook(path)["通报"]
    lines = [c.value for row in sheet.iter_rows(max_row=6) for c in row if isinstance(c.value, str)]
    issue = next(v for v in lines if v.startswith("制表单位："))
    assert issue.startswith('制表单位：=HYPERLINK("http://example.invalid","区文明办")　　制表日期：')
    assert "环境变量里的单位" not in " ".join(lines)
