"""Workbooks as values: what a sheet shows and how it prints, decided here; writers/xlsx.py only writes.

A producer (the 通报 ranking, the 整改清单, the comparison) returns a :class:`Workbook` of
:class:`Sheet` values. Keeping the decisions (headers, title lines, which rows are vetoed, which
columns repeat on every printed page) in plain data makes them testable without opening a file,
and lets the .docx writer reuse the same tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

# Without an issuing body (argument, using_issuer or CIVSCORE_ISSUER) the line is left to be filled in by hand:
# printing a made-up office name on a hand-out would be worse than a blank.
BLANK_ISSUER = "＿＿＿＿＿＿＿＿"


@dataclass(frozen=True)
class Sheet:
    """One sheet: a table plus everything a reader sees around it.

    ``kind`` is ``"handout"`` for sheets meant to be printed and handed out (title, notes,
    page footer, fitted widths, wrapped text, header rows and the first ``key_columns``
    columns on every printed page) or ``"data"`` for machine-readable sheets (one header row,
    autofilter, nothing above the table). ``flagged`` marks rows (vetoed units) that print in
    a distinct colour and bold whatever their numbers; ``band`` alternates a light shade by
    unit so that a unit's several rows read as one block.
    """

    name: str
    table: pd.DataFrame
    kind: str = "handout"
    title: str = ""
    notes: tuple[str, ...] = ()
    spanners: tuple[tuple[str, tuple[str, ...]], ...] = ()
    widths: dict[str, float] = field(default_factory=dict)
    wrap: frozenset[str] = frozenset()
    number_formats: dict[str, str] = field(default_factory=dict)
    flagged: np.ndarray | None = None
    band: np.ndarray | None = None
    key_columns: int = 1
    landscape: bool = True
    header_notes: dict[str, str] = field(default_factory=dict)
    autofilter: bool = False  # a hand-out sheet people also sort and filter (data sheets always are)


@dataclass(frozen=True)
class Workbook:
    """Sheets in order; the first is the one a reader sees on opening the file."""

    sheets: tuple[Sheet, ...]

    def names(self) -> list[str]:
        return [s.name for s in self.sheets]


def issue_date(on: date | None = None) -> date:
    """The date printed on hand-outs: ``on``, else SOURCE_DATE_EPOCH (reproducible builds), else today."""
    if on is not None:
        return on
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).date()
    return date.today()


_issuer: ContextVar[str | None] = ContextVar("civscore_issuer", default=None)


@contextmanager
def using_issuer(issuer: str | None) -> Iterator[None]:
    """Every hand-out written inside the ``with`` block names ``issuer`` as its 制表单位, over
    CIVSCORE_ISSUER (``civscore ... --issuer``); None or blank changes nothing. Kept like the
    message language (a context variable), so that the writers need no issuer argument each:
    it is read where a hand-out is built, in the calling thread."""
    token = _issuer.set(issuer.strip() if issuer and issuer.strip() else _issuer.get())
    try:
        yield
    finally:
        _issuer.reset(token)


def issuer_name(issuer: str | None = None) -> str:
    """The issuing body (制表单位): ``issuer``, else the one of :func:`using_issuer`, else
    CIVSCORE_ISSUER, else a blank to fill in by hand."""
    chosen = (issuer or "").strip() or _issuer.get() or os.environ.get("CIVSCORE_ISSUER", "").strip()
    return chosen or BLANK_ISSUER


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def issue_line(issuer: str | None = None, on: date | None = None) -> str:
    """The line under a hand-out's title: 制表单位 and 制表日期."""
    return f"制表单位：{issuer_name(issuer)}　　制表日期：{chinese_date(issue_date(on))}"


def unit_bands(first_column: pd.Series) -> np.ndarray:
    """Alternating 0/1 per run of equal values (a unit's rows), for shading blocks of rows."""
    values = first_column.to_numpy()
    if not len(values):
        return np.zeros(0, dtype=bool)
    starts = np.r_[True, values[1:] != values[:-1]]
    return np.cumsum(starts) % 2 == 0


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, none of []:*?/\\); adds it to ``taken``."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(text)).strip("'") or "未分组"
    # Excel refuses a name that starts or ends with an apostrophe, also when the cut makes one
    name = clean[:31].rstrip("'") or "未分组"
    i = 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f"({i})"
        name = clean[: 31 - len(suffix)].rstrip("'") + suffix
        i += 1
    taken.add(name)
    return name


__all__ = [
    "Sheet",
    "Workbook",
    "chinese_date",
    "issue_date",
    "issue_line",
    "issuer_name",
    "sheet_name",
    "unit_bands",
    "using_issuer",
]
