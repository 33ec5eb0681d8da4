"""`civscore report`'s fixed overhead: what a report costs beyond the work on the data (issue 16).

    .venv/bin/python bench/bench_report.py [RUNS]

Prints, for the sample (rubrics/civilized-community-2025.yaml, data/communities_2025.csv):

- render_report() in this process (median of RUNS, default 3): its wall-clock time, the time
  the template's cells spent on the data (every cell after the import cell, as papermill
  timed them), and the difference, the fixed overhead: kernel start and imports, papermill,
  nbconvert's set-up and export, kernel shutdown; goal < 4 s;
- `civscore report` end to end as a user runs it (a fresh process: Python start, imports,
  validation, the report, exit), on the sample and on a three-unit rubric and table, where
  nearly all of the time is fixed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import civscore.report.render as render  # noqa: E402

RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
DATA = ROOT / "data" / "communities_2025.csv"
# the cells before the data work: the template's parameters, papermill's injected ones, imports
SET_UP_CELLS = 3
BARE_RUBRIC = (
    "id: bare\nname: 最简体系\nversion: '0.1'\nunit: {id_column: code}\ntotal_points: 10\n"
    "dimensions:\n  - id: only\n    name: 唯一维度\n    indicators:\n"
    "      - {id: v, name: 数值, value: value, method: linear, zero: 0, full: 100, points: 10}\n"
)


def timed_render(out_dir: Path) -> dict[str, float]:
    """One render_report() with the executed notebook kept, split into fixed and data work."""
    seen = {}
    execute = render.execute_notebook

    def keep(*args, **kwargs):
        seen["nb"] = execute(*args, **kwargs)
        return seen["nb"]

    render.execute_notebook = keep
    try:
        start = time.time()
        render.render_report(RUBRIC, DATA, out_dir / "report.html")
        end = time.time()
    finally:
        render.execute_notebook = execute
    cells = [c.metadata.papermill for c in seen["nb"].cells if c.cell_type == "code"]
    work = sum(c.duration for c in cells[SET_UP_CELLS:])
    first = datetime.fromisoformat(cells[0].start_time).timestamp()
    last = datetime.fromisoformat(cells[-1].end_time).timestamp()
    return {
        "wall": end - start,
        "work": work,
        "fixed": end - start - work,
        "before": first - start,
        "imports": cells[SET_UP_CELLS - 1].duration,
        "after": end - last,
    }


def cli_seconds(rubric: Path, data: Path, out_dir: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "civscore.cli", "report", str(rubric), str(data), "-o", str(out_dir / "r.html")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main(runs: int = 3) -> int:
    from run import precompile

    precompile()  # commands start as a user's installed package does (bench/run.py)
    print(f"cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results = [timed_render(work) for _ in range(runs)]
        med = {k: statistics.median(r[k] for r in results) for k in results[0]}
        print(
            f"render_report(sample, 60 units), median of {runs}: {med['wall']:.2f} s = "
            f"{med['work']:.2f} s of cells working on the data + {med['fixed']:.2f} s fixed overhead "
            f"(goal < 4 s)"
        )
        print(
            f"  of the fixed part: {med['before']:.2f} s until the first cell runs (kernel start with "
            f"its imports, alongside papermill's and nbconvert's), the template's import cell "
            f"{med['imports']:.2f} s, {med['after']:.2f} s from the last cell to the written page"
        )
        bare, table = work / "bare.yaml", work / "bare.csv"
        bare.write_text(BARE_RUBRIC, encoding="utf-8")
        table.write_text("code,value\nB2,50\nB1,100\nB3,0\n", encoding="utf-8")
        sample, tiny = cli_seconds(RUBRIC, DATA, work), cli_seconds(bare, table, work)
        print(
            f"`civscore report` end to end, a fresh process: sample {sample:.2f} s, "
            f"three units {tiny:.2f} s (almost all of it fixed)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*[int(a) for a in sys.argv[1:2]]))
