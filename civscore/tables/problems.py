"""The files people open to fix their data: the problem list (``--problems``) and the candidate
sheet (``civscore extract``), with headers and sheet names in the language of messages.

An .xlsx file is read by people, so its headers are Chinese by default (English with
``--lang en``); a .csv or .parquet file is read by programs too, and keeps the machine names of
the contract's problem table (file, sheet, row, unit, column, value, rule) in every language.
The candidate sheet's columns are the rubric's own column names (read back by ``civscore
score``), so only its sheet name follows the language.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civscore.tables.book import Sheet, Workbook
from civscore.words import language, say

PROBLEM_HEADERS = {
    "file": "文件",
    "sheet": "工作表",
    "row": "行号",
    "unit": "单位",
    "column": "列",
    "value": "填写内容",
    "rule": "规则",
    "table": "记录表",  # problems of record tables (rubric-contract section 8)
}


def problem_headers(problems: pd.DataFrame) -> pd.DataFrame:
    """The problem table with the headers readers see: Chinese, or the machine names in English."""
    return problems if language() == "en" else problems.rename(columns=PROBLEM_HEADERS)


def write_problems(problems: pd.DataFrame, path: str | Path) -> Path:
    """Write every problem to ``path`` (.xlsx with headers in the language of messages, on a
    sheet 问题清单 / problems; .csv or .parquet with the machine names), atomically."""
    from civscore.writers.output import check_output_path, write_table
    from civscore.writers.xlsx import write_book

    if check_output_path(path) != ".xlsx":
        return write_table(problems, path, sheet="problems")
    return write_book(problems_book(problems), path)


def problems_book(problems: pd.DataFrame) -> Workbook:
    """The problem list as people print it to fix their data and filter it on screen: a title
    with the count, the text columns wrapped, one A4 landscape page wide, header on every page."""
    table = problem_headers(problems)
    text = frozenset(str(c) for c in table.columns if not pd.api.types.is_numeric_dtype(table[c].dtype))
    n = len(table)
    sheet = Sheet(
        name=say("问题清单", "problems"),
        table=table,
        title=say(f"数据问题清单（共 {n:,} 条）", f"Data problems ({n:,})"),
        wrap=text,
        key_columns=0,
        autofilter=True,
    )
    return Workbook((sheet,))


def write_candidates(sheet: pd.DataFrame, path: str | Path) -> Path:
    """Write a candidate sheet (:func:`civscore.candidate_sheet`) to ``path``, atomically; an
    .xlsx names its sheet 候选数据 (candidates with ``--lang en``)."""
    from civscore.writers.output import write_table

    return write_table(sheet, path, sheet=say("候选数据", "candidates"))


__all__ = ["PROBLEM_HEADERS", "problem_headers", "problems_book", "write_candidates", "write_problems"]
