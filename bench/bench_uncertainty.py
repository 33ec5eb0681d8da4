"""Monte Carlo and Sobol speed, as a ratio to one score() call on the same data (issue 5).

    .venv/bin/python bench/bench_uncertainty.py [N_UNITS] [RUNS]

Data: the synthetic rubric of ``bench/synthetic.py`` (100 base indicators in 5 dimensions,
every method, exclude / mean / zero policies, bonus, fail / cap / deduct vetoes, tiers, one
group column) and 10,000 random units. Prints:

- one score() call (median of 3);
- uncertainty(runs=1000): weights, totals, ranks, group ranks, tiers of every run and the
  rank statistics; goal <= 10x one score() call;
- the same with the opt-in choices (missing policies, geometric aggregation) drawn per run;
- sensitivity(samples=1024) with 5 dimension weights: 1024 x 7 = 7,168 runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import civscore  # noqa: E402
from synthetic import make_data, make_rubric  # noqa: E402

N_UNITS = 10_000
RUNS = 1000
SOBOL_N = 1024


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(n_units: int = N_UNITS, runs: int = RUNS) -> int:
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            print(f"note: {var}={os.environ[var]} is set; it can slow NumPy's BLAS (see the env README)")
    rubric = make_rubric(100, 5)
    data = make_data(rubric, n_units, seed=0)
    print(f"data: {n_units:,} units x {sum(1 for _ in rubric.base_indicators())} base indicators, "
          f"{len(rubric.dimensions)} dimensions, 1 group column; cores: {os.cpu_count()}")

    civscore.score(data, rubric)  # warm-up: imports, pandera schema set-up
    t_score, _ = timed(lambda: civscore.score(data, rubric), repeat=3)
    print(f"score():                                   {t_score:7.2f} s")

    t_mc, u = timed(lambda: civscore.uncertainty(data, rubric, runs=runs, seed=0).rank_stats)
    print(f"uncertainty(runs={runs}):                   {t_mc:7.2f} s  = {t_mc / t_score:5.1f}x score()  (goal <= 10x)")

    t_opt, _ = timed(
        lambda: civscore.uncertainty(data, rubric, runs=runs, seed=0, missing=True, aggregation=True).rank_stats
    )
    print(f"  + missing policies, geometric aggregation: {t_opt:7.2f} s  = {t_opt / t_score:5.1f}x score()")

    t_sobol, s = timed(lambda: civscore.sensitivity(data, rubric, samples=SOBOL_N, seed=0))
    print(f"sensitivity(samples={SOBOL_N}), {s.settings['runs']:,} runs:    {t_sobol:7.2f} s  = "
          f"{t_sobol / t_score:5.1f}x score()  ({t_sobol / s.settings['runs'] * 1000:.2f} ms per run)")
    print(s.indices.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    raise SystemExit(main(*args))
