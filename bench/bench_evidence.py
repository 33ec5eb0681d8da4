"""Evidence extraction on labelled report folders: precision, recall and speed.

    .venv/bin/python bench/bench_evidence.py [REPORT_DIR ...]

For each REPORT_DIR (default: data/reports, the development set; data/reports_heldout, the
held-apart set; data/reports_blind, the blind check) compares the facts that
``civscore.evidence.extract.extract_evidence`` reads from each report (``*.txt``) with the hand
labels in ``answers.csv`` there, as multisets per report, and prints per-report counts, overall
precision / recall, invented facts per 100 reported, how often the approx flag agrees on the
facts found, and the speed in reports per second (from each report's best of 5 timing rounds,
as the machine may be shared).

Facts are compared as (value, unit).  When the labels have ``low``/``high`` columns, a second,
strict figure compares (low, high, unit), so a range must give both ends; an extractor without
those columns is taken to give ``low == high == value``.
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civscore.evidence.extract import extract_evidence  # noqa: E402

REPEATS = 20
ROUNDS = 5  # the time per report is the best of this many rounds: the machine is shared
DEFAULT_DIRS = (ROOT / "data" / "reports", ROOT / "data" / "reports_heldout", ROOT / "data" / "reports_blind")


def _keys(df: pd.DataFrame, strict: bool) -> Counter[tuple[float, ...] | tuple[float, float, str]]:
    if not strict:
        return Counter((round(v, 4), u) for v, u in zip(df["value"], df["unit"]))
    low = df["low"] if "low" in df else df["value"]
    high = df["high"] if "high" in df else df["value"]
    return Counter((round(lo, 4), round(hi, 4), u) for lo, hi, u in zip(low, high, df["unit"]))


def score_folder(report_dir: Path, verbose: bool = True, repeats: int = REPEATS) -> dict[str, float]:
    """Precision, recall (and strict ones when labels have ranges) and speed on one folder."""
    with open(report_dir / "answers.csv", encoding="utf-8", newline="") as fh:
        answers = pd.DataFrame(list(csv.DictReader(fh)))
    answers["value"] = answers["value"].astype(float)
    has_ranges = {"low", "high"} <= set(answers.columns)
    if has_ranges:
        answers["low"] = answers["low"].astype(float)
        answers["high"] = answers["high"].astype(float)
    paths = sorted(p for p in report_dir.glob("*.txt"))
    texts = {p.stem: p.read_text(encoding="utf-8") for p in paths}
    extract_evidence(next(iter(texts.values())))  # warm-up (imports, regex caches)

    header = (
        f"{'report':<8}{'chars':>7}{'labelled':>10}{'extracted':>11}{'correct':>9}"
        f"{'missed':>8}{'spurious':>10}{'ms/report':>11}"
    )
    if verbose:
        print(header)
        print("-" * len(header))
    totals = Counter()
    times = []
    for name, text in texts.items():
        rounds = []
        for _ in range(ROUNDS if repeats > 1 else 1):
            t0 = time.perf_counter()
            for _ in range(max(1, repeats // ROUNDS)):
                df = extract_evidence(text)
            rounds.append((time.perf_counter() - t0) / max(1, repeats // ROUNDS) * 1000)
        ms = min(rounds)
        times.append(ms)
        labelled = answers[answers["report"] == name]
        got, want = _keys(df, False), _keys(labelled, False)
        tp = sum((got & want).values())
        totals.update(tp=tp, extracted=sum(got.values()), labelled=sum(want.values()))
        if has_ranges:
            totals.update(strict_tp=sum((_keys(df, True) & _keys(labelled, True)).values()))
        for a in labelled.itertuples():  # approx flag, for labelled facts found at their snippet
            pos = text.find(a.sentence)
            hit = df[(df["start"] < pos + len(a.sentence)) & (df["end"] > pos) & ((df["value"] - a.value).abs() < 1e-6)]
            if len(hit) == 1:
                totals.update(approx_n=1, approx_ok=int(bool(hit["approx"].iloc[0]) == (a.approx == "true")))
        if verbose:
            print(
                f"{name:<8}{len(text):>7}{sum(want.values()):>10}{sum(got.values()):>11}{tp:>9}"
                f"{sum((want - got).values()):>8}{sum((got - want).values()):>10}{ms:>11.2f}"
            )
            for (value, unit), n in (want - got).items():
                print(f"{'':<8}missed   {value:g} {unit}" + (f" ×{n}" if n > 1 else ""))
            for (value, unit), n in (got - want).items():
                print(f"{'':<8}spurious {value:g} {unit}" + (f" ×{n}" if n > 1 else ""))
    result = {
        "reports": len(texts),
        "labelled": totals["labelled"],
        "extracted": totals["extracted"],
        "correct": totals["tp"],
        "precision": totals["tp"] / totals["extracted"] if totals["extracted"] else 0.0,
        "recall": totals["tp"] / totals["labelled"] if totals["labelled"] else 0.0,
        "approx_ok": totals["approx_ok"],
        "approx_n": totals["approx_n"],
        "reports_per_s": 1000 / statistics.mean(times),
        "median_ms": statistics.median(times),
        "max_ms": max(times),
    }
    if has_ranges:
        result["strict_precision"] = totals["strict_tp"] / totals["extracted"] if totals["extracted"] else 0.0
        result["strict_recall"] = totals["strict_tp"] / totals["labelled"] if totals["labelled"] else 0.0
    return result


def main(dirs: list[Path] | None = None) -> int:
    for report_dir in dirs or DEFAULT_DIRS:
        print(f"\n{report_dir.relative_to(ROOT) if report_dir.is_relative_to(ROOT) else report_dir}")
        if not any(report_dir.glob("*.txt")):
            print(f"no *.txt reports in {report_dir}")
            return 1
        r = score_folder(report_dir)
        spurious_per_100 = 100 * (r["extracted"] - r["correct"]) / r["extracted"] if r["extracted"] else 0.0
        print(
            f"reports: {r['reports']}   labelled facts: {r['labelled']}   extracted: {r['extracted']}   "
            f"correct: {r['correct']}"
        )
        print(
            f"precision: {r['precision']:.3f}   recall: {r['recall']:.3f}   "
            f"invented per 100 reported: {spurious_per_100:.1f}   "
            f"approx flag agrees: {r['approx_ok']}/{r['approx_n']}"
        )
        if "strict_recall" in r:
            print(f"with both ends of ranges: precision {r['strict_precision']:.3f}   recall {r['strict_recall']:.3f}")
        print(
            f"speed: {r['reports_per_s']:.0f} reports/s (median {r['median_ms']:.2f} ms, "
            f"max {r['max_ms']:.2f} ms per report; best of {ROUNDS} rounds of {REPEATS // ROUNDS} runs each)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main([Path(a).resolve() for a in sys.argv[1:]] or None))
