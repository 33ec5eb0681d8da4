"""Writing workbooks: the 200k-unit ranking to .xlsx, and `gaps` / `compare` on 10k units (issue 16).

    .venv/bin/python bench/run.py write
    CIVSCORE_BENCH_WRITE_UNITS=50000 .venv/bin/python bench/bench_write.py   # a smaller ranking

Prints:

- the ranking of 200,000 units x 100 indicators (bench/synthetic.py, seeded) written to .xlsx
  by ``write_result`` in a fresh process that first reads and scores the data: wall time, and
  the peak memory of the writing (VmHWM during the write - VmRSS before it; the kernel's peak
  counter is reset first through /proc/self/clear_refs, else ru_maxrss is used and said). Its
  baseline is the same result table written bare with xlsxwriter in ``constant_memory`` mode
  (``write_row`` per row, no formats): what the plain library costs for the same frame. The
  per-indicator points (20 million cells) go to the Parquet file beside the workbook;
- `civscore gaps` and `civscore compare` (two years) from CSV to .xlsx on 10,000 units (the
  sample rubric's data repeated with distinct ids), wall time of the command, over the
  in-memory ``gaps()`` / ``compare()`` on the same results (medians of 3; their points matrices,
  which score() makes on first read, are read before the clock starts, as the writing's peak
  memory above is measured once they exist); the same ratio of
  CPU seconds beside it (user + system, the command's over the in-memory call's), which moves
  less when other work shares the cores.

The 2-core machines run other work at the same time: compare ratios within one run, and quote
the load average printed here with any figure.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

RANKING_UNITS = 200_000
N_INDICATORS = 100
SMALL_UNITS = 10_000
REPEAT = 3
RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"


def main() -> dict:
    from run import precompile

    precompile()  # the commands below start as a user's installed package does
    n = int(os.environ.get("CIVSCORE_BENCH_WRITE_UNITS", RANKING_UNITS))
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared: compare ratios within this run)")
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="civscore-bench-write-") as tmp:
        folder = Path(tmp)
        figures["ranking"] = _ranking(folder, n)
        figures["gaps"], figures["compare"] = _commands(folder)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return figures


def _ranking(folder: Path, n: int) -> dict:
    from synthetic import make_data, make_rubric, rubric_text

    (folder / "rubric.yaml").write_text(rubric_text(N_INDICATORS), encoding="utf-8")
    make_data(make_rubric(N_INDICATORS), n).to_parquet(folder / "data.parquet", index=False)
    ours = _child("ours", folder)
    bare = _child("bare", folder)
    sidecar = f", points to {ours['sidecar']}" if ours.get("sidecar") else ""
    print(f"\nranking of {n:,} units x {N_INDICATORS} indicators -> .xlsx ({ours['mib']:.0f} MiB{sidecar})")
    print(
        f"  write_result            {ours['seconds']:7.1f} s   peak memory of the write {ours['peak_mib']:6.0f} MiB"
        f"{'' if ours['exact_peak'] else ' (ru_maxrss: clear_refs unavailable)'}"
    )
    print(
        f"  xlsxwriter bare         {bare['seconds']:7.1f} s   (constant_memory, result table only: "
        f"{bare['cells']:,} cells, {bare['peak_mib']:.0f} MiB)"
    )
    print(f"  ratio ours / bare       {ours['seconds'] / bare['seconds']:7.2f}")
    return {"ours": ours, "bare": bare}


def _commands(folder: Path) -> tuple[dict, dict]:
    import civscore

    rubric = civscore.load_rubric(RUBRIC)
    paths = {year: _tiled(rubric, year, folder) for year in (2024, 2025)}
    data = {year: civscore.read_data(p) for year, p in paths.items()}

    def fresh() -> dict:  # a Result keeps what it worked out: each timing starts from new ones
        results = {year: civscore.score(frame, rubric) for year, frame in data.items()}
        for result in results.values():
            _ = result.points  # made on first read: scoring's work, not the analysis's
        return results

    gaps_s, gaps_cpu = _median(lambda results: results[2025].gaps(), fresh)
    compare_s, compare_cpu = _median(lambda results: civscore.compare(results[2024], results[2025]), fresh)
    results = fresh()
    out = folder / "out.xlsx"
    gaps_cli, gaps_cli_cpu = _median(lambda _: _run("gaps", str(RUBRIC), str(paths[2025]), "-o", str(out)))
    compare_cli, compare_cli_cpu = _median(
        lambda _: _run("compare", "-r", str(RUBRIC), "-d", str(paths[2024]), "-d", str(paths[2025]), "-o", str(out))
    )
    rows = len(results[2025].gaps())
    print(f"\n{SMALL_UNITS:,} units ({RUBRIC.name}, sample data repeated), medians of {REPEAT}; wall (CPU) seconds")
    print(f"  gaps() in memory        {gaps_s:7.2f} s ({gaps_cpu:5.2f})   ({rows:,} items)")
    print(
        f"  civscore gaps -> .xlsx  {gaps_cli:7.2f} s ({gaps_cli_cpu:5.2f})   ratio {gaps_cli / gaps_s:5.1f} "
        f"(CPU {gaps_cli_cpu / gaps_cpu:4.1f})  (read, score, list, write)"
    )
    print(f"  compare() in memory     {compare_s:7.2f} s ({compare_cpu:5.2f})")
    print(
        f"  civscore compare -> .xlsx {compare_cli:5.2f} s ({compare_cli_cpu:5.2f})   "
        f"ratio {compare_cli / compare_s:5.1f} (CPU {compare_cli_cpu / compare_cpu:4.1f})"
        "  (read and score twice, compare, write)"
    )
    return (
        {"in_memory": gaps_s, "cli": gaps_cli, "ratio": gaps_cli / gaps_s, "cpu_ratio": gaps_cli_cpu / gaps_cpu},
        {
            "in_memory": compare_s,
            "cli": compare_cli,
            "ratio": compare_cli / compare_s,
            "cpu_ratio": compare_cli_cpu / compare_cpu,
        },
    )


def _tiled(rubric, year: int, folder: Path) -> Path:
    """The sample data of ``year`` repeated to SMALL_UNITS units, ids and names made distinct."""
    import numpy as np
    import pandas as pd

    import civscore

    data = civscore.read_data(ROOT / "data" / f"communities_{year}.csv")
    copies = -(-SMALL_UNITS // len(data))
    tiled = pd.concat([data] * copies, ignore_index=True).iloc[:SMALL_UNITS].copy()
    copy = np.repeat(np.arange(copies), len(data))[:SMALL_UNITS].astype(str)
    unit = rubric.unit
    tiled[unit.id_column] = tiled[unit.id_column].astype(str) + "-" + copy
    if unit.name_column:
        tiled[unit.name_column] = tiled[unit.name_column].astype(str) + copy
    path = folder / f"communities_{year}.csv"
    tiled.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _run(*args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "civscore.cli", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"civscore {args[0]} failed ({proc.returncode}): {proc.stderr.strip()[:500]}")


def _median(work, setup=lambda: None) -> tuple[float, float]:
    """Medians of REPEAT timings of ``work(setup())`` (``setup`` is not timed): wall seconds, and
    CPU seconds of this process's threads plus those of the commands it ran meanwhile. On a
    machine shared with other work, the CPU figure moves less than the wall-clock one."""
    walls, cpus = [], []
    for _ in range(REPEAT):
        given = setup()
        start, cpu = time.perf_counter(), _cpu()
        work(given)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child(mode: str, folder: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(folder)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {mode} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _child_main(mode: str, folder: Path) -> None:
    import civscore

    result = civscore.score(civscore.read_data(folder / "data.parquet"), civscore.load_rubric(folder / "rubric.yaml"))
    _ = result.points  # made on first read: scoring's work and memory, not the writing's
    out = folder / f"{mode}.xlsx"
    before = _rss_kib("VmRSS")
    exact = _reset_peak()
    start = time.perf_counter()
    figures: dict = {}
    if mode == "ours":
        civscore.write_result(result, out)
        sidecars = sorted(p.name for p in folder.glob(f"{mode}_points.*"))
        figures["sidecar"] = ", ".join(sidecars)
    else:
        import xlsxwriter

        table = result.table
        book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "nan_inf_to_errors": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, [str(c) for c in table.columns])
        for i, row in enumerate(table.astype(object).where(table.notna(), None).itertuples(index=False), 1):
            sheet.write_row(i, 0, row)
        book.close()
        figures["cells"] = table.size
    figures["seconds"] = time.perf_counter() - start
    peak = _rss_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures |= {"peak_mib": (peak - before) / 1024, "exact_peak": exact, "mib": out.stat().st_size / 2**20}
    print(json.dumps(figures))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_main(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
