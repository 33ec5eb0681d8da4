"""Monte Carlo and Sobol speed, as a ratio to one score() call on the same data (issues 5 and 16).

    .venv/bin/python bench/bench_uncertainty.py [N_UNITS] [RUNS]

Data: the synthetic rubric of ``bench/synthetic.py`` (100 base indicators in 5 dimensions,
every method, exclude / mean / zero policies, bonus, fail / cap / deduct vetoes, tiers, one
group column) and 10,000 random units. Prints:

- each analysis as a ratio to one score() call, wall-clock and CPU: the analysis and score()
  each called once first (imports, set-up, the pool's threads and their scratch arrays; that
  first call's time is printed too), then 5 rounds of one score() call and one analysis call,
  medians of each (the score() calls printed under each analysis);
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_data, make_rubric  # noqa: E402

import civscore  # noqa: E402
from civscore.robustness import rowsort  # noqa: E402

N_UNITS = 10_000
RUNS = 1000
SOBOL_N = 1024


def timed(fn: Callable[[], Any], yardstick: Callable[[], Any], repeat: int = 5) -> tuple[Timing, Timing, Any]:
    """``fn``'s and the yardstick's timings, called in turn: each once first (set-up that later
    calls do not pay: the yardstick's pandera schemas, the analyses' worker threads and scratch
    arrays), then ``repeat`` rounds of one yardstick call and one ``fn`` call; and ``fn``'s
    last result.

    Taking turns puts each analysis and the score() calls it is compared with under the same
    load: on these shared machines one score() took 0.05 s in some minutes and 0.09 s in
    others (and is slower right after an analysis that freed a lot of memory, which it then
    faults back in), which moved a ratio from separate medians by half. CPU time (all threads of this
    process) is printed too, as wall-clock includes time spent waiting for other processes.
    """
    timings = []
    out = None
    for f in (yardstick, fn):
        w0 = time.perf_counter()
        out = f()
        timings.append(Timing(first=time.perf_counter() - w0))
    for _ in range(repeat):
        for timing, f in zip(timings, (yardstick, fn)):
            w0, c0 = time.perf_counter(), time.process_time()
            out = f()
            timing.walls.append(time.perf_counter() - w0)
            timing.cpus.append(time.process_time() - c0)
    return timings[0], timings[1], out


@dataclass
class Timing:
    """A first call's wall-clock seconds, then each later call's wall-clock and CPU seconds."""

    first: float
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


def with_stats(u: civscore.Uncertainty) -> civscore.Uncertainty:
    """``u`` once its rank statistics are computed (part of the timed work)."""
    _ = u.rank_stats
    return u


def line(label: str, t: Timing, ref: Timing | None = None, goal: str = "", note: str = "") -> None:
    ratio = f"  = {t.wall / ref.wall:5.1f}x score() wall, {t.cpu / ref.cpu:5.1f}x CPU" if ref else ""
    goal = f"goal <= {goal}; " if goal else ""
    print(f"{label:<46}{t.wall:7.2f} s wall {t.cpu:7.2f} s CPU{ratio}  ({goal}first call {t.first:.2f} s{note})")
    if ref:
        calls = f"median of {len(ref.walls)}, first call {ref.first:.2f} s"
        print(f"    score() between its calls: {ref.wall:.3f} s wall, {ref.cpu:.3f} s CPU ({calls})")


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
    def yardstick() -> Any:
        return civscore.score(data, rubric)

    ys, t, u = timed(lambda: with_stats(civscore.uncertainty(data, rubric, runs=runs, seed=0)), yardstick)
    line(f"uncertainty(runs={runs}) + rank_stats", t, ys, "10x")

    ys, t, u = timed(
        lambda: with_stats(civscore.uncertainty(data, rubric, runs=runs, seed=0, missing=True, aggregation=True)),
        yardstick,
    )
    line("  + missing policies, geometric aggregation", t, ys, "10x")
    # the runs do the work they claim: every choice drawn in about its share of the runs, and
    # every unit's total moves between runs
    drawn = u.choices.value_counts().rename("runs").reset_index()
    print("    runs per choice: " + ", ".join(f"{m}/{a}: {n}" for m, a, n in drawn.itertuples(index=False)))
    moving = (u.totals.nunique() > 1).mean()
    print(f"    units whose total differs between runs: {moving:.0%}")

    ys, t, s = timed(lambda: civscore.sensitivity(data, rubric, samples=SOBOL_N, seed=0), yardstick)
    per_run = f"; {t.wall / s.settings['runs'] * 1000:.2f} ms wall per run"
    line(f"sensitivity(samples={SOBOL_N}): {s.settings['runs']:,} runs", t, ys, "20x", per_run)
    print(s.indices.drop(columns="label_en").round(3).to_string(index=False))
    # the row sort each kind of keys got on this CPU (civscore/robustness/rowsort.py)
    print("row sorts kept: " + ", ".join(f"{kind}: {way}" for kind, way in rowsort.kept().items()))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak resident memory of this process: {peak:,.0f} MB "
        f"(runs x units x indicators in float64 would be {runs * n_units * 100 * 8 / 2**30:.1f} GB)"
    )
    return 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    raise SystemExit(main(*args))
