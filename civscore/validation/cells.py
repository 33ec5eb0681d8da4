"""Parsing cells into what the rubric needs: numbers, yes/no, labels; which cells are missing or bad.

Cells are parsed once per column (:class:`ColumnCache`) and the parsed columns are reused by scoring.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from civscore.validation.arrow_text import (
    arrow_text,
    as_string,
    drop_characters,
    empty_cells,
    holding,
    nfkc,
    on_cells,
    to_numbers,
)
from civscore.words import say

# The one "no value" vocabulary (docs/guarantees.md), the same for CSV, XLSX and Parquet text.
# Compared after trimming and lower-casing. Dashes and slashes of every width are what offices
# type into a cell they have nothing for; `无` is not here: it means 0 in a count column (below)
# and "no" in a yes/no column, and is a problem anywhere else.
MISSING_WORDS = frozenset(
    {"", "na", "n/a", "#n/a", "null", "nan", "none", "缺失", "/", "／", "-", "－", "--", "—", "——", "–", "―"}
)
# 无 in a column read by a count or deduction indicator: "none of them", i.e. 0.
NONE_WORDS = frozenset({"无", "没有"})
# Excel's error values, as openpyxl reads them from a cell whose formula failed.
EXCEL_ERRORS = frozenset(
    {"#REF!", "#NULL!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)
# zero-width and bidirectional marks, soft hyphen, BOM, control characters: never part of an id
_INVISIBLE = r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\x00-\x1f\x7f-\x9f]"
TRUE_WORDS = frozenset({"true", "1", "1.0", "是", "有", "yes"})
FALSE_WORDS = frozenset({"false", "0", "0.0", "否", "无", "no"})
# a cell reading exactly this (after trimming): the indicator does not apply to that unit (section 9)
NOT_APPLICABLE = "不适用"


@dataclass
class Parsed:
    """A column parsed into what the rubric needs: values, which cells are missing, which are bad."""

    values: np.ndarray
    missing: np.ndarray
    bad: np.ndarray
    codes: np.ndarray | None = None  # text only: index into `labels` per cell, -1 if missing
    labels: np.ndarray | None = None
    # cells reading 不适用: neither missing nor bad; their value is NaN / None
    not_applicable: np.ndarray | None = None

    @property
    def na(self) -> np.ndarray:
        """The 不适用 cells (all False when there are none)."""
        return self.not_applicable if self.not_applicable is not None else np.zeros(len(self.missing), bool)

    def method_input(self) -> np.ndarray | pd.Categorical:
        """The values as a scoring method takes them: a text column as a Categorical of the labels
        coded here, so no method hashes 200,000 strings a second time; numbers as they are."""
        if self.codes is None or self.labels is None:
            return self.values
        return pd.Categorical.from_codes(self.codes, pd.Index(self.labels))


def _as_text(col: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        return col.str.strip()  # already Arrow-backed text: no conversion
    return as_string(col).str.strip()


def _missing_words(text: pd.Series) -> np.ndarray:
    return (text.isna() | text.str.lower().isin(MISSING_WORDS)).to_numpy(dtype=bool, na_value=True)


def _not_applicable(text: pd.Series) -> np.ndarray:
    """Cells of trimmed text that read exactly 不适用."""
    return (text == NOT_APPLICABLE).to_numpy(dtype=bool, na_value=False)


def parse_number(col: pd.Series, none_is_zero: bool = False) -> Parsed:
    """Numbers as float64; thousands separators and full-width digits accepted; NaN if missing.

    With ``none_is_zero`` (a column of counts) 无 / 没有 read as 0.
    """
    if pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        return Parsed(values, np.isnan(values), np.zeros(len(col), bool))
    if pd.api.types.is_numeric_dtype(col.dtype):
        # float64 holds NaN for missing: its NumPy view as it is, without pandas' NA handling
        values = col.to_numpy() if col.dtype == np.float64 else col.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        bad = np.isinf(values)
        if bad.any():  # else keep NumPy's view of the column: at 1M units x 100 indicators,
            values = np.where(bad, np.nan, values)  # copying each one cost 800 MB (issue 16)
        return Parsed(values, missing, bad)
    if _is_date_dtype(col.dtype):  # pd.to_numeric would turn dates into nanoseconds since 1970
        missing = col.isna().to_numpy(dtype=bool)
        return Parsed(np.full(len(col), np.nan), missing, ~missing)
    if col.dtype == object and col.map(type).isin([bool, pd.Timestamp]).any():
        col = col.map(lambda v: str(v) if isinstance(v, (bool, pd.Timestamp)) else v)
    values = to_numbers(col)  # pd.to_numeric(errors="coerce"), through pyarrow for Arrow text
    missing = np.zeros(len(col), bool)
    na = np.zeros(len(col), bool)
    unread = np.flatnonzero(np.isnan(values))  # usually few: only these cells need text handling
    empty = empty_cells(col) if unread.size else None
    if empty is not None:  # a CSV's blank cells: missing, with nothing to trim or look up
        blank = empty[unread]
        missing[unread[blank]] = True
        unread = unread[~blank]
    if unread.size:
        text = _as_text(col.iloc[unread])
        missing[unread] = _missing_words(text)
        na[unread] = _not_applicable(text)
        if none_is_zero:
            zero = text.isin(NONE_WORDS).to_numpy(dtype=bool, na_value=False)
            values[unread[zero]] = 0.0
            missing[unread[zero]] = False
        retry = ~(missing[unread] | na[unread]) & np.isnan(values[unread])
        if retry.any():
            cleaned = text[retry].map(_clean_number_text)
            values[unread[retry]] = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = (np.isnan(values) | np.isinf(values)) & ~missing & ~na
    values[bad | missing | na] = np.nan
    return Parsed(values, missing, bad, not_applicable=na if na.any() else None)


def parse_quantity(col: pd.Series, none_is_zero: bool = False) -> Parsed:
    """A number used in arithmetic: a column that reads entirely as yes/no counts 1 / 0 instead
    (contract section 9: ``有台账 + 有制度 + 有公示``); otherwise exactly :func:`parse_number`."""
    number = parse_number(col, none_is_zero)
    if not number.bad.any():
        return number
    yes_no = parse_boolean(col)
    return yes_no if not yes_no.bad.any() else number


def _clean_number_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    if "," in text:
        head, _, tail = text.partition(".")
        groups = head.lstrip("+-").split(",")
        if groups[0] and len(groups[0]) <= 3 and all(len(g) == 3 and g.isdigit() for g in groups[1:]):
            text = head.replace(",", "") + ("." + tail if tail else "")
    return text


def parse_boolean(col: pd.Series) -> Parsed:
    """Yes/no as 1.0/0.0 (NaN if missing) from the contract's vocabulary."""
    if pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        return Parsed(values, np.isnan(values), np.zeros(len(col), bool))
    if pd.api.types.is_numeric_dtype(col.dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        bad = ~missing & (values != 0) & (values != 1)
        if bad.any():  # else keep NumPy's view of the column, as parse_number does
            values = np.where(bad, np.nan, values)
        return Parsed(values, missing, bad)
    if arrow_text(col) is not None:  # a CSV's 是/否 or 0/1: parse each distinct cell once
        raw, distinct = pd.factorize(col)
        if 0 < len(distinct) < len(col):
            return _spread(parse_boolean(pd.Series(distinct, dtype=col.dtype)), raw)
    text = _as_text(col).str.lower()
    missing = _missing_words(text)
    na = _not_applicable(text)
    values = np.full(len(col), np.nan)
    values[text.isin(TRUE_WORDS).to_numpy(dtype=bool, na_value=False)] = 1.0
    values[text.isin(FALSE_WORDS).to_numpy(dtype=bool, na_value=False)] = 0.0
    bad = np.isnan(values) & ~missing & ~na
    return Parsed(values, missing, bad, not_applicable=na if na.any() else None)


def parse_text(col: pd.Series, keep_not_applicable: bool = False) -> Parsed:
    """Labels as stripped text (None if missing); 2.0 read from Excel becomes "2".

    不适用 is a not-applicable cell, unless ``keep_not_applicable`` (a categorical map that
    scores 不适用 as a label of its own, as a v1 rubric could)."""
    if arrow_text(col) is not None:  # a CSV's grades: parse each distinct cell once, not each cell
        raw, distinct = pd.factorize(col)
        if 0 < len(distinct) < len(col):
            return _spread(parse_text(pd.Series(distinct, dtype=col.dtype), keep_not_applicable), raw)
    text = _as_text(col)
    if col.dtype == object or pd.api.types.is_float_dtype(col.dtype):
        text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    missing = _missing_words(text)
    na = np.zeros(len(col), bool) if keep_not_applicable else _not_applicable(text)
    # one hashing pass over the column; every later step works per distinct label
    codes, found = pd.factorize(text)
    codes[missing | na] = -1  # "NA", "/" ... stay among the labels but no cell points at them
    labels = np.asarray(found, dtype=object)
    values = np.append(labels, np.array([None], dtype=object))[codes]  # code -1 (missing) picks the trailing None
    return Parsed(
        values, missing, np.zeros(len(col), bool), codes=codes, labels=labels, not_applicable=na if na.any() else None
    )


def _spread(distinct: Parsed, raw: np.ndarray) -> Parsed:
    """The column whose cells are the ``distinct`` ones at ``raw`` codes (-1: a null cell).
    Each table gets one more entry for -1 to pick: a null cell is missing, with no value."""
    na = None if distinct.not_applicable is None else np.append(distinct.not_applicable, False)[raw]
    missing = np.append(distinct.missing, True)[raw]
    bad = np.append(distinct.bad, False)[raw]
    if distinct.codes is None or distinct.labels is None:  # numbers or yes/no
        values = np.append(distinct.values, np.nan)[raw]
        return Parsed(values, missing, bad, not_applicable=na if na is not None and na.any() else None)
    codes = np.append(distinct.codes, -1)[raw]
    return Parsed(
        np.append(distinct.labels, np.array([None], dtype=object))[codes],
        missing,
        bad,
        codes=codes,
        labels=distinct.labels,
        not_applicable=na if na is not None and na.any() else None,
    )


PARSERS = {"number": parse_number, "quantity": parse_quantity, "boolean": parse_boolean, "text": parse_text}


def date_rule() -> str:
    """The rule a date breaks in a number column (Excel cells formatted as dates)."""
    return say(
        "必须是数字，不能是日期（Excel 里这一列是否设成了日期格式？）",
        "must be a number, not a date (is the column formatted as a date in Excel?)",
    )


def yes_no_words(s: pd.Series) -> np.ndarray:
    """Cells that read as yes/no words (是/否, true/false, ...), not as numbers."""
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return np.zeros(len(s), bool)
    numbers = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return ~np.isnan(parse_boolean(s).values) & np.isnan(numbers)


def kind_rule(kind: str, yes_no: bool = True) -> str | None:
    """The rule a cell of this kind breaks when it cannot be read (None: text never fails);
    for a ``quantity``, ``yes_no`` says the cell is a yes/no word among numbers."""
    if kind == "number" or (kind == "quantity" and not yes_no):
        return say("必须是数字", "must be a number")
    if kind == "quantity":
        return say(
            "必须是数字（用于计算的列也可以整列都填 是/否，按 1/0 计）",
            "must be a number (a column used in arithmetic may also be yes/no throughout, counted 1/0)",
        )
    if kind == "boolean":
        return say(
            "必须填“是”或“否”（可写作 true/false、1/0、是/否、有/无 或 yes/no）",
            "must be yes/no: true/false, 1/0, 是/否, 有/无 or yes/no",
        )
    return None


def excel_errors(col: pd.Series) -> np.ndarray:
    """Cells holding an Excel error value (#REF!, #DIV/0!, ...): a formula that failed."""
    found = np.zeros(len(col), bool)
    if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        return found
    text = col if arrow_text(col) is not None else as_string(col)
    rows = holding(text, "#")  # every Excel error value starts with #: look at those cells only
    if rows.size:
        found[rows] = _as_text(text.iloc[rows]).str.upper().isin(EXCEL_ERRORS).to_numpy(dtype=bool, na_value=False)
    return found


def excel_error_rule() -> str:
    return say(
        "是 Excel 的错误值：生成它的公式出错了，请在工作簿里改正公式或填入数值",
        "is an Excel error value: the formula behind it failed; fix the formula or type the value in the workbook",
    )


def _is_date_dtype(dtype) -> bool:
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def _bad(p: Parsed, s: pd.Series, dates: bool) -> np.ndarray:
    """The bad cells that hold a date or time (Excel cells formatted as dates), or the others."""
    if _is_date_dtype(s.dtype):
        return p.bad & dates
    if not p.bad.any() or s.dtype != object:  # only object columns (from .xlsx) can hold dates
        return p.bad & (not dates)
    is_date = s.map(lambda v: isinstance(v, (datetime.date, datetime.time))).to_numpy(dtype=bool)
    return p.bad & (is_date if dates else ~is_date)


def column_kind(kinds: set[str], arithmetic: bool = False) -> str:
    """The one kind a column is read as, from the kinds its uses need; a number column that
    is an operand of arithmetic somewhere is a ``quantity`` (yes/no data count 1 / 0)."""
    if "text" in kinds:
        return "text"
    if "boolean" in kinds:
        return "boolean"
    return "quantity" if arithmetic else "number"


def rubric_kinds(rubric) -> dict[str, str]:
    """Every unit-table column the rubric reads -> the one kind it is parsed as."""
    arithmetic = rubric.arithmetic_columns()
    return {col: column_kind(ks, col in arithmetic) for col, ks in rubric.columns().items()}


def previous_kinds(rubric) -> dict[str, str]:
    """Every column read through previous(name) -> the one kind it is parsed as."""
    arithmetic = rubric.arithmetic_columns(previous=True)
    return {col: column_kind(ks, col in arithmetic) for col, ks in rubric.previous_columns().items()}


def count_columns(rubric) -> frozenset[str]:
    """Columns read bare by an indicator that counts items (count, deduction): there 无 means 0."""
    from civscore.methods import method_of
    from civscore.methods.base import PerItem

    return frozenset(
        col
        for ind in rubric.iter_indicators()
        if isinstance(method_of(ind), PerItem) and (col := ind.expression.bare_column) is not None
    )


def parse_column(col: pd.Series, kind: str, is_count: bool = False, keep_not_applicable: bool = False) -> Parsed:
    """A column parsed as ``kind``; a count column reads 无 as 0 (see NONE_WORDS)."""
    if kind == "text":
        return parse_text(col, keep_not_applicable=keep_not_applicable)
    if kind == "number":
        return parse_number(col, none_is_zero=is_count)
    if kind == "quantity":
        return parse_quantity(col, none_is_zero=is_count)
    return PARSERS[kind](col)


def parse_columns(
    cols: list[pd.Series], kind: str, is_count: bool = False, keep_not_applicable: bool = False
) -> list[Parsed]:
    """:func:`parse_column` of several columns of Arrow text of one dtype, each cell parsed as
    it would be alone, in one pass for them all: the fixed cost of a parse (a dozen pandas and
    pyarrow calls) is paid once per kind of column, not once per column (issue 16)."""
    if len(cols) == 1 or kind not in ("number", "quantity", "boolean", "text"):
        return [parse_column(c, kind, is_count, keep_not_applicable) for c in cols]
    if kind == "text":
        return _parse_texts(cols, keep_not_applicable)
    cellwise = parse_boolean if kind == "boolean" else lambda s: parse_number(s, none_is_zero=is_count)
    parts = []
    for group in _groups(cols):  # joined up to a size; past it, a column is work enough for one pass
        parts += _split(cellwise(_joined(group)), [len(c) for c in group]) if len(group) > 1 else [cellwise(group[0])]
    if kind == "quantity":  # a column that is yes/no throughout counts 1 / 0: decided per column
        parts = [_quantity(number, col) for number, col in zip(parts, cols, strict=True)]
    return parts


# cells parsed in one pass at most: columns are joined to save per-call overhead, which matters
# for small tables; 14M cells joined cost more than 73 columns of 200,000 alone (fresh memory)
_BATCH_CELLS = 1 << 20


def _groups(cols: list[pd.Series]) -> list[list[pd.Series]]:
    """``cols`` in runs of at most _BATCH_CELLS cells (a longer column on its own)."""
    groups: list[list[pd.Series]] = []
    size = _BATCH_CELLS
    for col in cols:
        if size + len(col) > _BATCH_CELLS:
            groups.append([])
            size = 0
        groups[-1].append(col)
        size += len(col)
    return groups


def _quantity(number: Parsed, col: pd.Series) -> Parsed:
    """:func:`parse_quantity` of ``col`` given its :func:`parse_number`."""
    if not number.bad.any():
        return number
    yes_no = parse_boolean(col)
    return yes_no if not yes_no.bad.any() else number


def _joined(cols: list, dtype: Any = None) -> pd.Series:
    """The cells of ``cols`` (Arrow text of one dtype: Series or arrays) one column after another,
    as one Series of that dtype; the text is not copied (the columns' chunks are chained)."""
    import pyarrow as pa

    arrays = [c.__arrow_array__() if hasattr(c, "__arrow_array__") else c.array.__arrow_array__() for c in cols]
    chained = pa.chunked_array([chunk for a in arrays for chunk in a.chunks], type=arrays[0].type)
    dtype = cols[0].dtype if dtype is None else dtype  # an Arrow-backed StringDtype (arrow_text said so)
    return pd.Series(dtype.__from_arrow__(chained))


def _split(parsed: Parsed, sizes: list[int]) -> list[Parsed]:
    """``parsed`` of joined columns cut back into one Parsed a column (numbers and yes/no)."""
    out, start = [], 0
    for size in sizes:
        cut = slice(start, start + size)
        na = None if parsed.not_applicable is None else parsed.not_applicable[cut]
        out.append(
            Parsed(
                parsed.values[cut],
                parsed.missing[cut],
                parsed.bad[cut],
                not_applicable=na if na is not None and na.any() else None,
            )
        )
        start += size
    return out


def _parse_texts(cols: list[pd.Series], keep_not_applicable: bool) -> list[Parsed]:
    """:func:`parse_text` of each column, the distinct cells of them all trimmed and judged at
    once; each column's labels are its own, in the order it first has them, as alone."""
    coded = [pd.factorize(c) for c in cols]
    distinct = [d for _, d in coded]  # Arrow text of the columns' dtype
    text = _as_text(_joined(distinct, cols[0].dtype))
    missing = _missing_words(text)
    na = np.zeros(len(text), bool) if keep_not_applicable else _not_applicable(text)
    every, found = pd.factorize(text)  # the trimmed cells never are null: no code is -1
    everything = np.asarray(found, dtype=object)
    out, start = [], 0
    for raw, d in zip((r for r, _ in coded), distinct, strict=True):
        cut = slice(start, start + len(d))
        start += len(d)
        mine = every[cut]
        # this column's labels in the order its cells first have them, as pd.factorize gives them
        seen, first = np.unique(mine, return_index=True)
        order = seen[np.argsort(first, kind="stable")]
        local = np.full(len(everything), -1, dtype=np.intp)
        local[order] = np.arange(len(order))
        codes = local[mine]
        codes[missing[cut] | na[cut]] = -1
        labels = everything[order]
        values = np.append(labels, np.array([None], dtype=object))[codes]
        na_d = na[cut]
        parsed = Parsed(
            values,
            missing[cut],
            np.zeros(len(d), bool),
            codes=codes,
            labels=labels,
            not_applicable=na_d if na_d.any() else None,
        )
        out.append(_spread(parsed, raw))
    return out


class ColumnCache:
    """Parses each column once, on first use, for both the checks and the scoring."""

    def __init__(
        self,
        frame: pd.DataFrame,
        kinds: dict[str, str],
        label_columns: frozenset[str] = frozenset(),
        counts: frozenset[str] = frozenset(),
    ):
        self.frame = frame
        self.kinds = kinds
        self.label_columns = label_columns  # text columns where 不适用 is a categorical label
        self.counts = counts  # columns of counts, where 无 is 0
        self._parsed: dict[str, Parsed] = {}
        self._labels: dict[str, pd.Series] = {}
        self._errors: dict[str, np.ndarray] = {}
        self._batches: dict[tuple, list[str]] | None = None  # columns not parsed yet, by how they are parsed
        self._columns: dict[str, pd.Series] = {}
        self._hows: dict[str, tuple] = {}
        self._lookup: pd.DataFrame | None = None

    def column(self, name: str) -> pd.Series:
        """``frame[name]``, looked up once (a DataFrame builds a new Series at every lookup)."""
        if name not in self._columns:
            if self._lookup is None:
                # frame[name] deep-copies the frame's attrs (what the reader found) into every
                # Series it makes, and pandas 3 finds a label slowly in a str Index: looked up
                # in a shallow copy without either, a 100-column check's set-up is ~1.5 ms shorter
                self._lookup = self.frame.copy(deep=False)
                self._lookup.attrs = {}
                self._lookup.columns = pd.Index(list(self.frame.columns), dtype=object)
            self._columns[name] = self._lookup[name]
        return self._columns[name]

    def __getitem__(self, name: str) -> Parsed:
        if name not in self._parsed:
            self._parse_like(name)
        return self._parsed[name]

    def _how(self, name: str) -> tuple:
        """How a column is parsed: columns parsed the same way are parsed together."""
        if name not in self._hows:
            col = self.column(name)
            arrow = col.dtype.kind == "O" and arrow_text(col) is not None  # NumPy dtypes have other kinds
            dtype = col.dtype if arrow else None  # Arrow text only: one batch a dtype
            self._hows[name] = self.kinds[name], name in self.counts, name in self.label_columns, dtype
        return self._hows[name]

    def _alike(self, name: str, how: tuple, done: dict) -> list[str]:
        """``name`` and the columns of the rubric that are read as ``how`` and not in ``done``."""
        if self._batches is None:
            self._batches = {}
            for other in self.kinds:
                if other in self.frame.columns:
                    self._batches.setdefault(self._how(other), []).append(other)
        names = [n for n in self._batches.get(how, []) if n not in done and n != name]
        return [name, *names]

    def _parse_like(self, name: str) -> None:
        """Parse ``name`` and, when it is Arrow text (a CSV's), every column not parsed yet that
        is parsed the same way, in one batch (:func:`parse_columns`)."""
        how = self._how(name)
        if how[3] is None:
            self._parsed[name] = parse_column(self.column(name), *how[:3])
            return
        names = self._alike(name, how, self._parsed)
        for n, parsed in zip(names, parse_columns([self.column(n) for n in names], *how[:3]), strict=True):
            self._parsed[n] = parsed

    def excel_errors(self, name: str) -> np.ndarray:
        """:func:`excel_errors` of a column, computed once; those of the rubric's text columns of
        Arrow text (a CSV's) all at once."""
        if name not in self._errors:
            how = self._how(name) if name in self.kinds else None
            if how is None or how[0] != "text" or how[3] is None:
                self._errors[name] = excel_errors(self.column(name))
                return self._errors[name]
            names = self._alike(name, how, self._errors)
            cols = [self.column(n) for n in names]
            found = []
            for group in _groups(cols):
                found += np.split(excel_errors(_joined(group)), np.cumsum([len(c) for c in group])[:-1])
            self._errors.update(zip(names, found, strict=True))
        return self._errors[name]

    def values(self, name: str) -> np.ndarray:
        return self[name].values

    def unit_labels(self, name: str) -> pd.Series:
        """:func:`unit_labels` of a column, computed once for the checks and the result."""
        if name not in self._labels:
            self._labels[name] = unit_labels(self.column(name))
        return self._labels[name]

    def parsed(self, name: str) -> Parsed | None:
        """The column as parsed so far, or None if nothing has read it."""
        return self._parsed.get(name)


def unit_labels(s: pd.Series) -> pd.Series:
    """Unit ids as people see them, and as the result shows them: numbers kept; text in NFKC
    (full-width ＳＱ００１ is SQ001), without zero-width or control characters, trimmed;
    Excel's 1001.0 read as "1001". An id that is empty after that is None.

    The uniqueness check and the result use this one function, so two cells that become the same
    id in the result are always reported as duplicates. Missing-value words are not special here:
    an id is a name, and "NA" or "-" typed as one is reported by the checks, not dropped.
    """
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s
    text = drop_characters(nfkc(typed_ids(s)), _INVISIBLE).str.strip()
    text = text.where(text != "")
    return pd.Series(text.astype(object).where(text.notna(), None), index=s.index, dtype=object)


def typed_ids(s: pd.Series) -> pd.Series:
    """Ids as typed, only trimmed (Excel's 1001.0 is the 1001 that was typed)."""
    text = as_string(s).str.strip()
    if s.dtype == object or pd.api.types.is_float_dtype(s.dtype):
        text = on_cells(text, holding(text, ".0"), _integral)
    return text


def _integral(text: pd.Series) -> pd.Series:
    """Excel's 1001.0 as the 1001 that was typed."""
    return text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)


def typed_blank(s: pd.Series) -> np.ndarray:
    """Cells that look blank as typed: nothing, or only spaces."""
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.isna().to_numpy(dtype=bool)
    return (s.isna() | (as_string(s).str.strip() == "")).to_numpy(dtype=bool, na_value=True)
