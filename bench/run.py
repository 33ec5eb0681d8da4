"""Run every benchmark in this folder (bench_*.py, each with a main()) and print its figures.

    make bench                   # all of them
    .venv/bin/python bench/run.py score uncertainty   # only those whose names contain a word

Benchmarks print ratios against a baseline measured in the same run, so figures from machines
of different speed can be compared. Each runs in a fresh process of its own, as a user's command
or notebook does: in one shared process the later benchmarks ran on the memory the earlier ones
had churned (score() at 200k units read 2.1x its floor after the workbook benchmarks, 1.6x
alone) and printed the earlier ones' peak memory as their own. Nothing here is part of `make test`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def precompile() -> None:
    """Compile civscore's modules to bytecode once, before commands are timed as subprocesses.

    A user's installed package has its bytecode (pip compiles it, or Python writes it on the first
    import); an editable install run where PYTHONDONTWRITEBYTECODE is set (as on the bench
    machines) would compile all ~90 modules again in every command, ~0.13 s that no user pays.
    """
    import compileall

    compileall.compile_dir(str(HERE.parent / "civscore"), quiet=1)


def main(words: list[str]) -> int:
    precompile()
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    chosen = [n for n in names if not words or any(w in n for w in words)]
    if not chosen:
        print(f"no benchmark matches {words}; there are: {', '.join(names)}")
        return 2
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set; NumPy may run slower kernels")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    worst = 0
    for name in chosen:
        print(f"\n== {name} ==")
        start = time.perf_counter()
        sys.stdout.flush()
        # main() as before, in its own interpreter; its output goes straight to ours
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import {name}; {name}.main()"
        status = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent, check=False).returncode
        failed = f"; exit status {status}" if status else ""
        print(f"({time.perf_counter() - start:.1f} s{failed})")
        worst = worst or status
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
