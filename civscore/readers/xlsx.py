"""Excel workbooks as offices make them: several sheets, title rows, two-row headers, merged cells.

The first visible sheet holding a table is read (contract section 6), or the one ``--sheet``
names; sheets left unread are named in a note. ``--sheet '*'`` stacks every visible sheet with
the same header (one sheet per 街道).

Read with openpyxl in read-only (streaming) mode, with the stored sheet dimension ignored
(``reset_dimensions``): a stale ``<dimension>`` would cut rows off, a huge one would pad every row
to 16,384 cells. What streaming does not give — merged ranges, hidden rows and columns — is read
from the sheet's XML with one bounded regular-expression pass. (python-calamine reads faster, but
turns error cells such as ``#DIV/0!`` into blanks, i.e. silently into missing values.)

The result is one frame of cells; what the reader had to interpret is in ``frame.attrs``:
``notes`` (said, not wrong: "read row 3 as the header"), ``problems`` (structural problems, given
to the validation report with the cell-level ones), ``merged`` (merged ranges in the data rows),
``origin`` (a :class:`~civscore.readers.origin.RowOrigin`: the sheet and row each row came from).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from civscore.errors import DataError
from civscore.readers.origin import RowOrigin
from civscore.readers.safety import _OLE_MAGIC, MAX_DATA_BYTES, _unpacked_size, damaged_xlsx
from civscore.words import say

MAX_HEADER_SEARCH = 30  # rows looked at for a title above the header
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_HIDDEN_COL = re.compile(rb'<(?:\w+:)?col\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_ATTR = {name: re.compile(rb"\b" + name + rb'="(\d+)"') for name in (b"r", b"min", b"max")}
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


@dataclass
class Merge:
    """A merged range, in 1-based spreadsheet rows and columns."""

    first_row: int
    last_row: int
    first_col: int
    last_col: int

    @property
    def ref(self) -> str:
        return f"{excel_column(self.first_col)}{self.first_row}:{excel_column(self.last_col)}{self.last_row}"


@dataclass
class SheetXml:
    """What streaming does not tell about a sheet: merges, hidden rows and columns, formulas."""

    merges: list[Merge] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)
    has_formulas: bool = False


@dataclass
class SheetTable:
    """One sheet read as a table: header names, data rows and their spreadsheet row numbers."""

    name: str
    columns: list[str]
    rows: pd.DataFrame
    row_numbers: list[int]
    header_rows: tuple[int, int]  # first and last spreadsheet row of the header
    xml: SheetXml
    problems: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# `--sheet '*'`: every visible sheet with the same header, stacked (one sheet per 街道)
ALL_SHEETS = "*"

SUFFIX = ".xlsx"
ORDER = 2
SHEETS = True  # ``sheet`` picks one of the workbook's sheets
SIZE_BOUND = False  # its unpacked size is bounded instead, when it is read


def read(path: Path, label: str, sheet: str | None = None) -> pd.DataFrame:
    """The chosen sheet's table (the first visible one by default)."""
    return _read_xlsx(path, label, sheet)


def _read_xlsx(path: Path, label: str, sheet: str | None) -> pd.DataFrame:
    _check_container(path, label)
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise DataError(
            label,
            say(
                f"不是可读的 .xlsx 文件（{type(exc).__name__}）", f"is not a readable .xlsx file ({type(exc).__name__})"
            ),
        ) from None
    try:
        tables, skipped = _read_sheets(book, path, label, sheet)
    finally:
        book.close()
    if sheet != ALL_SHEETS:
        tables = _first_table(tables, skipped)
    _unsaved_formulas(path, tables)
    return _stack(tables, skipped, label)


def _check_container(path: Path, label: str) -> None:
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
        if head.startswith(_OLE_MAGIC):
            if "EncryptedPackage".encode("utf-16-le") in head:
                raise DataError(
                    label,
                    say(
                        "是加了密码的工作簿；请在 Excel 里去掉密码（文件 → 信息 → 保护工作簿）后另存",
                        "is a password-protected workbook; remove the password in Excel (File → Info → "
                        "Protect Workbook) and save it again",
                    ),
                )
            raise DataError(
                label,
                say(
                    "是旧版 Excel 97-2003 工作簿；请在 Excel 中打开并另存为 .xlsx",
                    "is an old Excel 97-2003 workbook; open it in Excel and save it as .xlsx",
                ),
            )
        if head.startswith(b"PK\x03\x04"):
            raise DataError(label, damaged_xlsx())
        raise DataError(
            label,
            say(
                "不是有效的 .xlsx 文件（是不是旧版 .xls，或改名为 .xlsx 的 CSV？）",
                "is not a valid .xlsx file (is it an old .xls, or a CSV renamed .xlsx?)",
            ),
        )
    unpacked = _unpacked_size(path, label)
    if unpacked > MAX_DATA_BYTES:  # a small zip can unpack to gigabytes (a "zip bomb")
        raise DataError(
            label,
            say(
                f"解压后为 {unpacked:,} 字节；数据文件不能超过 {MAX_DATA_BYTES:,} 字节",
                f"unpacks to {unpacked:,} bytes; data files are limited to {MAX_DATA_BYTES:,} bytes",
            ),
        )


def _read_sheets(book, path: Path, label: str, sheet: str | None) -> tuple[list[SheetTable], list[str]]:
    names = book.sheetnames
    charts = {ws.title for ws in getattr(book, "chartsheets", [])}
    if sheet is not None and sheet != ALL_SHEETS:
        if sheet not in names:
            raise DataError(
                label,
                say(
                    f"没有名为 {sheet!r} 的工作表；现有工作表：{'、'.join(names)}",
                    f"has no sheet named {sheet!r}; its sheets are: {', '.join(names)}",
                ),
            )
        if sheet in charts:
            raise DataError(
                label,
                say(f"工作表 {sheet!r} 是图表，不是数据表", f"sheet {sheet!r} is a chart, not a table of data"),
            )
        targets = [sheet]
    else:
        visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
        targets = visible or [ws.title for ws in book.worksheets][:1]
        if not targets:
            raise DataError(label, say("没有工作表，只有图表", "has no worksheet, only charts"))
    tables, skipped = [], []
    with zipfile.ZipFile(path) as archive:
        for name in targets:
            ws = book[name]
            rows = _sheet_rows(ws, label, name)
            xml = _sheet_xml(archive, getattr(ws, "_worksheet_path", None))
            table = _table(name, rows, xml, label, required=len(targets) == 1)
            if table is None:
                skipped.append(name)
            else:
                tables.append(table)
    if not tables:  # several visible sheets, none with a table: report on the first
        ws = book[targets[0]]
        _table(targets[0], _sheet_rows(ws, label, targets[0]), SheetXml(), label, required=True)
    return tables, skipped


def _sheet_rows(ws, label: str, name: str) -> list[tuple]:
    ws.reset_dimensions()  # never trust the stored <dimension>: read the cells that are there
    try:
        return list(ws.iter_rows(values_only=True))
    except Exception as exc:  # expat, zlib, openpyxl value errors on damaged sheet XML
        raise DataError(
            label,
            say(
                f"工作表 {name!r} 的内容已损坏（{type(exc).__name__}）；请在 Excel 里打开并另存一份",
                f"sheet {name!r} is damaged ({type(exc).__name__}: {_first_line(exc)}); "
                "open the workbook in Excel and save a copy",
            ),
        ) from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:80] if text else ""


def _sheet_xml(archive: zipfile.ZipFile, part: str | None) -> SheetXml:
    if not part:
        return SheetXml()
    try:
        data = archive.read(part.lstrip("/"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return SheetXml()
    merges = [
        Merge(int(r1), int(r2), column_number(c1.decode()), column_number(c2.decode()))
        for c1, r1, c2, r2 in _MERGE.findall(data)
    ]
    found = (_ATTR[b"r"].search(m.group()) for m in _HIDDEN_ROW.finditer(data))
    hidden_rows = [int(r.group(1)) for r in found if r is not None]
    hidden_cols: list[int] = []
    for m in _HIDDEN_COL.finditer(data):
        lo, hi = _ATTR[b"min"].search(m.group()), _ATTR[b"max"].search(m.group())
        if lo and hi:
            hidden_cols.extend(range(int(lo.group(1)), min(int(hi.group(1)), 16_384) + 1))
    return SheetXml(merges, hidden_rows, hidden_cols, bool(_FORMULA_TAG.search(data)))


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _blank_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Per cell: empty, or only spaces (column by column, not cell by cell)."""
    return frame.isna() | frame.apply(lambda col: col.astype("string").str.strip().eq("").fillna(True))


def _filled(row: tuple | list) -> int:
    return sum(not _blank(v) for v in row)


def _table(name: str, rows: list[tuple], xml: SheetXml, label: str, required: bool) -> SheetTable | None:
    """Find the header of one sheet and read the rows below it; None for a sheet with no table
    (a notes sheet) unless it is the only one asked for."""
    counts = [_filled(r) for r in rows[:MAX_HEADER_SEARCH]]
    first = next((i for i, n in enumerate(counts) if n >= 2), None)
    if first is None:
        if not required:
            return None
        if not rows or not any(counts):
            raise DataError(label, say(f"工作表 {name!r} 是空的", f"sheet {name!r} is empty"))
        only = next(v for r in rows[:MAX_HEADER_SEARCH] for v in r if not _blank(v))
        raise DataError(
            label,
            say(
                f"工作表 {name!r} 只有一个单元格（{str(only)!r}），没有表头和数据",
                f"sheet {name!r} has a single cell ({str(only)!r}) and no table under it",
            ),
        )
    problems: list[dict] = []
    notes: list[str] = []
    widest = max(counts[first:])
    header = first
    if counts[first] * 2 < widest and not _two_row_start(rows, first, xml):
        # a short line of two or three cells ("填报单位：… 填报日期：…") above the real header
        header = next(i for i in range(first, len(counts)) if counts[i] * 5 >= widest * 4)
    if header > 0:
        above = [str(v).strip() for r in rows[:header] for v in r if not _blank(v)]
        if header == first and all(n <= 1 for n in counts[:header]):
            title = "；".join(above)[:60]
            notes.append(
                say(
                    f"工作表 {name!r}：第 {_span(1, header)} 行是标题（{title!r}），已从第 {header + 1} 行读取表头",
                    f"sheet {name!r}: {_rows(1, header)} {'is a title' if header == 1 else 'are a title'} "
                    f"({title!r}); read row {header + 1} as the header",
                )
            )
        else:
            problems.append(
                _sheet_problem(
                    name,
                    header + 1,
                    rule=say(
                        f"表头上方的第 {_span(1, header)} 行不像标题（有多个单元格）；请删除这些行，让列名在第 1 行"
                        f"（这次按第 {header + 1} 行是表头检查了其余内容）",
                        f"{_rows(1, header)} above the header {'is' if header == 1 else 'are'} not a plain title "
                        f"(several cells); delete {'it' if header == 1 else 'them'} so that the column names are in "
                        "row 1 (the rest was checked with row "
                        f"{header + 1} as the header)",
                    ),
                )
            )
    top = list(rows[header])
    width = max(len(r) for r in rows[header : header + 50])
    top += [None] * (width - len(top))
    body_start = header + 1
    names = [None if _blank(v) else str(v).strip() for v in top]
    merged_top = [m for m in xml.merges if m.first_row == header + 1]
    second = list(rows[header + 1]) + [None] * width if header + 1 < len(rows) else [None] * width
    second = second[:width]
    if merged_top and _header_like(second) and _filled(second) >= 1:
        # two header rows: group headings merged over several columns (or names merged over both
        # rows), the column names in the second row
        for m in merged_top:
            for j in range(m.first_col, min(m.last_col, width) + 1):
                if names[j - 1] is None:
                    names[j - 1] = names[m.first_col - 1]
        combined = [str(s).strip() if not _blank(s) else t for s, t in zip(second, names)]
        if len(set(n for n in combined if n)) == sum(1 for n in combined if n):
            names = combined
            body_start = header + 2
            notes.append(
                say(
                    f"工作表 {name!r}：第 {header + 1}–{header + 2} 行是两行表头（合并单元格）；"
                    f"列名取自第 {header + 2} 行，"
                    f"该行为空处取第 {header + 1} 行",
                    f"sheet {name!r}: rows {header + 1}–{header + 2} are a two-row header (merged cells); column names "
                    f"are taken from row {header + 2}, or from row {header + 1} where the cell below is empty",
                )
            )
        else:
            problems.append(
                _sheet_problem(
                    name,
                    header + 1,
                    rule=say(
                        f"第 {header + 1}–{header + 2} 行是两行表头，合并后列名有重复；"
                        "请改成一行表头，每列一个不同的名字",
                        f"rows {header + 1}–{header + 2} are a two-row header whose names repeat once combined; "
                        "make it one header row with a different name for every column",
                    ),
                )
            )
            body_start = header + 2
    while names and names[-1] is None:
        names.pop()
    width = len(names)
    columns = _column_names(names, name, header + 1, problems)
    # cut every row to the header's width first: one stray cell in column XFD would otherwise
    # widen the whole block to 16,384 columns
    block = pd.DataFrame([tuple(r[:width]) + (None,) * (width - len(r)) for r in rows[body_start:]], dtype=object)
    block = block.reindex(columns=range(width))
    block.columns = columns
    # blank rows are not units; the others keep their own row numbers (whole columns at a time)
    keep = ~_blank_cells(block).all(axis=1) if len(block) else np.zeros(0, bool)
    body = block[keep].reset_index(drop=True)
    numbers = (np.flatnonzero(keep) + body_start + 1).tolist()
    return SheetTable(name, columns, body, numbers, (header + 1, body_start), xml, problems, notes)


def _two_row_start(rows: list[tuple], first: int, xml: SheetXml) -> bool:
    """Row ``first`` opens a two-row header: it has merged cells and the row below holds names."""
    if first + 1 >= len(rows) or not any(m.first_row == first + 1 for m in xml.merges):
        return False
    below = list(rows[first + 1])
    return _header_like(below) and _filled(below) >= 2


def _sheet_problem(sheet: str, row_number: int, rule: str, column: str | None = None, value: object = None) -> dict:
    """A structural problem at a spreadsheet row (not a frame position), for the report."""
    return dict(sheet=sheet, row_number=row_number, column=column, value=value, rule=rule)


def _header_like(row: list) -> bool:
    """A second header row holds names: text only, no numbers, yes/no or dates."""
    return all(_blank(v) or isinstance(v, str) for v in row)


def _column_names(names: list[str | None], sheet: str, row: int, problems: list[dict]) -> list[str]:
    """Names for every column; a missing or repeated name is a problem and gets a stand-in."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for j, name in enumerate(names, start=1):
        letter = excel_column(j)
        if name is None:
            problems.append(
                _sheet_problem(
                    sheet,
                    row,
                    column=letter,
                    rule=say(
                        "表头单元格没有列名（合并的表头单元格？请给每一列一个单独的一行表头）",
                        "header cell without a name (merged header cells? give every column its own one-row header)",
                    ),
                )
            )
            name = f"({letter})"
        elif name in seen:
            problems.append(
                _sheet_problem(
                    sheet,
                    row,
                    column=letter,
                    value=name,
                    rule=say(
                        f"列名与第 {excel_column(seen[name])} 列重复；每一列都需要不同的名字",
                        f"the same column name as column {excel_column(seen[name])}; every column needs its own name",
                    ),
                )
            )
            name = f"{name} ({letter})"
        else:
            seen[name] = j
        out.append(name)
    return out


def _rows(first: int, last: int) -> str:
    return f"row {first}" if first == last else f"rows {first}–{last}"


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _first_table(tables: list[SheetTable], skipped: list[str]) -> list[SheetTable]:
    """Contract section 6 reads the first sheet of a workbook unless ``--sheet`` names another. The
    other visible sheets are not read, but never silently: a sheet with the same header looks like
    more units (one sheet per 街道), and the note says how to read them all."""
    first, rest = tables[0], tables[1:]
    same = [t for t in rest if set(t.columns) == set(first.columns)]
    other = [t for t in rest if t not in same]
    if same:
        first.notes.insert(
            0,
            say(
                f"只读取了第一张工作表 {first.name!r}（{len(first.rows)} 行）；"
                f"另有 {len(same)} 张表头相同的工作表未读取："
                + "，".join(f"{t.name!r}（{len(t.rows)} 行）" for t in same)
                + f"。要把各表合并读取，请加 --sheet '{ALL_SHEETS}'；只读其中一张，请加 --sheet 表名",
                f"read only the first sheet {first.name!r} ({len(first.rows)} row(s)); {len(same)} more sheet(s) with "
                "the same header were not read: "
                + ", ".join(f"{t.name!r} ({len(t.rows)} row(s))" for t in same)
                + f". To read them all, stacked, add --sheet '{ALL_SHEETS}'; to read one of them, --sheet NAME",
            ),
        )
    if other:
        first.notes.append(
            say(
                "未读取表头不同的工作表：" + "，".join(repr(t.name) for t in other),
                "not read, their header differs: " + ", ".join(repr(t.name) for t in other),
            )
        )
    skipped.clear()  # only the first sheet was asked for: the sheets without a table do not matter
    return [first]


def _stack(tables: list[SheetTable], skipped: list[str], label: str) -> pd.DataFrame:
    """One frame of every table sheet, in workbook order; sheets with other columns are refused."""
    first = tables[0]
    problems = [p for t in tables for p in t.problems]
    notes = [n for t in tables for n in t.notes]
    parts, used = [], []
    for t in tables:
        if t is not first and set(t.columns) != set(first.columns):
            missing = [c for c in first.columns if c not in t.columns]
            extra = [c for c in t.columns if c not in first.columns]
            detail = "; ".join(
                part
                for part in (
                    say(f"缺少 {', '.join(missing)}", f"lacks {', '.join(missing)}") if missing else "",
                    say(f"多出 {', '.join(extra)}", f"has {', '.join(extra)} besides") if extra else "",
                )
                if part
            )
            problems.append(
                _sheet_problem(
                    t.name,
                    t.header_rows[0],
                    rule=say(
                        f"这张表的列与工作表 {first.name!r} 不同（{detail}）；各表的表头必须相同，"
                        "或用 --sheet 只读一张表",
                        f"its columns differ from sheet {first.name!r}'s ({detail}); every sheet needs the same "
                        "header row, or pick one sheet with --sheet",
                    ),
                )
            )
            continue
        frame = t.rows
        parts.append(frame[first.columns] if t.columns != first.columns else frame)
        used.append(t)
    if len(tables) > 1 or skipped:
        counts = "，".join(f"{t.name!r} {len(t.rows)} 行" for t in used)
        counts_en = ", ".join(f"{t.name!r} ({len(t.rows)} row(s))" for t in used)
        notes.insert(
            0,
            say(
                f"读取了 {len(used)} 张工作表：{counts}"
                + (f"；跳过没有表格的 {', '.join(map(repr, skipped))}" if skipped else ""),
                f"read {len(used)} sheet(s): {counts_en}"
                + (f"; skipped {', '.join(map(repr, skipped))} (no table)" if skipped else ""),
            ),
        )
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    merged: list[dict] = []
    for t in used:
        notes.extend(_hidden_notes(t))
        merged.extend(_data_merges(t))
    frame.attrs["origin"] = RowOrigin(
        np.concatenate([np.asarray(t.row_numbers, dtype=np.int64) for t in used]),
        np.concatenate([np.full(len(t.rows), k, dtype=np.int32) for k, t in enumerate(used)]),
        tuple(t.name for t in used),
    )
    frame.attrs["problems"] = problems
    frame.attrs["notes"] = notes
    frame.attrs["merged"] = merged
    return frame


def _hidden_notes(t: SheetTable) -> list[str]:
    notes = []
    data_rows = set(t.row_numbers)
    rows = sorted(r for r in set(t.xml.hidden_rows) if r in data_rows)
    if rows:
        shown = ", ".join(map(str, rows[:20])) + (" ..." if len(rows) > 20 else "")
        notes.append(
            say(
                f"工作表 {t.name!r}：第 {shown} 行在 Excel 里是隐藏的，已和其他行一样读取（共 {len(rows)} 行）",
                f"sheet {t.name!r}: hidden in Excel, read like the others: {len(rows)} row(s), {shown}",
            )
        )
    cols = sorted(c for c in set(t.xml.hidden_cols) if c <= len(t.columns))
    if cols:
        shown = ", ".join(f"{excel_column(c)} ({t.columns[c - 1]})" for c in cols)
        notes.append(
            say(
                f"工作表 {t.name!r}：第 {shown} 列在 Excel 里是隐藏的，已和其他列一样读取",
                f"sheet {t.name!r}: hidden in Excel, read like the others: column(s) {shown}",
            )
        )
    return notes


def _data_merges(t: SheetTable) -> list[dict]:
    """Merged ranges below the header, one entry per column they cover."""
    if not t.row_numbers:
        return []
    body_first, body_last = t.row_numbers[0], t.row_numbers[-1]
    out = []
    for m in t.xml.merges:
        if m.last_row < body_first or m.first_row > body_last or m.first_row == m.last_row:
            continue  # side-by-side merges in one row change no row's value
        for j in range(m.first_col, min(m.last_col, len(t.columns)) + 1):
            out.append(
                dict(
                    sheet=t.name,
                    column=t.columns[j - 1],
                    first_row=max(m.first_row, body_first),
                    last_row=m.last_row,
                    ref=m.ref,
                )
            )
    return out


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def excel_column(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def _unsaved_formulas(path: Path, tables: list[SheetTable]) -> None:
    """Formulas whose result was never saved are problems: openpyxl reads them as blanks.

    Excel saves every formula's last result; files written by scripts often do not, and such a
    cell would silently become a missing value. The second, formula-reading pass runs only for
    sheets that have formulas at all, and looks only at their blank cells.
    """
    todo = [t for t in tables if t.xml.has_formulas and _blank_cells(t.rows).to_numpy().any()]
    if not todo:
        return
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for t in todo:
            ws = book[t.name]
            ws.reset_dimensions()
            wanted = {n: i for i, n in enumerate(t.row_numbers)}
            hits = []
            for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                i = wanted.get(number)
                if i is None:
                    continue
                for j, v in enumerate(cells[: len(t.columns)]):
                    is_formula = (isinstance(v, str) and v.startswith("=")) or type(v).__name__.endswith("Formula")
                    if is_formula and _blank(t.rows.iat[i, j]):
                        hits.append(
                            (number, t.columns[j], v if isinstance(v, str) else say("数组公式", "an array formula"))
                        )
            for number, column, formula in hits:
                t.problems.append(
                    _sheet_problem(
                        t.name,
                        number,
                        column=column,
                        rule=say(
                            f"公式 {formula} 没有保存计算结果；请在 Excel 里打开并保存，或粘贴为数值",
                            f"the formula {formula} has no saved result; open the file in Excel and save it, "
                            "or paste the values in",
                        ),
                    )
                )
    finally:
        book.close()
