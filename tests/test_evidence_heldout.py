"""The held-apart report corpus (data/reports_heldout, issue 15): well formed, labels quoting the
reports, and the extractor's figures on it (recall ≥ 95 %, at most 1 invented fact per 100)."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "data" / "reports_heldout"
DEVELOPMENT = ROOT / "data" / "reports"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_evidence", ROOT / "bench" / "bench_evidence.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _bench()


def load_answers() -> list[dict[str, str]]:
    with open(HELDOUT / "answers.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_corpus_is_apart_and_large_enough():
    reports = sorted(HELDOUT.glob("*.txt"))
    assert len(reports) >= 30
    development = {p.read_text(encoding="utf-8") for p in DEVELOPMENT.glob("*.txt")}
    stems = {p.stem for p in DEVELOPMENT.glob("*.txt")}
    for path in reports:
        assert path.stem not in stems
        assert path.read_text(encoding="utf-8") not in development
    assert "synthetic" in (HELDOUT / "README.md").read_text(encoding="utf-8")


def test_answers_quote_the_reports_and_ranges_are_ordered():
    answers = load_answers()
    assert {a["report"] for a in answers} == {p.stem for p in HELDOUT.glob("*.txt")}
    for a in answers:
        text = (HELDOUT / f"{a['report']}.txt").read_text(encoding="utf-8")
        assert a["sentence"] in text, a
        assert a["approx"] in ("true", "false"), a
        value, low, high = float(a["value"]), float(a["low"]), float(a["high"])
        assert low <= high and value in (low, high), a
        if low != high:
            assert a["approx"] == "true", a  # every range is approximate
        assert re.fullmatch(r"[\u4e00-\u9fff%‰]+", a["unit"]), a


def test_figures_on_the_held_apart_corpus(bench):
    r = bench.score_folder(HELDOUT, verbose=False, repeats=1)
    invented_per_100 = 100 * (r["extracted"] - r["correct"]) / r["extracted"]
    assert r["recall"] >= 0.95, r
    assert invented_per_100 <= 1.0, r
    assert r["strict_recall"] >= 0.95, r  # both ends of every range


def test_development_set_stays_perfect(bench):
    r = bench.score_folder(DEVELOPMENT, verbose=False, repeats=1)
    assert (r["precision"], r["recall"]) == (1.0, 1.0), r
    assert r["approx_ok"] == r["approx_n"] == r["labelled"], r


def test_figures_on_the_blind_check_set(bench):
    blind = ROOT / "data" / "reports_blind"
    r = bench.score_folder(blind, verbose=False, repeats=1)
    assert r["reports"] >= 10
    assert r["recall"] >= 0.95 and 100 * (r["extracted"] - r["correct"]) / r["extracted"] <= 1.0, r
