"""XLSX: the ranking workbook (result, points, rubric, 说明) and plain one-sheet tables, via xlsxwriter."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd

from civscore.rubric.model import Rubric
from civscore.scoring.scored import Scored
from civscore.tables.result_sheets import about_table, column_glossary, indicator_points_table, rubric_table
from civscore.writers.safe_text import neutralise, neutralise_frame

SUFFIX = ".xlsx"
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def write_table(table: pd.DataFrame, tmp: Path, sheet: str | None = None) -> None:
    """One sheet holding ``table``, text kept as text (never a formula, URL or number)."""
    with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as xw:
        add_sheet(xw, table, sheet or "Sheet1")


def write_result(result: Scored, tmp: Path) -> None:
    """The ranking workbook: the result table first, then points, the rubric and an about sheet."""
    _write_workbook(result, tmp)


def display_width(text: object) -> int:
    """Width of text in a spreadsheet cell: East Asian wide characters count twice."""
    s = str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def add_sheet(
    writer: pd.ExcelWriter,
    table: pd.DataFrame,
    name: str,
    number_format: str = "0.00",
    freeze_columns: int = 0,
) -> object:
    """Add ``table`` as a sheet with a bold frozen header, fitted widths and formula-safe text."""
    safe = neutralise_frame(table)
    safe.to_excel(writer, sheet_name=name, index=False)
    book = writer.book
    sheet = writer.sheets[name]
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9D9D9", "border": 1})
    numbers = book.add_format({"num_format": number_format})
    total_width = 0.0
    for j, col in enumerate(safe.columns):
        sheet.write_string(0, j, str(col), header)
        sample = safe[col].head(2000)
        widest = max([display_width(col), *(display_width(v) for v in sample if pd.notna(v))], default=6)
        is_float = pd.api.types.is_float_dtype(safe[col].dtype)
        width = min(max(widest, 6) + 2, 60) if not is_float else max(display_width(col), 8) + 2
        sheet.set_column(j, j, width, numbers if is_float else None)
        total_width += width
    sheet.freeze_panes(1, freeze_columns)
    if len(safe):
        sheet.autofilter(0, 0, len(safe), max(len(safe.columns) - 1, 0))
    _print_setup(sheet, total_width)
    return sheet


# Wider than this (in character widths) a sheet fitted to one page's width prints too small to read.
PRINT_FIT_WIDTH = 260


def _print_setup(sheet, total_width: float) -> None:
    # Offices print rankings on A4: landscape, the header row repeated on every page, and one page
    # wide when that still leaves the text readable.
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.repeat_rows(0)
    sheet.center_horizontally()
    if total_width <= PRINT_FIT_WIDTH:
        sheet.fit_to_pages(1, 0)


def _write_workbook(result: Scored, path: Path) -> None:
    rubric = result.rubric
    table = result.table
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as xw:
        id_pos = list(table.columns).index(rubric.unit.id_column)
        name_cols = 1 if rubric.unit.name_column else 0
        sheet = add_sheet(xw, table, "排名", freeze_columns=id_pos + 1 + name_cols)
        _style_ranking(xw.book, sheet, table, rubric)
        _explain_headers(sheet, table, rubric)
        add_sheet(xw, indicator_points_table(result), "指标得分", freeze_columns=1)
        add_sheet(xw, rubric_table(rubric), "测评体系")
        add_sheet(xw, about_table(result), "说明")


def _style_ranking(book, sheet, table: pd.DataFrame, rubric: Rubric) -> None:
    n = len(table)
    if not n:
        return
    cols = list(table.columns)
    j = cols.index("total")
    # white-to-green scale reads in black-and-white print as light-to-dark
    sheet.conditional_format(1, j, n, j, {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#63BE7B"})
    tier_j = cols.index("tier")
    shades = ["#C6EFCE", "#DDEBF7", "#FFF2CC", "#FCE4D6", "#F2F2F2"]
    for tier, shade in zip(rubric.tiers, shades + shades[-1:] * len(rubric.tiers)):
        fmt = book.add_format({"bg_color": shade})
        literal = '"' + neutralise(tier.name).replace('"', '""') + '"'
        sheet.conditional_format(
            1, tier_j, n, tier_j, {"type": "cell", "criteria": "==", "value": literal, "format": fmt}
        )
    disq = book.add_format({"font_color": "#9C0006", "bold": True})
    dj = cols.index("disqualified")
    sheet.conditional_format(1, dj, n, dj, {"type": "cell", "criteria": "==", "value": "TRUE", "format": disq})
    rank_fmt = book.add_format({"num_format": "0", "align": "center"})
    for k, col in enumerate(cols):
        if col == "rank" or col.startswith("rank_in_"):
            sheet.set_column(k, k, max(display_width(col), 6) + 2, rank_fmt)
    pct = book.add_format({"num_format": "0.0%"})
    cj = cols.index("coverage")
    sheet.set_column(cj, cj, 10, pct)


def _explain_headers(sheet, table: pd.DataFrame, rubric: Rubric) -> None:
    # English contract headers (rank, total, ...) get their Chinese meaning as a hover note.
    for j, text in enumerate(column_glossary(table, rubric).values()):
        if text:
            sheet.write_comment(0, j, neutralise(text), {"x_scale": 2, "y_scale": 0.8})
