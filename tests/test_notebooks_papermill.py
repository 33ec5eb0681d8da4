"""Notebook 01 as a report template: it takes any valid rubric and data through papermill and
writes the same ranking as `civscore score`; the committed notebooks are executed and clean."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import civscore
from civscore.cli import main
from civscore.report.render import execute_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TEMPLATE = NOTEBOOKS / "01_evaluate.ipynb"
MINE = [TEMPLATE, NOTEBOOKS / "02_validate_and_fix.ipynb"]
COMMUNITY_RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
COMPOUND_RUBRIC = ROOT / "rubrics" / "safe-compound-2025.yaml"
COMPOUND_DATA = ROOT / "data" / "compounds_2025.csv"


def code_cells(path: Path) -> list:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


# --- the committed notebooks, without a kernel --------------------------------------------------


def test_template_has_one_parameters_cell_with_exactly_its_parameters():
    tagged = [c for c in code_cells(TEMPLATE) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assigned = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(tagged[0].source).body
        if isinstance(node, ast.Assign)
    }
    assert assigned == {
        "rubric_path": "rubrics/civilized-community-2025.yaml",
        "data_path": "data/communities_2025.csv",
        "output_dir": "out",
        "records": {},  # record table name -> file, for a rubric with records: (contract section 8)
        "engine": "duckdb",  # what aggregates the records: civscore report --engine
        "spark_master": None,  # and --spark-master
        "previous_path": None,  # the previous period's unit table for previous(name): civscore report --previous
        "issuer": None,  # the 制表单位 of ranking.xlsx: civscore report --issuer (None: CIVSCORE_ISSUER)
    }


def test_template_code_assumes_nothing_about_the_bundled_rubric():
    rubric = civscore.load_rubric(COMMUNITY_RUBRIC)
    specific = {ind.id for ind in rubric.iter_indicators()} | {d.id for d in rubric.dimensions}
    specific |= {d.name for d in rubric.dimensions} | {v.id for v in rubric.vetoes} | {t.name for t in rubric.tiers}
    specific |= set(rubric.columns()) | {rubric.unit.id_column, rubric.unit.name_column, *rubric.unit.group_columns}
    for cell in code_cells(TEMPLATE):
        if "parameters" in cell.metadata.get("tags", []):
            continue
        found = sorted(name for name in specific if name and name in cell.source)
        assert not found, f"notebook 01 names {found} of the bundled rubric in:\n{cell.source}"


@pytest.mark.parametrize("path", MINE, ids=lambda p: p.name)
def test_notebooks_are_committed_executed_and_clean(path):
    cells = code_cells(path)
    assert all(c.execution_count for c in cells), "run every cell before committing"
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), "run top to bottom, once"
    for cell in cells:
        for out in cell.outputs:
            assert out.output_type != "error", cell.source
            assert not (out.output_type == "stream" and out.name == "stderr"), out.text
        # under nbval (store_history=False) IPython ignores a trailing ';' and prints the value
        assert not cell.source.rstrip().endswith(";"), cell.source
    assert any(o.get("data", {}).get("image/png") for c in cells for o in c.outputs) or path.name.startswith("02")


# --- papermill on another rubric and data -------------------------------------------------------


@pytest.fixture(scope="module")
def compound_report(tmp_path_factory) -> Path:
    """`civscore report` (papermill + nbconvert) on the compound rubric and data, once per module."""
    out = tmp_path_factory.mktemp("report")
    code = main(["report", str(COMPOUND_RUBRIC), str(COMPOUND_DATA), "-o", str(out / "report.html")])
    assert code == 0
    assert main(["score", str(COMPOUND_RUBRIC), str(COMPOUND_DATA), "-o", str(out / "score.csv")]) == 0
    assert main(["score", str(COMPOUND_RUBRIC), str(COMPOUND_DATA), "-o", str(out / "score.xlsx")]) == 0
    return out


def test_report_writes_the_same_ranking_as_civscore_score(compound_report):
    assert (compound_report / "ranking.csv").read_bytes() == (compound_report / "score.csv").read_bytes()
    for sheet in ("排名", "指标得分", "测评体系"):
        ours = pd.read_excel(compound_report / "ranking.xlsx", sheet_name=sheet)
        theirs = pd.read_excel(compound_report / "score.xlsx", sheet_name=sheet)
        pd.testing.assert_frame_equal(ours, theirs)
    ranking = pd.read_csv(compound_report / "ranking.csv", encoding="utf-8-sig")
    assert len(ranking) == 80 and ranking.loc[0, "小区代码"] == "XQ" + ranking.loc[0, "小区代码"][2:]
    assert ranking["rank"].is_monotonic_increasing


def test_report_html_is_self_contained_code_free_and_about_the_given_rubric(compound_report):
    page = (compound_report / "report.html").read_text(encoding="utf-8")
    rubric = civscore.load_rubric(COMPOUND_RUBRIC)
    assert f"<title>{rubric.name}（版本 {rubric.version}）测评结果报告</title>" in page
    assert "共 <strong>80</strong> 个单位参评" in page
    for dim in rubric.dimensions:
        assert dim.name in page
    assert "文明社区创建测评体系" not in page  # the default parameters were replaced
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) >= 6  # charts embedded
    assert "charts.ranking_chart" not in page and "import civscore" not in page  # code hidden
    assert not re.search(r"<script[^>]+src=", page)
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page and "Warning" not in page
    assert "Glyph" not in page


def test_template_runs_for_a_bare_rubric_without_names_groups_tiers_or_vetoes(tmp_path):
    rubric = tmp_path / "bare.yaml"
    rubric.write_text(
        "id: bare\nname: 最简体系\nversion: '0.1'\nunit: {id_column: code}\ntotal_points: 10\n"
        "dimensions:\n  - id: only\n    name: 唯一维度\n    indicators:\n"
        "      - {id: v, name: 数值, value: value, method: linear, zero: 0, full: 100, points: 10}\n",
        encoding="utf-8",
    )
    data = tmp_path / "bare.csv"
    data.write_text("code,value\nB2,50\nB1,100\nB3,0\n", encoding="utf-8")
    executed = tmp_path / "executed.ipynb"
    nb = execute_notebook(
        TEMPLATE,
        executed,
        {"rubric_path": str(rubric), "data_path": str(data), "output_dir": str(tmp_path / "out")},
        cwd=tmp_path,
    )
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    text = "\n".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert "没有设置等级" in text and "没有设置分组" in text
    ranking = pd.read_csv(tmp_path / "out" / "ranking.csv", encoding="utf-8-sig")
    assert ranking["code"].tolist() == ["B1", "B2", "B3"] and ranking["total"].tolist() == [10.0, 5.0, 0.0]


def test_a_failing_template_cell_is_named_and_no_html_is_written(tmp_path, capsys):
    template = tmp_path / "failing.ipynb"
    parameters = nbformat.v4.new_code_cell('rubric_path = ""\ndata_path = ""\noutput_dir = ""')
    parameters.metadata["tags"] = ["parameters"]
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[parameters, nbformat.v4.new_code_cell("raise RuntimeError('模板出错')")],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        ),
        template,
    )
    out = tmp_path / "report.html"
    code = main(["report", str(COMPOUND_RUBRIC), str(COMPOUND_DATA), "-o", str(out), "--notebook", str(template)])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "RuntimeError: 模板出错" in err and "report.failed.ipynb" in err
    failed = nbformat.read(tmp_path / "report.failed.ipynb", as_version=4)
    assert any(o.output_type == "error" for c in failed.cells if c.cell_type == "code" for o in c.outputs)
