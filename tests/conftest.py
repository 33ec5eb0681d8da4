"""Shared fixtures: small rubrics written inline, so each test shows exactly what it scores."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

import civscore

ROOT = Path(__file__).resolve().parents[1]


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
