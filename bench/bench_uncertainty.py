"""Monte Carlo and Sobol speed, as a ratio to one score() call on the same data (issue 5).

    .venv/bin/python bench/bench_uncertainty.py [N_UNITS] [RUNS]

Data: the synthetic rubric of ``bench/synthetic.py`` (100 base indicators in 5 dimensions,
every method, exclude / mean / zero policies, bonus, fail / cap / deduct vetoes, tiers, one
group column) and 10,000 random units. Prints:

- one score() call (best of 5) and each analysis as a ratio to it, wall-clock and CPU;
- uncertainty(runs=1000): weights, totals, ranks, group ranks, tiers of every run and the
  rank statistics; goal <= 10x one score() call;
- the same with the opt-in choices (missing policies, geometric aggregation) drawn per run;
- sensitivity(samples=1024) with 5 dimension weights: 1024 x 7 = 7,168 runs.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_data, make_rubric  # noqa: E402

import civscore  # noqa: E402

N_UNITS = 10_000
RUNS = 1000
SOBOL_N = 1024


def timed(fn, repeat: int = 1) -> tuple[float, float, object]:
    """Fastest wall-clock and CPU seconds of ``repeat`` calls, and the last result.

    The minimum is the least disturbed run on a shared machine; CPU time (all threads of this
    process) is printed too because wall-clock includes time spent waiting for other processes.
    """
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), out


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

    civscore.score(data, rubric)  # warm-up: imports, pandera schema set-up
    wall, cpu, _ = timed(lambda: civscore.score(data, rubric), repeat=5)
    ref = (wall, cpu)
    line("score() (best of 5)", wall, cpu, None)

    wall, cpu, _ = timed(lambda: civscore.uncertainty(data, rubric, runs=runs, seed=0).rank_stats, repeat=3)
    line(f"uncertainty(runs={runs}) + rank_stats (best of 3)", wall, cpu, ref, "  (goal <= 10x)")

    wall, cpu, _ = timed(
        lambda: civscore.uncertainty(data, rubric, runs=runs, seed=0, missing=True, aggregation=True).rank_stats
    )
    line("  + missing policies, geometric aggregation", wall, cpu, ref)

    wall, cpu, s = timed(lambda: civscore.sensitivity(data, rubric, samples=SOBOL_N, seed=0))
    line(
        f"sensitivity(samples={SOBOL_N}): {s.settings['runs']:,} runs",
        wall,
        cpu,
        ref,
        f"  ({wall / s.settings['runs'] * 1000:.2f} ms wall per run)",
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
