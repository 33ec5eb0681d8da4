"""Reading data files: civscore's readers against the bare library reading the same file.

Prints, for a synthetic 200k x 130 table (bench/synthetic.py): ``read_data`` of the CSV (UTF-8,
and the same text saved as GBK) against ``pyarrow.csv.read_csv`` with every column as text (the
GBK file also against pyarrow decoding it itself, ``encoding="gb18030"``), and
``read_data`` of the workbook against python-calamine reading its cells bare (the fastest reader
of .xlsx for Python we know of). Medians of 3 runs in one process; the load average says how busy
the machine was. Issue 16 asks for 3x or less. ``BENCH_READ_UNITS`` sets the number of rows.

It also prints validation's fixed set-up: check() of 100 units against a 100-indicator rubric
(bench/synthetic.py, every method), from a frame in memory and from a CSV as read_data reads
it, median of 15 after a warm-up; issue 16 asks for under 20 ms.

The workbook is written here as Excel writes one (shared strings, numbers as ``<v>``, empty cells
left out) from whole columns, because a general writer takes minutes for 26M cells.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

import civscore
from civscore.readers.data import read_data
from civscore.readers.xlsx_xml import excel_column

UNITS = int(os.environ.get("BENCH_READ_UNITS", "200000"))
COLUMNS = 130
RUNS = 3


def _median(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _frame():
    import synthetic

    rubric = synthetic.make_rubric(COLUMNS - 7)  # uid, grp, 3 bonus and 3 veto columns besides
    return rubric, synthetic.make_data(rubric, UNITS)


def _write_csv(frame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # unquoted, as Excel writes a table without commas in its cells
    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path, pacsv.WriteOptions(quoting_style="none"))


def _bare_csv(path: Path, encoding: str = "utf8"):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, encoding=encoding) as fh:
        names = fh.readline().rstrip("\n").split(",")
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=encoding),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    )


def _csv(rubric: civscore.Rubric, frame, folder: Path) -> None:
    path = folder / "d.csv"
    _write_csv(frame, path)
    gbk = folder / "d_gbk.csv"
    # a 组 label in Chinese makes the GBK file really GBK (not ASCII)
    text = path.read_text(encoding="utf-8").replace("\nU", "\n社区U")
    gbk.write_bytes(text.encode("gbk"))
    size = path.stat().st_size / 2**20
    bare = _median(lambda: _bare_csv(path))
    ours = _median(lambda: read_data(path, rubric))
    ours_gbk = _median(lambda: read_data(gbk, rubric))
    # pyarrow decodes a legacy encoding itself (ReadOptions.encoding): the same file read bare
    bare_gbk = _median(lambda: _bare_csv(gbk, "gb18030"))
    print(f"CSV {UNITS:,} x {COLUMNS} ({size:.0f} MiB): pyarrow bare {bare:.2f} s")
    print(f"  read_data UTF-8 {ours:.2f} s = {ours / bare:.2f}x bare")
    print(
        f"  read_data GBK   {ours_gbk:.2f} s = {ours_gbk / bare_gbk:.2f}x pyarrow bare on the GBK file "
        f"({bare_gbk:.2f} s, encoding gb18030), {ours_gbk / bare:.2f}x bare on the UTF-8 file"
    )


_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def write_xlsx(frame, path: Path) -> None:
    """``frame`` as a one-sheet workbook: text through the shared-string table, as Excel saves it."""
    from xml.sax.saxutils import escape

    import pandas as pd

    strings: dict[str, int] = {}

    def shared(values) -> list[str]:
        return [str(strings.setdefault(str(v), len(strings))) for v in values]

    rows_n = len(frame)
    numbers = np.arange(2, rows_n + 2).astype(str)
    columns = []
    for j, name in enumerate(frame.columns, start=1):
        col = frame[name]
        letter = excel_column(j)
        present = col.notna().to_numpy()
        cells = np.full(rows_n, "", dtype=object)
        if pd.api.types.is_numeric_dtype(col.dtype):
            values = col.to_numpy()[present].astype(float)
            whole = values == np.floor(values)  # Excel writes 2, not 2.0
            text = np.where(whole, values.astype(np.int64).astype(str), values.astype(str))
            cells[present] = [f'<c r="{letter}{n}"><v>{v}</v></c>' for n, v in zip(numbers[present], text)]
        else:
            ids = shared(col[present])
            cells[present] = [f'<c r="{letter}{n}" t="s"><v>{v}</v></c>' for n, v in zip(numbers[present], ids)]
        columns.append(cells)
    header = "".join(
        f'<c r="{excel_column(j)}1" t="s"><v>{strings.setdefault(str(name), len(strings))}</v></c>'
        for j, name in enumerate(frame.columns, start=1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for part, text in _PARTS.items():
            book.writestr(part, text)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(f'<row r="1">{header}</row>'.encode())
            for i, cells in enumerate(zip(*columns), start=2):
                sheet.write(f'<row r="{i}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        table = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        book.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{table}</sst>',
        )


def _bare_xlsx(path: Path):
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_index(0).to_python()
    finally:
        book.close()


def _xlsx(rubric: civscore.Rubric, frame, folder: Path) -> None:
    path = folder / "d.xlsx"
    start = time.perf_counter()
    write_xlsx(frame, path)
    wrote = time.perf_counter() - start
    with zipfile.ZipFile(path) as book:
        xml = book.getinfo("xl/worksheets/sheet1.xml").file_size / 2**20
    bare = _median(lambda: _bare_xlsx(path))
    ours = _median(lambda: read_data(path, rubric))
    print(f"XLSX {UNITS:,} x {COLUMNS} (sheet XML {xml:.0f} MiB, written in {wrote:.0f} s): calamine bare {bare:.2f} s")
    print(f"  read_data {ours:.2f} s = {ours / bare:.2f}x bare")


def _setup(folder: Path) -> None:
    import synthetic

    from civscore.validation.check import check

    rubric = synthetic.make_rubric(100)
    memory = synthetic.make_data(rubric, 100)
    path = folder / "setup.csv"
    _write_csv(memory, path)
    for what, data in (("in memory", memory), ("read from CSV", read_data(path, rubric))):
        check(data, rubric)  # warm-up: imports, first calls
        took = _median(lambda data=data: check(data, rubric), runs=15)
        print(f"check() set-up, 100 units x 100 indicators {what}: {took * 1e3:.1f} ms (goal < 20 ms)")


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp))
    rubric, frame = _frame()
    with tempfile.TemporaryDirectory() as tmp:
        _csv(rubric, frame, Path(tmp))
        _xlsx(rubric, frame, Path(tmp))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
