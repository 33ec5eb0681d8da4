"""Shared fixtures: small rubrics written inline, so each test shows exactly what it scores."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import civscore
from civscore.cli import main

ROOT = Path(__file__).resolve().parents[1]

# The tests read workbooks back with pandas, which will switch its default .xlsx reader to
# calamine; they keep openpyxl (what the CI machines install with the package), and say so once
# here instead of warning at every read.
pd.set_option("io.excel.xlsx.reader", "openpyxl")


def make_rubric(body: str, header: str | None = None) -> civscore.Rubric:
    """A rubric from YAML text; ``header`` defaults to a minimal one with id column `uid`."""
    header = (
        header
        if header is not None
        else textwrap.dedent(
            """\
        id: test
        name: 测试体系
        version: "1"
        unit: {id_column: uid}
        """
        )
    )
    return civscore.parse_rubric_text(header + textwrap.dedent(body), "test.yaml")


def one_indicator(indicator: str, total: float = 10, extra: str = "") -> civscore.Rubric:
    """A rubric with a single base indicator (given as a YAML flow mapping)."""
    return make_rubric(
        f"""\
        total_points: {total}
        dimensions:
          - id: d
            name: 维度
            indicators:
              - {indicator}
        """
        + textwrap.dedent(extra)
    )


def frame(**columns) -> pd.DataFrame:
    """A data frame with ids u1, u2, ... and the given columns."""
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"uid": [f"u{i + 1}" for i in range(n)], **columns})


@pytest.fixture(autouse=True)
def default_language(monkeypatch):
    """Every test starts in the default language (Chinese), whatever CIVSCORE_LANG the shell has;
    a test about English sets it itself."""
    monkeypatch.delenv("CIVSCORE_LANG", raising=False)


@pytest.fixture
def sample_rubric() -> civscore.Rubric:
    return civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run(capsys, monkeypatch):
    """The command line in this process: ``run(args, folder, lang="en")`` runs ``civscore ARGS``
    in ``folder`` (a subprocess per case would spend most of the test suite importing Ibis);
    tests/test_cli.py runs the console script itself."""

    def run_(args, folder, lang="en") -> Ran:
        monkeypatch.chdir(folder)
        monkeypatch.setenv("CIVSCORE_LANG", lang)
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return Ran(code, out, err)

    return run_
