"""Measures from raw survey records: civscore vs a hand-written DuckDB query (issue 11).

    .venv/bin/python bench/bench_records.py [ROWS ...]      # default: 10000000 100000000
    CIVSCORE_BENCH_SPARK=0 ...                              # leave out the Spark run

Data: ROWS synthetic survey records over 100,000 units, written at bench time as one Parquet
file in a temporary folder (never committed): 区域代码, 问卷编号, 评价 (满意/基本满意/不满意), 得分
(0-100), 有效 (是/否). Measures: a count, a share with min_records, a mean of points per answer
with a standard error, the mean of 得分 — the 英德 survey shape.

Each case runs in its own process, so its peak memory (ru_maxrss) is its own:

- sql: the same aggregates written by hand in DuckDB SQL (one GROUP BY over the file);
- measure, no checks: civscore's compiled Ibis aggregation alone;
- measure: civscore.measure, i.e. the record checks (pandera.ibis in DuckDB) and the aggregation;
- spark: civscore.measure with engine="spark" (local[*]), 10M only.

The libraries (DuckDB; Ibis and its DuckDB backend; PySpark) are imported before each case's
clock starts, and their import time is printed apart: a fixed cost that does not grow with the
records. Goals: measure without checks <= 1.5x sql, with checks <= 3x; peak memory flat in ROWS.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_UNITS = 100_000

RUBRIC = """
id: bench
name: bench
version: "1"
unit: {id_column: 区域代码}
total_points: 10
records:
  survey:
    unit_column: 区域代码
    columns:
      评价: {values: [满意, 基本满意, 不满意]}
      得分: {min: 0, max: 100}
measures:
  - {id: 问卷数, from: survey, aggregate: count, where: 有效 == "是"}
  - {id: 满意率, from: survey, aggregate: share, of: 评价 == "满意" or 评价 == "基本满意", where: 有效 == "是",
     min_records: 15}
  - {id: 满意度得分, from: survey, aggregate: mean, of: 100 * (评价 == "满意") + 60 * (评价 == "基本满意"),
     where: 有效 == "是"}
  - {id: 平均得分, from: survey, aggregate: mean, of: 得分}
dimensions:
  - id: d
    name: d
    indicators:
      - {id: i1, name: i1, value: 满意度得分, method: linear, zero: 0, full: 100, points: 10}
"""

SQL = """
SELECT 区域代码,
  count(*) FILTER (WHERE 有效 = '是') AS 问卷数,
  CASE WHEN count(*) FILTER (WHERE 有效 = '是') >= 15
       THEN avg(CASE WHEN 评价 IN ('满意', '基本满意') THEN 1.0 ELSE 0.0 END) FILTER (WHERE 有效 = '是') END AS 满意率,
  avg(CASE 评价 WHEN '满意' THEN 100.0 WHEN '基本满意' THEN 60.0 ELSE 0.0 END) FILTER (WHERE 有效 = '是') AS 满意度得分,
  stddev_samp(CASE 评价 WHEN '满意' THEN 100.0 WHEN '基本满意' THEN 60.0 ELSE 0.0 END) FILTER (WHERE 有效 = '是')
    / sqrt(count(*) FILTER (WHERE 有效 = '是')) AS 满意度得分_se,
  avg(得分) AS 平均得分, stddev_samp(得分) / sqrt(count(得分)) AS 平均得分_se
FROM read_parquet('{path}') GROUP BY 区域代码 ORDER BY 区域代码
"""


def generate(path: Path, rows: int) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"""COPY (
          SELECT 'U' || lpad(CAST(i % {N_UNITS} AS VARCHAR), 6, '0') AS 区域代码,
                 CAST(i AS VARCHAR) AS 问卷编号,
                 CASE WHEN hash(i) % 100 < 60 THEN '满意' WHEN hash(i) % 100 < 85 THEN '基本满意'
                      ELSE '不满意' END AS 评价,
                 CAST(hash(i * 7) % 101 AS DOUBLE) AS 得分,
                 CASE WHEN hash(i * 13) % 100 < 97 THEN '是' ELSE '否' END AS 有效
          FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""
    )


def case(kind: str, path: str) -> dict:
    """One measurement, in this process: seconds and peak memory."""
    sys.path.insert(0, str(ROOT))
    import civscore
    from civscore.records.engines import get_engine
    from civscore.records.read import read_records
    from civscore.records.scan import scan_table

    rubric = civscore.parse_rubric_text(RUBRIC)
    units = [f"U{i:06d}" for i in range(N_UNITS)]
    # the libraries are imported before the clock starts, on both sides: a fixed second or two
    # that does not grow with the records (printed apart, as "imports")
    start = time.perf_counter()
    import duckdb

    if kind != "sql":
        import ibis

        ibis.duckdb  # noqa: B018  # loads the backend
        if kind == "spark":
            import pyspark.sql  # noqa: F401
    imports = time.perf_counter() - start
    start = time.perf_counter()
    if kind == "sql":
        rows = len(duckdb.connect().sql(SQL.format(path=path)).fetchall())
    elif kind == "aggregate":
        eng = get_engine("duckdb")
        scanned = scan_table(eng, "survey", rubric.records["survey"], rubric.measures, read_records(path), None, False)
        assert scanned.values is not None
        rows = len(scanned.values)
    else:
        engine = "spark" if kind == "spark" else "duckdb"
        rows = len(civscore.measure(rubric, records={"survey": path}, units=units, engine=engine))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak, "rows": rows, "imports": imports}


def run_case(kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--case", kind, str(path)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(sizes: list[int] | None = None) -> None:
    sizes = sizes or [10_000_000, 100_000_000]
    spark = os.environ.get("CIVSCORE_BENCH_SPARK", "1") != "0"
    with tempfile.TemporaryDirectory(prefix="civscore-bench-records-") as tmp:
        for rows in sizes:
            path = Path(tmp) / f"survey_{rows}.parquet"
            start = time.perf_counter()
            generate(path, rows)
            size = path.stat().st_size / 1e6
            took = time.perf_counter() - start
            print(f"{rows:,} records, {N_UNITS:,} units: {size:,.0f} MB Parquet written in {took:.1f} s")
            sql = run_case("sql", path)
            agg = run_case("aggregate", path)
            full = run_case("measure", path)
            print(f"  load average {os.getloadavg()[0]:.1f}; imports before the clock: {full['imports']:.1f} s")
            print(f"  hand-written DuckDB SQL     {sql['seconds']:7.2f} s  peak {sql['peak_mb']:6.0f} MB")
            print(
                f"  measure, aggregation only   {agg['seconds']:7.2f} s  peak {agg['peak_mb']:6.0f} MB  "
                f"{agg['seconds'] / sql['seconds']:.2f}x sql (goal <= 1.5x)"
            )
            print(
                f"  measure, checks included    {full['seconds']:7.2f} s  peak {full['peak_mb']:6.0f} MB  "
                f"{full['seconds'] / sql['seconds']:.2f}x sql (goal <= 3x)"
            )
            if spark and rows <= 10_000_000:
                sp = run_case("spark", path)
                print(
                    f"  measure on spark local[*]   {sp['seconds']:7.2f} s  peak {sp['peak_mb']:6.0f} MB (driver; "
                    f"session start included)  {sp['seconds'] / sql['seconds']:.1f}x sql"
                )
            path.unlink()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--case"]:
        print(json.dumps(case(sys.argv[2], sys.argv[3])))
    else:
        main([int(a) for a in sys.argv[1:]] or None)
