"""Safe by construction: no code runs from a rubric, YAML cannot blow up, exports cannot carry
spreadsheet formulas, and the documented limits are the ones in the code."""

from __future__ import annotations

import ast
import csv
import io
import re
import time
import tokenize
import tracemalloc
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import civscore
from civscore.cli import main
from civscore.readers.safety import MAX_CELL_CHARS, MAX_DATA_BYTES
from civscore.rubric.expr import MAX_EXPRESSION_LENGTH
from civscore.rubric.yaml_tree import MAX_DEPTH, MAX_NODES, MAX_RUBRIC_BYTES
from civscore.writers.safe_text import neutralise

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "civscore"
CORPUS = ROOT / "tests" / "corpus"

# --- no eval / exec ----------------------------------------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_ATTRIBUTES = {
    ("yaml", "load"),
    ("yaml", "unsafe_load"),
    ("yaml", "full_load"),
    ("yaml", "load_all"),
    ("pickle", "load"),
    ("pickle", "loads"),
    ("marshal", "loads"),
    ("os", "system"),
    ("os", "popen"),
}
UNSAFE_LOADERS = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}


def unsafe_calls(source: str, name: str = "<source>") -> list[str]:
    """Calls that could run text as code, found in the syntax tree (so docstrings don't count).

    pandas' DataFrame.eval / .query evaluate expression strings too, so the package uses boolean
    masks instead and any such call is flagged.
    """
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Call):
            func = node.func
            where = f"{name}:{node.lineno}"
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"{where} {func.id}()")
            if isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else None
                if (owner, func.attr) in FORBIDDEN_ATTRIBUTES:
                    found.append(f"{where} {owner}.{func.attr}()")
                if func.attr in ("eval", "query"):
                    found.append(f"{where} .{func.attr}()")
            for kw in node.keywords:
                if kw.arg == "shell" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
                    found.append(f"{where} shell=True")
        if isinstance(node, ast.Attribute) and node.attr in UNSAFE_LOADERS:
            if isinstance(node.value, ast.Name) and node.value.id == "yaml":
                found.append(f"{name}:{node.lineno} yaml.{node.attr}")
    return found


def eval_exec_names(source: str) -> list[int]:
    """A plain grep for the words eval / exec as code (tokens), skipping strings and comments."""
    lines = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in ("eval", "exec"):
            lines.append(tok.start[0])
    return lines


def test_the_package_never_evaluates_text_as_code():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    problems = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(ROOT))
        problems += unsafe_calls(source, rel)
        problems += [f"{rel}:{line} the name eval/exec" for line in eval_exec_names(source)]
    assert problems == []


@pytest.mark.parametrize(
    "planted",
    [
        "x = eval(text)",
        "exec(code)",
        "import yaml\nyaml.load(s, Loader=yaml.Loader)",
        "import yaml\nyaml.unsafe_load(s)",
        "frame.query(f'{col} > 1')",
        "frame.eval(expression)",
        "import subprocess\nsubprocess.run(cmd, shell=True)",
        "run = eval\nrun('1')",
    ],
)
def test_the_scan_would_catch_a_planted_eval(planted):
    assert unsafe_calls(planted) or eval_exec_names(planted)


def test_pandas_query_is_flagged_even_with_a_literal():
    assert unsafe_calls("frame.query('rank_change > 0')") == ["<source>:1 .query()"]


def test_python_tags_never_run(tmp_path):
    marker = tmp_path / "pwned"
    rubric = tmp_path / "r.yaml"
    rubric.write_text(
        (CORPUS / "base.yaml").read_text(encoding="utf-8")
        + f"description: !!python/object/apply:os.system ['touch {marker}']\n"
        + f"x: !!python/object/new:subprocess.Popen [['touch', '{marker}']]\n",
        encoding="utf-8",
    )
    with pytest.raises(civscore.RubricError) as exc:
        civscore.load_rubric(rubric)
    assert not marker.exists()
    assert "测评体系中不允许使用 YAML 标签 tag:yaml.org,2002:python/object/apply:os.system" in str(exc.value)


# --- YAML aliases bounded ----------------------------------------------------------------------


HANG = 15  # seconds: not a benchmark, a guard against expanding or hanging (typical: well under 1 s)


def _refused_quickly(text: str) -> tuple[str, float, int]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        civscore.parse_rubric_text(text, "r.yaml")
    except civscore.RubricError as exc:
        message = str(exc)
    else:
        pytest.fail("accepted")
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return message, elapsed, peak


def test_billion_laughs_is_refused_fast_and_small():
    message, elapsed, peak = _refused_quickly((CORPUS / "rubrics" / "billion_laughs.yaml").read_text(encoding="utf-8"))
    assert message == f"r.yaml: 展开后超过 {MAX_NODES:,} 个 YAML 节点（别名太多？）；已拒绝，没有展开"
    assert elapsed < HANG and peak < 100 * 1024 * 1024  # 10**9 strings would need gigabytes


def test_one_wide_anchor_used_many_times_is_refused():
    wide = "big: &big [" + ", ".join(["x"] * 1000) + "]\n"
    uses = "".join(f"k{i}: *big\n" for i in range(200))  # 200,000 nodes once expanded
    message, elapsed, _ = _refused_quickly(wide + uses)
    assert "已拒绝，没有展开" in message and elapsed < HANG


def test_nesting_is_refused_before_parsing():
    message, elapsed, _ = _refused_quickly("id: " + "{a: " * 20000 + "1" + "}" * 20000 + "\n")
    assert message == f"r.yaml:1: YAML 嵌套过深（超过 {MAX_DEPTH} 层）"
    assert elapsed < HANG


def test_ordinary_aliases_still_work():
    text = (CORPUS / "base.yaml").read_text(encoding="utf-8").replace(
        "bands: [{at_least: 10, points: 5}, {at_least: 5, points: 3}]",
        "bands: &steps [{at_least: 10, points: 5}, {at_least: 5, points: 3}]",
    ) + "description: &d 复用\n"
    rubric = civscore.parse_rubric_text(text, "r.yaml")
    assert rubric.description == "复用"


# --- formula-safe exports ----------------------------------------------------------------------

DANGEROUS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
    "＋1",
    "－1+1",
    "＠SUM(A1)",
    '=HYPERLINK("http://example.com","点我")',
    "=cmd|' /C calc'!A0",
]
PLAIN = ["幸福里社区", "-5", "+3.2", "1e5", "50%", "A=B", "a@b.com"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_looking_text_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_and_numbers_written_as_text_are_left_alone(text):
    assert neutralise(text) == text


@pytest.fixture
def hostile_result(tmp_path):
    """A result whose names, groups and rubric texts all start like formulas."""
    rubric_text = (CORPUS / "base.yaml").read_text(encoding="utf-8")
    rubric_text = rubric_text.replace("name: 语料测试体系", "name: '=HYPERLINK(\"http://x\")'")
    rubric_text = rubric_text.replace("{name: 优, min: 30}", "{name: '=优', min: 30}")
    rubric = civscore.parse_rubric_text(rubric_text, "r.yaml")
    frame = civscore.read_data(CORPUS / "good.csv", rubric)
    frame["社区名称"] = DANGEROUS[:3]
    frame["街道"] = ["@街道", "＝街道", "\t街道"]
    return civscore.score(frame, rubric)


def test_csv_export_is_formula_safe_and_keeps_numbers(hostile_result, tmp_path):
    path = civscore.write_result(hostile_result, tmp_path / "r.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    for row in rows:
        for cell in row:
            assert not cell.startswith(tuple("=+-@\t\r＝＋－＠")) or re.fullmatch(r"-?\d+(\.\d+)?", cell), cell
    table = hostile_result.table
    got = pd.DataFrame(body, columns=header)
    assert got["社区名称"].tolist() == ["'" + v for v in table["社区名称"]]
    assert got["tier"].tolist() == [("'" + t if t.startswith("=") else t) for t in table["tier"]]
    for col in ("total", "base", "bonus", "coverage", "d1"):
        assert got[col].astype(float).tolist() == table[col].tolist()  # numbers exactly as computed


def test_xlsx_export_has_no_formulas_on_any_sheet_and_keeps_numbers(hostile_result, tmp_path):
    path = civscore.write_result(hostile_result, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)  # not data_only: formulas would show as formulas
    seen_text = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen_text += 1
                    assert not cell.value.startswith(tuple("=+@\t\r＝＋－＠")), (sheet.title, cell.coordinate)
    assert seen_text > 20
    ranking = pd.read_excel(path, sheet_name="排名")
    table = hostile_result.table
    assert ranking["社区名称"].tolist() == ["'" + v for v in table["社区名称"]]
    assert ranking["total"].tolist() == table["total"].tolist()
    about = pd.read_excel(path, sheet_name="说明")
    assert '\'=HYPERLINK("http://x")' in about["内容"].tolist()


def test_a_data_file_with_formula_names_scores_and_exports_safely(tmp_path, monkeypatch, capsys):
    for name in ("base.yaml", "data/formula_name.csv"):
        (tmp_path / Path(name).name).write_bytes((CORPUS / name).read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["score", "base.yaml", "formula_name.csv", "-o", "out.csv"]) == 0
    capsys.readouterr()
    names = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig")["社区名称"].tolist()
    assert '\'=HYPERLINK("http://example.com","点我")' in names


def test_problem_reports_written_to_a_file_are_formula_safe(tmp_path, monkeypatch, capsys):
    (tmp_path / "base.yaml").write_bytes((CORPUS / "base.yaml").read_bytes())
    text = (CORPUS / "good.csv").read_text(encoding="utf-8").replace("85.5,是", "=1+1,是")
    (tmp_path / "bad.csv").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "base.yaml", "bad.csv", "--problems", "problems.xlsx"]) == 1
    capsys.readouterr()
    book = openpyxl.load_workbook(tmp_path / "problems.xlsx")
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=1+1" in values
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)


# --- the documented limits are the real ones ---------------------------------------------------


def test_guarantees_document_states_the_limits_in_the_code():
    text = (ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8")
    for number in (MAX_DATA_BYTES, MAX_CELL_CHARS, MAX_RUBRIC_BYTES, MAX_NODES, MAX_DEPTH, MAX_EXPRESSION_LENGTH):
        assert f"{number:,}" in text, number


@pytest.mark.parametrize("slice_bytes", [1, 2, 3, 7, 1 << 22])
def test_wide_characters_are_found_alike_whatever_the_slice(monkeypatch, slice_bytes):
    from civscore.readers import safety

    text = "社区A，繁體字𠀋x\n" * 5 + "ascii only\n" + "區域𩸽代碼"
    monkeypatch.setattr(safety, "_SLICE", slice_bytes)
    wide, beyond = safety._wide_characters(text.encode("utf-8"))
    assert [chr(c) for c in wide] == [ch for ch in text if 0x2E80 < ord(ch) <= 0xFFFF]
    assert beyond == sum(1 for ch in text if ord(ch) > 0xFFFF)
