"""The fast CSV path (pyarrow) reads exactly what the careful reader (csv module + pandas) reads.

Every file the fast path accepts must come out cell for cell, name for name and row number for
row number as the careful reader has it; a file it is not sure of it must leave to the careful
reader. Hypothesis writes small files from the characters that make CSV hard.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civscore.errors import DataError
from civscore.readers import csv as csv_reader
from civscore.readers import csv_fast

CHARS = ["a", "1", "0", " ", ",", ";", "\t", '"', "\n", "\r\n", "\r", "中", "é", "="]


def _careful(data: bytes) -> pd.DataFrame | str:
    try:
        return csv_reader._read_careful(data.decode("utf-8-sig"), "d.csv")
    except DataError as exc:
        return str(exc)


def _same(fast: pd.DataFrame, careful: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, careful)
    assert (fast.attrs["origin"].numbers == careful.attrs["origin"].numbers).all()
    assert fast.attrs["notes"] == careful.attrs["notes"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CHARS), min_size=1, max_size=40), st.sampled_from(["a,b,c\n", "名称;数值\n", "x\ty\n"]))
def test_fast_path_reads_what_the_careful_reader_reads(body, header):
    data = (header + "".join(body)).encode("utf-8")
    fast = csv_reader._read_fast(data)
    if fast is None:
        return  # left to the careful reader: always allowed
    careful = _careful(data)
    assert not isinstance(careful, str), f"the fast path read a file the careful reader refuses: {careful}"
    _same(fast, careful)


@pytest.mark.parametrize(
    "text",
    [
        'id,名称,得分\n001,幸福里,1\n002,"朝阳, 东",2\n',
        'id,v\n1,"a ""quoted"" word"\n2,"x,y"\n3,""\n',
        "\ufeffid,v\r\n1,2\r\n3,4\r\n\r\n",
        "id;v\n1;2,5\n",
        "id\tv\n 1 \t x \n",
        "id,v\n1,\n2,  \n",
    ],
)
def test_everyday_files_take_the_fast_path(text):
    data = text.encode("utf-8")
    fast = csv_reader._read_fast(data)
    assert isinstance(fast, pd.DataFrame)
    _same(fast, _careful(data))


@pytest.mark.parametrize(
    "text",
    [
        "id,v\n1,2\n\n3,4\n",  # a blank line: rows keep their own line numbers
        "\nid,v\n1,2\n",  # the header is not on line 1
        "id,v\n1,2,3\n",  # ragged
        'id,v\n1,"2\n',  # a quote never closed
        'id,v\n1,"two\nlines"\n3,x\n',  # a cell of two lines: rows are numbered by their first line
        'id,v\n1,a"b"\n',  # a quote inside a cell
        "id,id\n1,2\n",  # a repeated name
        "id,\n1,2\n",  # a nameless column
        "id,v\n1," + "x" * 10_001 + "\n",  # a cell over the limit
    ],
)
def test_files_with_something_to_say_take_the_careful_path(text):
    assert csv_reader._read_fast(text.encode("utf-8")) is None


def test_gbk_is_not_read_as_utf8():
    assert csv_reader._read_fast("名称,值\n幸福里,1\n".encode("gbk")) is csv_reader.fast.NOT_UTF8


_CELL = st.text(alphabet=["a", "1", " ", ",", '"', "中", "\t", ";", "\n", "0"], max_size=5)
_QUOTED_CELL = _CELL.map(lambda s: '"' + s.replace('"', '""') + '"')


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.one_of(_CELL, _QUOTED_CELL), min_size=3, max_size=3), min_size=1, max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_fast_path_on_rows_of_cells(rows, sep, newline):
    header = sep.join(["id", "名称", "v"])
    data = (newline.join([header] + [sep.join(r) for r in rows]) + newline).encode("utf-8")
    fast = csv_reader._read_fast(data)
    if fast is None:
        return
    careful = _careful(data)
    assert not isinstance(careful, str), f"the fast path read a file the careful reader refuses: {careful}"
    _same(fast, careful)


_QUOTED = re.compile(rb'"(?:[^"]|"")*"')


def _quotes_by_regex(data: bytes, sep: bytes) -> bool:
    """The quote rule cell by cell (the fast path's first version): every quoted cell, as a
    regular expression finds it, starts and ends at a cell boundary and stays on one line."""
    total = data.count(b'"')
    inside = 0
    for match in _QUOTED.finditer(data):
        start, end = match.span()
        if start > 0 and data[start - 1 : start] not in (sep, b"\n"):
            return False
        if end < len(data) and data[end : end + 1] not in (sep, b"\r", b"\n"):
            return False
        if data.find(b"\n", start, end) >= 0:
            return False
        inside += data.count(b'"', start, end)
    return inside == total


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(['"', '""', "a", ",", ";", "\n", "\r\n", "中"]), max_size=30), st.sampled_from([",", ";"])
)
def test_quote_rule_on_whole_arrays_is_the_cell_by_cell_rule(parts, sep):
    data = "".join(parts).encode("utf-8")
    body = np.frombuffer(data, dtype=np.uint8)
    lines, _, quotes = csv_fast._marks(body)
    expected = _quotes_by_regex(data, sep.encode())
    assert csv_fast._quotes_well_formed(body, quotes, lines, ord(sep)) == expected


def test_marks_cross_block_boundaries(monkeypatch):
    monkeypatch.setattr(csv_fast, "_BLOCK", 7)
    data = b'a,"b"\r\nc,"d,e"\r\n' * 5
    lines, returns, quotes = csv_fast._marks(np.frombuffer(data, dtype=np.uint8))
    assert lines.tolist() == [i for i, c in enumerate(data) if c == 0x0A]
    assert returns.tolist() == [i for i, c in enumerate(data) if c == 0x0D]
    assert quotes.tolist() == [i for i, c in enumerate(data) if c == 0x22]


def test_long_lines_with_short_cells_take_the_fast_path():
    # a line over the cell limit is not a cell over it: the cells are measured then
    data = ("a,b\n" + "\n".join(f"{'x' * 6000},{'y' * 6000}" for _ in range(3)) + "\n").encode()
    fast = csv_reader._read_fast(data)
    assert isinstance(fast, pd.DataFrame)
    _same(fast, _careful(data))
