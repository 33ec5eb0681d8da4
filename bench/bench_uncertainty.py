"""Monte Carlo and Sobol speed, as a ratio to one score() call on the same data (issues 5 and 16).

    .venv/bin/python bench/bench_uncertainty.py [N_UNITS] [RUNS]

Data: the synthetic rubric of ``bench/synthetic.py`` (100 base indicators in 5 dimensions,
every method, exclude / mean / zero policies, bonus, fail / cap / deduct vetoes, tiers, one
group column) and 10,000 random units. Prints:

- one score() call and each analysis as a ratio to it, wall-clock and CPU: every one of them
  called once first (imports, set-up, the pool's threads and their scratch arrays; that first
  call's time is printed too) and then the median of 5 calls;
- uncertainty(runs=1000): weights, totals, ranks, group ranks, tiers of every run and the
  rank statistics; goal <= 10x one score() call;
- the same with the opt-in choices (missing policies, geometric aggregation) drawn per run, and
  how many runs drew each choice (the runs do the work they claim); goal <= 10x;
- sensitivity(samples=1024) with 5 dimension weights: 1024 x 7 = 7,168 runs; goal <= 20x.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_data, make_rubric  # noqa: E402

import civscore  # noqa: E402

N_UNITS = 10_000
RUNS = 1000
SOBOL_N = 1024


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float, float, Any]:
    """Median wall-clock and CPU seconds of ``repeat`` calls after a first one, that first
    call's wall-clock seconds, and the last result.

    The same for the yardstick and for every analysis, so that the ratios compare like with
    like on a shared machine: a first call pays for set-up that later ones do not (the
    yardstick's pandera schemas, the analyses' worker threads and scratch arrays). CPU time
    (all threads of this process) is printed too because wall-clock includes time spent
    waiting for other processes.
    """
    w0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - w0
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), first, out


def with_stats(u: civscore.Uncertainty) -> civscore.Uncertainty:
    """``u`` once its rank statistics are computed (part of the timed work)."""
    _ = u.rank_stats
    return u


def line(label: str, wall: float, cpu: float, ref: tuple[float, float] | None, note: str = "") -> None:
    ratio = f"  = {wall / ref[0]:5.1f}x score() wall, {cpu / ref[1]:5.1f}x CPU" if ref else ""
    print(f"{label:<46}{wall:7.2f} s wall {cpu:7.2f} s CPU{ratio}{note}")


def main(n_units: int = N_UNITS, runs: int = RUNS) -> int:
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            print(f"note: {var}={os.environ[var]} is set; it can slow NumPy's BLAS (see the env README)")
    rubric = make_rubric(100, 5)
    data = make_data(rubric, n_units, seed=0)
    print(
        f"data: {n_units:,} units x {sum(1 for _ in rubric.base_indicators())} base indicators, "
        f"{len(rubric.dimensions)} dimensions, 1 group column; cores: {os.cpu_count()}; "
        f"load average: {os.getloadavg()[0]:.1f}"
    )

    # the yardstick of issue 16: one score() call on the same units and rubric, in memory
    wall, cpu, first, _ = timed(lambda: civscore.score(data, rubric))
    ref = (wall, cpu)
    line("score() (median of 5)", wall, cpu, None, f"  (first call {first:.2f} s)")

    wall, cpu, first, u = timed(lambda: with_stats(civscore.uncertainty(data, rubric, runs=runs, seed=0)))
    line(f"uncertainty(runs={runs}) + rank_stats", wall, cpu, ref, f"  (goal <= 10x; first call {first:.2f} s)")

    wall, cpu, first, u = timed(
        lambda: with_stats(civscore.uncertainty(data, rubric, runs=runs, seed=0, missing=True, aggregation=True))
    )
    line("  + missing policies, geometric aggregation", wall, cpu, ref, f"  (goal <= 10x; first call {first:.2f} s)")
    # the runs do the work they claim: every choice drawn in about its share of the runs, and
    # every unit's total moves between runs
    drawn = u.choices.value_counts().rename("runs").reset_index()
    print("    runs per choice: " + ", ".join(f"{m}/{a}: {n}" for m, a, n in drawn.itertuples(index=False)))
    moving = (u.totals.nunique() > 1).mean()
    print(f"    units whose total differs between runs: {moving:.0%}")

    wall, cpu, first, s = timed(lambda: civscore.sensitivity(data, rubric, samples=SOBOL_N, seed=0))
    line(
        f"sensitivity(samples={SOBOL_N}): {s.settings['runs']:,} runs",
        wall,
        cpu,
        ref,
        f"  (goal <= 20x; {wall / s.settings['runs'] * 1000:.2f} ms wall per run; first call {first:.2f} s)",
    )
    print(s.indices.drop(columns="label_en").round(3).to_string(index=False))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak resident memory of this process: {peak:,.0f} MB "
        f"(runs x units x indicators in float64 would be {runs * n_units * 100 * 8 / 2**30:.1f} GB)"
    )
    return 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    raise SystemExit(main(*args))
