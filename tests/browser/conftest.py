"""The browser suite (`make test-browser`): the outputs as people receive them.

Debian's chromium driven by playwright (no browser download), poppler's pdfinfo/pdftotext, and
LibreOffice for the workbooks. Without them the tests skip, unless CIVSCORE_REQUIRE_BROWSER=1
(what `make test-browser` sets after installing them): then a missing tool is a failure.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from civscore.cli import main

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics/civilized-community-2025.yaml"
DATA = ROOT / "data/communities_2025.csv"
CHROMIUM = "/usr/bin/chromium"
# offline and quiet: no update checks, no sync, nothing that would show up as a network request
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRED = os.environ.get("CIVSCORE_REQUIRE_BROWSER") == "1"


def need(ok: bool, what: str) -> None:
    """Skip without ``what``, or fail when the suite is required to run."""
    if not ok:
        if REQUIRED:
            pytest.fail(f"{what} is missing (make test-browser installs it)")
        pytest.skip(f"{what} is not installed (make test-browser installs it)")


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright Python package")
    need(Path(CHROMIUM).exists(), "Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def poppler():
    need(bool(shutil.which("pdfinfo") and shutil.which("pdftotext")), "poppler-utils (pdfinfo, pdftotext)")


@pytest.fixture(scope="session")
def soffice():
    path = shutil.which("soffice") or shutil.which("libreoffice")
    need(bool(path), "LibreOffice (soffice)")
    return path


@pytest.fixture(scope="session")
def sample_outputs(tmp_path_factory) -> Path:
    """Everything `make demo` hands out, for the sample data: report.html, ranking/gaps/compare .xlsx, .docx;
    and the problem list and candidate sheet people print to fix their data."""
    out = tmp_path_factory.mktemp("outputs")
    rubric, data = str(RUBRIC), str(DATA)
    assert main(["report", rubric, data, "-o", str(out / "report.html")]) == 0
    assert main(["report", rubric, data, "-o", str(out / "通报.docx")]) == 0
    assert main(["gaps", rubric, data, "-o", str(out / "gaps.xlsx")]) == 0
    assert main(["gaps", rubric, data, "-o", str(out / "整改清单.docx")]) == 0
    previous = str(ROOT / "data/communities_2024.csv")
    args = ["compare", "-r", rubric, "-d", previous, "-d", data, "--labels", "2024", "2025"]
    assert main([*args, "-o", str(out / "compare_2024_2025.xlsx")]) == 0
    broken = str(ROOT / "data/communities_2025_broken.csv")
    assert main(["validate", rubric, broken, "--problems", str(out / "problems.xlsx")]) == 1
    reports = [str(p) for p in sorted((ROOT / "data/reports").glob("SQ*.txt"))]
    assert main(["extract", "--rubric", rubric, *reports, "-o", str(out / "candidates.xlsx")]) == 0
    return out


HOSTILE_RUBRIC = textwrap.dedent(
    """\
    id: hostile
    name: "<script>window.__pwned = 'rubric'</script>体系"
    version: "1<b>"
    unit: {id_column: 编号, name_column: 名称, group_columns: ["<i>片区</i>"]}
    total_points: 10
    tiers:
      - {name: "<u>优</u>", min: 8}
      - {name: 合格, min: 0}
    dimensions:
      - id: d
        name: "<img src=x onerror=\\"window.__pwned='dimension'\\">维度"
        indicators:
          - {id: a, name: "指标<script>1</script>", value: x, method: linear, points: 10, zero: 0, full: 10}
    """
)


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory) -> Path:
    """A report whose rubric texts, group column, names and file names are all markup."""
    folder = tmp_path_factory.mktemp("hostile") / "<b>folder<b>"
    folder.mkdir()
    rubric = folder / "<script>r<script>.yaml"
    rubric.write_text(HOSTILE_RUBRIC, encoding="utf-8")
    data = folder / "<img src=x onerror=alert(1)>.csv"
    data.write_text(
        "编号,名称,<i>片区</i>,x\n"
        'U1,"<img src=x onerror=""window.__pwned=\'name\'"">",<b>北</b>,9\n'
        "U2,<script>window.__pwned='script'</script>,南,5\n"
        "U3,`**粗**` | [链接](javascript:alert(1)),南,7\n",
        encoding="utf-8",
    )
    out = folder / "report.html"
    assert main(["report", str(rubric), str(data), "-o", str(out)]) == 0
    return out
