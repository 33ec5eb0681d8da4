"""The same measures and the same problem report on Spark (local mode) as on DuckDB (contract
section 8: results do not depend on the engine). One Spark session serves the whole test run."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest

import civscore
from civscore.words import using_language

# `make test` sets CIVSCORE_REQUIRE_SPARK=1: there, a missing PySpark or Java fails instead of skipping
if os.environ.get("CIVSCORE_REQUIRE_SPARK") != "1":
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (17); none on this machine", allow_module_level=True)

from test_records import MEASURES, random_records, rubric_with
from test_records_errors import BAD, RUBRIC


@pytest.fixture(scope="session")
def spark():
    from civscore.records.engines import get_engine

    return get_engine("spark")  # the session is started once and kept for the process


def test_measures_are_identical_on_spark_and_duckdb_for_a_parquet_folder(spark, tmp_path):
    records = random_records(n=1500)
    rubric = rubric_with(MEASURES)
    units = [f"U{i:03d}" for i in range(1, 66)]
    folder = tmp_path / "survey"
    folder.mkdir()
    records.iloc[:700].to_parquet(folder / "a.parquet")
    records.iloc[700:].reset_index(drop=True).to_parquet(folder / "b.parquet")
    on_duckdb = civscore.measure(rubric, records={"survey": records}, units=units)
    on_spark = civscore.measure(rubric, records={"survey": str(folder)}, units=units, engine=spark)
    assert list(on_spark.columns) == list(on_duckdb.columns)
    assert on_spark["区域代码"].tolist() == units
    for col in on_duckdb.columns[1:]:
        np.testing.assert_allclose(
            on_spark[col].to_numpy(float), on_duckdb[col].to_numpy(float), rtol=1e-9, atol=1e-12, err_msg=col
        )


def test_the_problem_report_of_a_csv_is_the_same_on_spark(spark, tmp_path):
    rubric = civscore.parse_rubric_text(RUBRIC)
    units = pd.DataFrame({"区域代码": ["A1", "A2"], "区域": ["甲", "乙"]})
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD.encode("gbk"))
    with using_language("en"):
        duck = civscore.validate(units, rubric, records={"survey": str(path)}).problems
        from civscore.records.measure import attach_measures

        _, measured = attach_measures(units, rubric, {"survey": str(path)}, engine=spark)
    key = ["row", "column", "rule"]
    pd.testing.assert_frame_equal(
        measured.problems.sort_values(key).reset_index(drop=True),
        duck.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
