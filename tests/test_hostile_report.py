"""Hostile names in report.html: a group column, group values, unit names, the rubric's name and
the data file's own name carrying HTML reach the page escaped, never as markup.

A static check of the page (the real-browser check is part of the outputs suite); it fails if
any of the planted tags appears unescaped, and checks each appears escaped so the test cannot
pass by dropping them.
"""

from __future__ import annotations

from pathlib import Path

from civscore.cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"
PLANTED = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "<b onmouseover=alert(3)>",
    "<svg onload=alert(4)>",
]


def test_hostile_names_are_escaped_in_the_report(tmp_path, monkeypatch, capsys):
    rubric = (CORPUS / "base.yaml").read_text(encoding="utf-8")
    rubric = rubric.replace("group_columns: [街道]", 'group_columns: ["街道<script>alert(2)</script>"]')
    rubric = rubric.replace("name: 语料测试体系", 'name: "体系<b onmouseover=alert(3)>x</b>"')
    (tmp_path / "r.yaml").write_text(rubric, encoding="utf-8")
    data = (CORPUS / "good.csv").read_text(encoding="utf-8")
    data = data.replace("街道,", "街道<script>alert(2)</script>,", 1).replace("城关街道", PLANTED[0])
    data = data.replace("幸福里社区", "幸福里<svg onload=alert(4)>")
    name = "<img src=x onerror=alert(1)>.csv"
    (tmp_path / name).write_text(data, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "r.yaml", name, "-o", "out.html"]) == 0
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    for tag in PLANTED:
        # the tag with what follows its name: the page's own <script type="module"> is not ours
        opening = tag.split(">")[0] if " " in tag.split(">")[0] else tag.split("</")[0]
        assert opening not in page, opening
        assert opening.replace("<", "&lt;").replace(">", "&gt;") in page, opening
    assert "<script></script>" not in page
