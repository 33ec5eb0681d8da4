"""How a sheet's cells become a table: the header found under titles, two-row headers, blank rows
dropped, sheets stacked, and the notes and problems that say what was interpreted.

Works on :class:`~civscore.readers.xlsx_cells.Cells` (python-calamine's rectangle or openpyxl's
rows alike), so the layout rules are the same whichever reader read the values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civscore.errors import DataError
from civscore.readers.origin import RowOrigin
from civscore.readers.xlsx_cells import Cells
from civscore.readers.xlsx_xml import SheetXml, excel_column
from civscore.words import say

MAX_HEADER_SEARCH = 30  # rows looked at for a title above the header
# `--sheet '*'`: every visible sheet with the same header, stacked (one sheet per 街道)
ALL_SHEETS = "*"


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


def is_blank(v: object) -> bool:
    """An empty cell, or text of only spaces."""
    return v is None or (isinstance(v, str) and not v.strip())


def blank_cells(frame: pd.DataFrame) -> np.ndarray:
    """Per cell: empty, or text of only spaces (whole arrays; only the columns holding text are
    searched for spaces)."""
    blank = pd.isna(frame.to_numpy(dtype=object))
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        if pd.api.types.infer_dtype(col, skipna=True) in _MAY_HOLD_TEXT:
            blank[:, j] |= col.str.strip().eq("").to_numpy(dtype=bool, na_value=False)
    return blank


_MAY_HOLD_TEXT = frozenset({"string", "mixed", "mixed-integer"})  # types pandas infers for columns with text


def _filled(row: tuple | list) -> int:
    return sum(not is_blank(v) for v in row)


def table(name: str, rows: Cells, xml: SheetXml, label: str, required: bool) -> SheetTable | None:
    """Find the header of one sheet and read the rows below it; None for a sheet with no table
    (a notes sheet) unless it is the only one asked for."""
    counts = [_filled(rows.row(i)) for i in range(min(len(rows), MAX_HEADER_SEARCH))]
    first = next((i for i, n in enumerate(counts) if n >= 2), None)
    if first is None:
        if not required:
            return None
        if not len(rows) or not any(counts):
            raise DataError(label, say(f"工作表 {name!r} 是空的", f"sheet {name!r} is empty"))
        only = next(v for i in range(len(counts)) for v in rows.row(i) if not is_blank(v))
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
        above = [str(v).strip() for i in range(header) for v in rows.row(i) if not is_blank(v)]
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
                sheet_problem(
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
    top = rows.row(header)
    width = rows.width(header, header + 50)
    top = top[:width]
    top += [None] * (width - len(top))
    body_start = header + 1
    names = [None if is_blank(v) else str(v).strip() for v in top]
    merged_top = [m for m in xml.merges if m.first_row == header + 1]
    second = rows.row(header + 1)[:width] + [None] * width if header + 1 < len(rows) else [None] * width
    second = second[:width]
    if merged_top and _header_like(second) and _filled(second) >= 1:
        # two header rows: group headings merged over several columns (or names merged over both
        # rows), the column names in the second row
        for m in merged_top:
            for j in range(m.first_col, min(m.last_col, width) + 1):
                if names[j - 1] is None:
                    names[j - 1] = names[m.first_col - 1]
        combined = [str(s).strip() if not is_blank(s) else t for s, t in zip(second, names)]
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
                sheet_problem(
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
    block = rows.block(body_start, width)
    block.columns = columns
    # blank rows are not units; the others keep their own row numbers (whole columns at a time)
    keep = ~blank_cells(block).all(axis=1) if len(block) else np.zeros(0, bool)
    body = block.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    numbers = (np.flatnonzero(keep) + body_start + 1).tolist()
    return SheetTable(name, columns, body, numbers, (header + 1, body_start), xml, problems, notes)


def _two_row_start(rows: Cells, first: int, xml: SheetXml) -> bool:
    """Row ``first`` opens a two-row header: it has merged cells and the row below holds names."""
    if first + 1 >= len(rows) or not any(m.first_row == first + 1 for m in xml.merges):
        return False
    below = rows.row(first + 1)
    return _header_like(below) and _filled(below) >= 2


def sheet_problem(sheet: str, row_number: int, rule: str, column: str | None = None, value: object = None) -> dict:
    """A structural problem at a spreadsheet row (not a frame position), for the report."""
    return dict(sheet=sheet, row_number=row_number, column=column, value=value, rule=rule)


def _header_like(row: list) -> bool:
    """A second header row holds names: text only, no numbers, yes/no or dates."""
    return all(is_blank(v) or isinstance(v, str) for v in row)


def _column_names(names: list[str | None], sheet: str, row: int, problems: list[dict]) -> list[str]:
    """Names for every column; a missing or repeated name is a problem and gets a stand-in."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for j, name in enumerate(names, start=1):
        letter = excel_column(j)
        if name is None:
            problems.append(
                sheet_problem(
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
                sheet_problem(
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


def first_table(tables: list[SheetTable], skipped: list[str]) -> list[SheetTable]:
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


def stack(tables: list[SheetTable], skipped: list[str], label: str) -> pd.DataFrame:
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
                sheet_problem(
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
