"""score() and `civscore score` at district scale: 200,000 and 1,000,000 units x 100 indicators.

    .venv/bin/python bench/bench_scale.py              # 200k and 1M (several minutes)
    CIVSCORE_BENCH_SIZES=200000 .venv/bin/python bench/bench_scale.py

For each size this prints (issue 16):

- score() against the NumPy floor of bench_score.py (the same totals from arrays prepared in
  advance: no validation, no ranks, no result table, no points matrix kept), medians of 3, and
  check() alone (pandera and the value checks) so that validation's share is visible. For
  reference only, the floor is also timed writing its points into a fresh units x indicators
  matrix: at 1M units the kernel's handing over of those 800 MB of fresh pages costs seconds.
  score() adds its totals up without keeping such a matrix and makes ``result.points`` (and its
  masks) on first read; score() followed by that first read is timed too;
- the memory score() adds on top of its input. A fresh subprocess reads the Parquet file with
  read_data(), as a user would, and returns freed memory to the system (malloc_trim); then the
  kernel's peak-RSS counter is reset (``echo 5 > /proc/self/clear_refs``) and the first score()
  call runs. Added peak = VmHWM during the call - VmRSS before it; kept = VmRSS with the Result
  alive - VmRSS before. The input frame's size is ``memory_usage(deep=True)``. RSS is used rather
  than tracemalloc because pyarrow-backed text columns allocate outside Python's allocator. If
  clear_refs cannot be written the peak falls back to the ru_maxrss delta, which can only
  under-state the peak, and the output says so;
- `civscore score` run as a command from CSV to .parquet and to .xlsx, wall-clock from process
  start, with each phase's share: read (read_data), validate (check), score (score_checked),
  write (write_result); "other" is interpreter start, imports and the rubric. Phases are timed by
  wrapping those four functions wherever civscore's modules hold them (the commands call the public API).

Data and files are generated at bench time in a temporary folder (bench/synthetic.py, seeded)
and removed afterwards. The 2-core machines run other work at the same time: compare ratios
within one run, and quote the load average printed by bench/run.py with any figure.

Set CIVSCORE_BENCH_CLI=0 to time score() alone. Bounds: .xlsx output is timed only up to CIVSCORE_BENCH_XLSX_MAX units
(default 200,000) and once per size when one run takes over a minute; the rest are medians of 3.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import make_data, make_rubric, rubric_text  # noqa: E402

N_INDICATORS = 100
REPEAT = 3
SIZES = (200_000, 1_000_000)
# the 1M-unit CSV is larger than the default input limit; the bench raises it, as a user would
LIMIT_ENV = {"CIVSCORE_MAX_INPUT_BYTES": str(8 * 2**30), "CIVSCORE_MAX_INPUT_CELLS": str(10**9)}


def main() -> dict:
    from run import precompile

    precompile()  # commands start as a user's installed package does (bench/run.py)
    sizes = [int(s) for s in os.environ.get("CIVSCORE_BENCH_SIZES", "").split(",") if s] or list(SIZES)
    xlsx_max = int(os.environ.get("CIVSCORE_BENCH_XLSX_MAX", "200000"))
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="civscore-bench-scale-") as tmp:
        for n in sizes:
            folder = Path(tmp) / str(n)
            folder.mkdir()
            start = time.perf_counter()
            _write_inputs(folder, n)
            csv_mb = (folder / "data.csv").stat().st_size / 2**20
            pq_mb = (folder / "data.parquet").stat().st_size / 2**20
            print(
                f"\n{n:,} units x {N_INDICATORS} indicators (+3 bonus, 3 vetoes): data.csv {csv_mb:,.0f} MiB, "
                f"data.parquet {pq_mb:,.0f} MiB (generated in {time.perf_counter() - start:.0f} s)"
            )
            s = _child("score", folder)
            figures[n] = {"score": s}
            _print_score(s, n)
            sys.stdout.flush()
            for suffix in (".parquet", ".xlsx") if os.environ.get("CIVSCORE_BENCH_CLI", "1") != "0" else ():
                if suffix == ".xlsx" and n > xlsx_max:
                    print(
                        f"  civscore score CSV -> {suffix}: skipped above {xlsx_max:,} units  (CIVSCORE_BENCH_XLSX_MAX)"
                    )
                    continue
                try:
                    runs = _cli_runs(folder, suffix)
                except RuntimeError as exc:  # e.g. the input refused by a limit: say so, go on
                    print(f"  civscore score CSV -> {suffix}: FAILED: {exc.args[1]}")
                    continue
                figures[n][suffix] = runs
                _print_cli(runs, suffix)
                sys.stdout.flush()
    return figures


def _write_inputs(folder: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    (folder / "rubric.yaml").write_text(rubric_text(N_INDICATORS), encoding="utf-8")
    data = make_data(make_rubric(N_INDICATORS), n)
    table = pa.Table.from_pandas(data, preserve_index=False)
    del data
    import pyarrow.parquet as pq

    pq.write_table(table, folder / "data.parquet")
    pacsv.write_csv(table, folder / "data.csv")  # pyarrow's writer: the pandas one takes minutes at 1M


def _child(mode: str, folder: Path, *extra: str) -> dict:
    env = dict(os.environ, **LIMIT_ENV)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder), *extra],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        said = (proc.stderr.strip().splitlines() or ["(nothing on stderr)"])[0]
        raise RuntimeError(f"bench child {mode} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}", said)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cli_runs(folder: Path, suffix: str) -> list[dict]:
    runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        run = _child("cli", folder, suffix)
        run["wall"] = time.perf_counter() - start
        runs.append(run)
        if run["wall"] > 60:  # bounded: one slow run says enough on a shared machine
            break
    return runs


def _print_score(s: dict, n: int) -> None:
    cells = n * N_INDICATORS
    ratio = s["score"] / s["floor"]
    cpu = s["cpu"]
    print(f"  NumPy floor (bench_score.numpy_totals)  {s['floor']:7.2f} s wall {cpu['floor']:6.2f} s CPU")
    print(
        f"    the floor also keeping its points     {s['floor_kept']:7.2f} s wall {cpu['floor_kept']:6.2f} s CPU   "
        "(a fresh units x indicators matrix: for reference, not the goal)"
    )
    print(
        f"  score()                                 {s['score']:7.2f} s wall {cpu['score']:6.2f} s CPU   "
        f"ratio {ratio:5.2f}x wall, {cpu['score'] / cpu['floor']:5.2f}x CPU (goal <= 2x)   "
        f"{s['score'] / cells * 1e9:5.1f} ns/cell"
    )
    print(
        f"    of which check() (pandera + values)   {s['check']:7.2f} s wall {cpu['check']:6.2f} s CPU   "
        f"score_checked() {s['checked']:6.2f} s wall {cpu['checked']:6.2f} s CPU"
    )
    print(f"    first call (fresh process)            {s['first']:7.2f} s")
    print(
        f"  score() then result.points read       {s['with_points']:7.2f} s wall {cpu['with_points']:6.2f} s CPU   "
        "(the points matrix and its masks made on first read: for reference, not the goal)"
    )
    frame = s["frame_bytes"]
    note = "" if s["peak_exact"] else "  (ru_maxrss delta: a lower bound)"
    print(
        f"  memory: input frame {frame / 2**20:,.0f} MiB; score() adds a peak of {s['peak_added'] / 2**20:,.0f} MiB "
        f"= {s['peak_added'] / frame:4.2f}x the frame (goal <= 2x){note}; the Result keeps "
        f"{s['kept'] / 2**20:,.0f} MiB = {s['kept'] / frame:4.2f}x"
    )


def _print_cli(runs: list[dict], suffix: str) -> None:
    wall = statistics.median(r["wall"] for r in runs)
    phases = ("read", "validate", "score", "write")
    med = {p: statistics.median(r["phases"].get(p, 0.0) for r in runs) for p in phases}
    other = max(wall - sum(med.values()), 0.0)
    shares = ", ".join(f"{p} {med[p]:.1f} s ({med[p] / wall:.0%})" for p in phases)
    how = f"median of {len(runs)}" if len(runs) > 1 else "1 run"
    missing = sorted({m for r in runs for m in r["unwrapped"]})
    warn = f"  [not timed: {', '.join(missing)} not found in civscore's modules]" if missing else ""
    print(f"  civscore score CSV -> {suffix:<8} {wall:6.1f} s ({how}): {shares}, other {other:.1f} s{warn}")
    print(f"    peak RSS of the command {max(r['maxrss'] for r in runs) / 2**20:,.0f} MiB")


# ---------------------------------------------------------------- children (fresh processes)


def _rss() -> int:
    return _status("VmRSS")


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _release() -> None:
    """Collect garbage and hand freed heap back to the kernel, so RSS says what is alive: the C
    heap (malloc_trim) and pyarrow's own memory pool, which keeps freed buffers for reuse (left
    there after reading, they would let score() look smaller than it is)."""
    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except ImportError:
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _child_score(folder: Path) -> dict:
    from bench_score import _array, numpy_totals

    import civscore
    from civscore.scoring.engine import score_checked
    from civscore.validation.check import check

    rubric = civscore.load_rubric(folder / "rubric.yaml")
    data = civscore.read_data(folder / "data.parquet", rubric)
    frame_bytes = int(data.memory_usage(deep=True).sum())
    _release()
    before = _rss()
    exact = _reset_peak()
    max_before = _maxrss()
    start = time.perf_counter()
    result = civscore.score(data, rubric)
    first = time.perf_counter() - start
    peak = _status("VmHWM") if exact else _maxrss()
    peak_added = peak - before if exact else max(peak - max_before, 0)
    _release()
    kept = _rss() - before
    del result
    _release()

    arrays = {c: _array(data[c]) for c in data.columns}

    cpu: dict[str, float] = {}

    def median(fn, name: str) -> float:
        walls, cpus = [], []
        for _ in range(REPEAT):
            t, c = time.perf_counter(), time.process_time()
            out = fn()
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            del out
            _release()
        cpu[name] = statistics.median(cpus)
        return statistics.median(walls)

    floor = median(functools.partial(numpy_totals, arrays, rubric), "floor")
    floor_kept = median(functools.partial(numpy_totals, arrays, rubric, keep_points=True), "floor_kept")
    del arrays
    _release()
    t_score = median(lambda: civscore.score(data, rubric), "score")
    t_points = median(lambda: civscore.score(data, rubric).points, "with_points")
    t_check = median(lambda: check(data, rubric), "check")
    checked = check(data, rubric)
    t_checked = median(lambda: score_checked(data, rubric, checked), "checked")
    return dict(
        cpu=cpu,
        frame_bytes=frame_bytes,
        peak_added=peak_added,
        peak_exact=exact,
        kept=kept,
        first=first,
        floor=floor,
        floor_kept=floor_kept,
        score=t_score,
        with_points=t_points,
        check=t_check,
        checked=t_checked,
    )


def _child_cli(folder: Path, suffix: str) -> dict:
    """`civscore score` in this process, with its four phases timed where the CLI calls them."""
    import importlib
    import pkgutil

    import civscore.cli as cli
    from civscore.readers.data import read_data
    from civscore.scoring.engine import score_checked
    from civscore.validation.check import check
    from civscore.writers.output import write_result

    phases: dict[str, float] = {}
    targets = {read_data: "read", check: "validate", score_checked: "score", write_result: "write"}
    found: set[str] = set()

    def timed(fn, name):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    for info in pkgutil.iter_modules(cli.__path__):  # the command modules may load lazily
        if info.name != "__main__":  # importing it would run the command line on our argv
            importlib.import_module(f"civscore.cli.{info.name}")
    # the commands call the public API (civscore.check, Result.write, ...): wrap the four
    # functions wherever a civscore module holds them
    for module in [m for name, m in sys.modules.items() if name == "civscore" or name.startswith("civscore.")]:
        for attr, value in list(vars(module).items()):
            if callable(value) and value in targets:
                setattr(module, attr, timed(value, targets[value]))
                found.add(targets[value])
    out = folder / f"result{suffix}"
    status = cli.main(["score", str(folder / "rubric.yaml"), str(folder / "data.csv"), "-o", str(out)])
    if status != 0:
        raise SystemExit(f"civscore score exited {status}")
    out.unlink()
    return dict(phases=phases, maxrss=_maxrss(), unwrapped=sorted(set(targets.values()) - found))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        mode, folder = sys.argv[2], Path(sys.argv[3])
        out = _child_score(folder) if mode == "score" else _child_cli(folder, sys.argv[4])
        print(json.dumps(out))
    else:
        main()
