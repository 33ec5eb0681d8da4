"""Outputs that could destroy input or break a format's limits are refused in plain words.

The corpus (cases.yaml: output-*, rubric-fifo, ...) holds the command-line messages; these
tests cover what a corpus case cannot: outputs that do get written, the Python API, and sizes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from civscore.cli import main
from civscore.cli.terminal import shown
from civscore.errors import OutputError
from civscore.tables.gaps import sheet_name
from civscore.writers.atomic import MAX_NAME_BYTES, check_output_target, write_atomic
from civscore.writers.output import write_table
from civscore.writers.xlsx import MAX_ROWS, check_fits


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("CIVSCORE_LANG", "en")  # these tests quote the English messages


ROOT = Path(__file__).resolve().parents[1]
RUBRIC = ROOT / "rubrics" / "civilized-community-2025.yaml"
DATA = ROOT / "data" / "communities_2025.csv"


def test_an_output_name_just_under_255_bytes_is_written(tmp_path):
    name = "排" * 80 + "x" * (MAX_NAME_BYTES - 240 - 4) + ".csv"  # 80 three-byte characters
    assert len(name.encode()) == MAX_NAME_BYTES
    write_atomic(tmp_path / name, lambda tmp: tmp.write_text("a\n"))
    assert os.listdir(tmp_path) == [name]


def test_the_api_refuses_folders_pipes_and_devices(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    for target in (tmp_path, tmp_path / "pipe.csv", Path("/dev/null")):
        with pytest.raises(OutputError):
            write_atomic(target, lambda tmp: tmp.write_text("x"))
    assert sorted(os.listdir(tmp_path)) == ["pipe.csv"]


def test_a_hard_link_to_an_input_is_that_input(tmp_path):
    source = tmp_path / "data.csv"
    source.write_text("a\n")
    os.link(source, tmp_path / "copy.csv")
    with pytest.raises(OutputError, match="is the input file"):
        check_output_target(tmp_path / "copy.csv", [source])
    check_output_target(tmp_path / "other.csv", [source])


def test_a_table_over_excels_row_limit_is_a_message_not_a_crash(tmp_path):
    check_fits(pd.DataFrame({"a": np.zeros(MAX_ROWS - 1)}), "ok.xlsx")
    big = pd.DataFrame({"a": np.zeros(MAX_ROWS)})
    with pytest.raises(OutputError, match=r"1,048,576 rows × 1 columns do not fit in an Excel sheet"):
        write_table(big, tmp_path / "p.xlsx")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "text",
    ["阳光街道'" + "x" * 21 + "'", "'" * 40, "x" * 30 + "'" + "y", "[a]:b*c?/d\\e"],
)
def test_sheet_names_are_what_excel_accepts(text):
    taken: set[str] = set()
    for _ in range(3):  # the same group name three times: unique after the cut as well
        name = sheet_name(text, taken)
        assert 0 < len(name) <= 31 and not name.startswith("'") and not name.endswith("'")
        assert not set("[]:*?/\\") & set(name)
    assert len(taken) == 3


def test_gaps_with_a_street_whose_cut_name_ends_in_an_apostrophe(tmp_path):
    data = pd.read_csv(DATA, dtype=str)
    street = data.columns[2]
    data[street] = data[street].where(data.index % 2 == 0, "x" * 30 + "'s street")
    data.to_csv(tmp_path / "d.csv", index=False)
    assert main(["gaps", str(RUBRIC), str(tmp_path / "d.csv"), "-o", str(tmp_path / "g.xlsx")]) == 0


@pytest.mark.parametrize("command", ["gaps", "explain"])
def test_gaps_and_explain_write_parquet(command, tmp_path, capsys):
    unit = pd.read_csv(DATA, dtype=str).iloc[0, 0]
    extra = [unit] if command == "explain" else []
    out = tmp_path / "x.parquet"
    assert main([command, str(RUBRIC), str(DATA), *extra, "-o", str(out)]) == 0
    assert len(pd.read_parquet(out)) > 0


def test_control_characters_are_shown_escaped():
    assert shown("SQ\x1b[2J\r001\u202e\u200b\n\t") == "SQ\\x1b[2J\\x0d001\\u202e\\u200b\n\t"
    assert shown("幸福里社区 — 城关") == "幸福里社区 — 城关"


def test_a_rubric_read_stops_at_its_limit(tmp_path, monkeypatch):
    from civscore.readers import safety

    path = tmp_path / "r.yaml"
    path.write_bytes(b"#" * 100)
    with pytest.raises(safety.FileProblem, match="is 100 bytes; rubric files are limited to 99 bytes"):
        safety.read_bounded(path, 99, "rubric")
    assert safety.read_bounded(path, 100, "rubric") == b"#" * 100
