"""Evidence extraction on the labelled sample reports: precision, recall and speed.

    .venv/bin/python bench/bench_evidence.py [REPORT_DIR]

Compares the (value, unit) facts that ``civscore.evidence.extract_evidence`` reads from each
``SQ*.txt`` in REPORT_DIR (default data/reports) with the hand-labelled ``answers.csv`` there
(multisets per report), and prints per-report counts, overall precision / recall, how often the
approx flag agrees on the facts found, and the time per report.
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civscore.evidence.extract import extract_evidence  # noqa: E402

REPEATS = 20


def main(report_dir: Path = ROOT / "data" / "reports") -> int:
    with open(report_dir / "answers.csv", encoding="utf-8", newline="") as fh:
        answers = list(csv.DictReader(fh))
    paths = sorted(report_dir.glob("SQ*.txt"))
    if not paths:
        print(f"no SQ*.txt reports in {report_dir}")
        return 1
    extract_evidence(paths[0].read_text(encoding="utf-8"))  # warm-up (imports, regex caches)

    header = (
        f"{'report':<8}{'chars':>7}{'labelled':>10}{'extracted':>11}{'correct':>9}"
        f"{'missed':>8}{'spurious':>10}{'ms/report':>11}"
    )
    print(header)
    print("-" * len(header))
    tp_all = ext_all = lab_all = approx_ok = approx_n = 0
    times = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        t0 = time.perf_counter()
        for _ in range(REPEATS):
            df = extract_evidence(text)
        ms = (time.perf_counter() - t0) / REPEATS * 1000
        times.append(ms)
        labelled = [a for a in answers if a["report"] == path.stem]
        got = Counter((round(v, 4), u) for v, u in zip(df["value"], df["unit"]))
        want = Counter((round(float(a["value"]), 4), a["unit"]) for a in labelled)
        tp = sum((got & want).values())
        tp_all += tp
        ext_all += sum(got.values())
        lab_all += sum(want.values())
        for a in labelled:  # approx flag, for labelled facts found at their snippet
            pos = text.find(a["sentence"])
            hit = df[
                (df["start"] < pos + len(a["sentence"]))
                & (df["end"] > pos)
                & ((df["value"] - float(a["value"])).abs() < 1e-6)
            ]
            if len(hit) == 1:
                approx_n += 1
                approx_ok += bool(hit["approx"].iloc[0]) == (a["approx"] == "true")
        print(
            f"{path.stem:<8}{len(text):>7}{sum(want.values()):>10}{sum(got.values()):>11}{tp:>9}"
            f"{sum((want - got).values()):>8}{sum((got - want).values()):>10}{ms:>11.2f}"
        )
        for (value, unit), n in (want - got).items():
            print(f"{'':<8}missed   {value:g} {unit}" + (f" ×{n}" if n > 1 else ""))
        for (value, unit), n in (got - want).items():
            print(f"{'':<8}spurious {value:g} {unit}" + (f" ×{n}" if n > 1 else ""))
    precision = tp_all / ext_all if ext_all else 0.0
    recall = tp_all / lab_all if lab_all else 0.0
    print("-" * len(header))
    print(f"reports: {len(paths)}   labelled facts: {lab_all}   extracted: {ext_all}   correct: {tp_all}")
    print(f"precision: {precision:.3f}   recall: {recall:.3f}   approx flag agrees: {approx_ok}/{approx_n}")
    print(
        f"time per report: median {statistics.median(times):.2f} ms, max {max(times):.2f} ms "
        f"(mean of {REPEATS} runs each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "reports"))
