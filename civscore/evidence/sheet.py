"""From work reports to a candidate data sheet that an analyst reviews, then scores.

``candidate_sheet(reports, rubric)`` gives one row per report and, for every rubric indicator
that has ``evidence:`` keywords and whose ``value`` is a single data column, three columns:

- ``<column>``: the value found, or empty;
- ``<column>_来源``: the sentence(s) it came from (provenance, for the reviewer);
- ``<column>_核对``: ``"多个匹配"`` when several facts agree, ``"冲突"`` when they disagree (the
  value is then left empty: conflicts are never resolved silently), ``"范围"`` when a fact is a
  range such as 3至5次 (left empty too: which end, or what in between, is the reviewer's call),
  ``""`` otherwise.

With ``template=True`` (the default) every other column the rubric reads is added empty, so the
sheet, once reviewed and filled in, scores with ``civscore score`` directly.

Matching rules (:func:`match_evidence`)
--------------------------------------
A fact from :func:`civscore.evidence.extract_evidence` supports an indicator when

1. one of the indicator's evidence keywords occurs in the fact's ``subject`` or in the clause
   before the number (``context``);
2. its unit suits the column: percent-like indicators (see below) take only ``%`` facts; other
   indicators take no ``%``/``‰``/百分点 facts, and where the column name says what it counts
   (:data:`COLUMN_UNITS`: …人数 → 人/名/位, …场次 → 场/场次/次/期, ``(平方米)`` → 平米 …) only
   facts in those units; any other column ending in 数 takes counts only (no 元, 平米, 小时 …);
3. it is an outcome, not a target (``planned``), not the "from" side of 由A到B (``baseline``),
   and not a signed change — unless the column is itself a change (同比, 增长, 变化 …).

Percent-like: the column or a keyword ends in 率/度/感/比例/占比/比重, or the indicator's thresholds
are fractions.  **Rates as fractions**: when every threshold of a ``linear`` or ``bands``
indicator (``zero``, ``full``, ``at_least``/``at_most``) lies within [-1, 1], the data hold the rate
as a fraction, so a 96% fact is entered as 0.96.  Otherwise percentages are entered as written
(96% → 96), which is how this project's sample data hold rates.

Boolean indicators with evidence get ``是`` when a keyword is mentioned in a sentence that is not
negated (未/没有/尚未/不 … before it in the clause) and not a plan; a negated mention alone gives
no value; both give ``冲突``.  Categorical indicators get their sentences quoted, never a label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from civscore.errors import DataError
from civscore.evidence.extract import extract_evidence
from civscore.methods import method_of
from civscore.words import say

__all__ = [
    "COLUMN_UNITS",
    "EvidenceColumn",
    "candidate_sheet",
    "evidence_columns",
    "match_evidence",
    "read_reports",
]

SOURCE_SUFFIX = "_来源"
CHECK_SUFFIX = "_核对"
MULTIPLE = "多个匹配"
CONFLICT = "冲突"
RANGE = "范围"

_PEOPLE = frozenset({"人", "名", "位"})
_CASES = frozenset({"件", "起", "宗", "例"})
_EVENTS = frozenset({"场", "场次", "次", "期", "轮"})
_PLACES = frozenset({"处", "个", "块", "面", "座"})

# What a column name says about the unit of its values (suffix of the name -> accepted units).
# The first suffix that matches wins; a unit in parentheses, 面积(平方米), wins over all.
COLUMN_UNITS: list[tuple[str, frozenset[str]]] = [
    ("人次", frozenset({"人次"})),
    ("场次", _EVENTS),
    ("人数", _PEOPLE),
    ("户数", frozenset({"户", "家"})),
    ("件数", _CASES),
    ("起数", _CASES),
    ("案件数", _CASES),
    ("篇数", frozenset({"篇"})),
    ("点位数", _PLACES),
    ("项目数", frozenset({"个", "项"})),
    ("团队数", frozenset({"支", "个"})),
    ("队伍数", frozenset({"支", "个"})),
    ("班次", _EVENTS),
    ("次数", _EVENTS),
    ("个数", frozenset({"个"})),
    ("面积", frozenset({"平米", "平方公里", "亩", "公顷"})),
    ("金额", frozenset({"元"})),
    ("经费", frozenset({"元"})),
    ("时长", frozenset({"小时"})),
]
_UNIT_ALIASES = {"平方米": "平米", "㎡": "平米", "m2": "平米", "立方米": "立方", "人": "人"}

_PERCENT_WORD = re.compile(r"(?:率|度|感|比例|占比|比重)$")
_CHANGE_WORD = re.compile(r"同比|环比|增长|增幅|降幅|下降|变化|增减")
_NEGATED = re.compile(r"(?:未|没有|尚未|尚无|无|不)[^，,。；;]{0,6}$")
_ID_HEADER = r"^\s*(?:{id}|社区代码|单位代码|社区编号)\s*[：:]\s*(?P<id>[^\s，,。；;]+)"
_BACKTICKED = re.compile(r"^`([^`]+)`$")


@dataclass(frozen=True)
class EvidenceColumn:
    """An indicator the sheet fills in: its data column and how facts map onto it."""

    column: str
    indicator_ids: tuple[str, ...]
    keywords: tuple[str, ...]
    method: str
    reads: str  # the kind of data the method reads: number, boolean (是/否) or text (a label)
    percent: bool  # takes only % facts
    fraction: bool  # % facts are entered as fractions (96% -> 0.96)
    units: frozenset[str] | None  # accepted units for non-percent facts (None: any)
    count_only: bool  # a ...数 column with no known unit: counts only (no money, area, time)
    change: bool  # the column itself holds a change, so signed changes are accepted


def _single_column(value: str | None) -> str | None:
    """The column name when an indicator's ``value`` is one bare or backticked name."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    quoted = _BACKTICKED.match(v)
    if quoted:
        return quoted.group(1)
    return v if v.isidentifier() else None


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def _column_units(column: str) -> frozenset[str] | None:
    bracket = re.search(r"[（(]([^）)]+)[）)]\s*$", column)
    if bracket:
        unit = bracket.group(1).strip()
        return frozenset({_UNIT_ALIASES.get(unit, unit)})
    for suffix, units in COLUMN_UNITS:
        if column.endswith(suffix):
            return units
    return None


def evidence_columns(rubric: Any) -> list[EvidenceColumn]:
    """The columns a candidate sheet fills, one per data column, in rubric order.

    Indicators sharing a column pool their keywords.  Needs ``rubric.iter_indicators()``
    yielding objects with ``id``, ``value``, ``method``, ``evidence`` and, for linear/bands,
    ``zero``/``full``/``bands``.
    """
    pooled: dict[str, dict[str, Any]] = {}
    for ind in rubric.iter_indicators():
        keywords = [k.strip() for k in (_get(ind, "evidence") or []) if isinstance(k, str) and k.strip()]
        column = _single_column(_get(ind, "value"))
        if not keywords or column is None:
            continue
        entry = pooled.setdefault(column, {"ids": [], "keywords": [], "method": _get(ind, "method"), "thresholds": []})
        entry["ids"].append(_get(ind, "id"))
        entry["keywords"] += [k for k in keywords if k not in entry["keywords"]]
        entry["thresholds"] += method_of(str(_get(ind, "method"))).thresholds(ind)
    columns = []
    for column, e in pooled.items():
        fraction = bool(e["thresholds"]) and all(abs(t) <= 1 for t in e["thresholds"])
        bare = re.sub(r"[（(][^）)]*[）)]\s*$", "", column)
        percent = fraction or bool(_PERCENT_WORD.search(bare)) or any(_PERCENT_WORD.search(k) for k in e["keywords"])
        columns.append(
            EvidenceColumn(
                column=column,
                indicator_ids=tuple(e["ids"]),
                keywords=tuple(e["keywords"]),
                method=str(e["method"]),
                reads=method_of(str(e["method"])).reads,
                percent=percent,
                fraction=fraction,
                units=None if percent else _column_units(column),
                count_only=not percent and _column_units(column) is None and bare.endswith("数"),
                change=bool(_CHANGE_WORD.search(column)),
            )
        )
    return columns


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(str(path), say("找不到这份工作总结文件", "no such report file")) from None
    except IsADirectoryError:
        raise DataError(str(path), say("是文件夹，不是工作总结文件", "is a folder, not a report file")) from None
    except OSError as exc:
        raise DataError(
            str(path), say(f"无法读取：{exc.strerror or exc}", f"cannot be read: {exc.strerror or exc}")
        ) from None
    if b"\x00" in raw[:65536]:
        raise DataError(
            str(path),
            say(
                "是二进制文件，不是纯文本的工作总结（请另存为 .txt）",
                "is a binary file, not a plain-text report (save it as .txt)",
            ),
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(str(path), say("既不是 UTF-8 也不是 GBK/GB18030 文本", "is neither UTF-8 nor GBK/GB18030 text"))


def _unit_id(text: str, fallback: str, id_column: str | None) -> str:
    head = "\n".join(text.splitlines()[:5])
    pattern = _ID_HEADER.format(id=re.escape(id_column) if id_column else "社区代码")
    m = re.search(pattern, head, flags=re.M)
    return m.group("id") if m else fallback


def read_reports(reports: Mapping[str, str] | Iterable[str | Path], id_column: str | None = None) -> dict[str, str]:
    """Unit id -> report text.

    A mapping is taken as it is.  Files are read as UTF-8 (with or without BOM) or GB18030; the
    unit id comes from a header line such as ``社区代码：SQ003`` (``<id_column>：…``) in the
    first five lines, else from the file name stem.  A file that cannot be read, or a second
    report for the same unit, raises :class:`civscore.errors.DataError`.
    """
    if isinstance(reports, Mapping):
        return {str(k): v for k, v in reports.items()}
    texts: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for item in reports:
        path = Path(item)
        text = _read_text(path)
        uid = _unit_id(text, path.stem, id_column)
        if uid in texts:
            raise DataError(
                str(path),
                say(
                    f"是单位 {uid} 的第二份工作总结（第一份是 {origin[uid]}）",
                    f"is a second report for unit {uid} (the first is {origin[uid]})",
                ),
            )
        texts[uid], origin[uid] = text, path
    return texts


def _mentions(text: str, col: EvidenceColumn) -> list[dict[str, Any]]:
    """Keyword mentions for boolean / categorical indicators (no number needed)."""
    rows = []
    for sentence in re.split(r"(?<=[。！？!?；;\n])", text):
        for kw in col.keywords:
            i = sentence.find(kw)
            if i < 0:
                continue
            clause = re.split(r"[，,、：:]", sentence[:i])[-1]
            rows.append(
                {"value": "否" if _NEGATED.search(clause) else "是", "sentence": sentence.strip(), "keyword": kw}
            )
            break
    return rows


def _fact_matches(facts: pd.DataFrame, col: EvidenceColumn) -> pd.DataFrame:
    if facts.empty:
        return facts.assign(keyword=pd.Series(dtype="str"))
    haystack = facts["subject"].fillna("") + "\u0000" + facts["context"].fillna("")
    keyword = haystack.map(lambda h: next((k for k in col.keywords if k in h), None))
    ok = keyword.notna() & ~facts["planned"] & ~facts["baseline"]
    if not col.change:
        ok &= facts["kind"] != "change"
    if col.percent:
        ok &= facts["unit"] == "%"
    else:
        ok &= ~facts["unit"].isin(["%", "‰", "百分点"])
        if col.units is not None:
            ok &= facts["unit"].isin(col.units)
        if col.count_only:
            ok &= facts["kind"] == "count"
    out = facts[ok].assign(keyword=keyword[ok])
    if col.fraction:
        out = out.assign(value=(out["value"] / 100).round(10))
    return out


def match_evidence(reports: Mapping[str, str] | Iterable[str | Path], rubric: Any) -> pd.DataFrame:
    """Every (unit, column, fact) match: the long table behind :func:`candidate_sheet`.

    Columns: unit_id (the report's unit), column, indicators, value, unit_of_value, approx,
    low and high (the ends of a range; equal to value otherwise), keyword, sentence, start, end.
    ``value`` is already scaled for fraction columns; for boolean columns it is 是/否.
    """
    id_column = getattr(getattr(rubric, "unit", None), "id_column", None)
    texts = read_reports(reports, id_column)
    columns = evidence_columns(rubric)
    rows: list[dict[str, Any]] = []
    for uid, text in texts.items():
        facts = extract_evidence(text)
        for col in columns:
            base = {"unit_id": uid, "column": col.column, "indicators": ";".join(col.indicator_ids)}
            if col.reads != "number":
                for m in _mentions(text, col):
                    value = m["value"] if col.reads == "boolean" else None
                    rows.append(
                        {
                            **base,
                            "value": value,
                            "unit_of_value": "",
                            "approx": False,
                            "low": math.nan,
                            "high": math.nan,
                            "keyword": m["keyword"],
                            "sentence": m["sentence"],
                            "start": -1,
                            "end": -1,
                        }
                    )
                continue
            for f in _fact_matches(facts, col).itertuples(index=False):
                rows.append(
                    {
                        **base,
                        "value": f.value,
                        "unit_of_value": f.unit,
                        "approx": f.approx,
                        "low": f.low,
                        "high": f.high,
                        "keyword": f.keyword,
                        "sentence": f.sentence,
                        "start": f.start,
                        "end": f.end,
                    }
                )
    cols = [
        "unit_id",
        "column",
        "indicators",
        "value",
        "unit_of_value",
        "approx",
        "low",
        "high",
        "keyword",
        "sentence",
        "start",
        "end",
    ]
    return pd.DataFrame(rows, columns=cols)


def _resolve(values: list[Any], sentences: list[str], reads: str, ranged: bool = False) -> tuple[Any, str, str]:
    """(value, provenance, check flag) for one unit and column; ``reads``: the method's kind of
    data (number, boolean or text); ``ranged``: a fact is a range."""
    if not sentences:
        return None, "", ""
    quoted = " | ".join(dict.fromkeys(sentences))
    if reads == "text":  # quote the sentences; choosing a label is the reviewer's job
        return None, quoted, ""
    if reads == "boolean":
        distinct = set(values)
        if distinct == {"是"}:
            return "是", quoted, MULTIPLE if len(values) > 1 else ""
        return None, quoted, CONFLICT if len(distinct) > 1 else ""
    distinct = {round(float(v), 9) for v in values}
    if len(distinct) > 1:
        return None, quoted, CONFLICT
    if ranged:
        return None, quoted, RANGE
    return float(values[0]), quoted, MULTIPLE if len(values) > 1 else ""


def candidate_sheet(
    reports: Mapping[str, str] | Iterable[str | Path], rubric: Any, *, template: bool = True
) -> pd.DataFrame:
    """One row per report, one value / provenance / check column triple per evidence column.

    ``reports``: unit id -> text, or report files (unit id from a ``社区代码：…`` header line,
    else the file stem).  ``template``: also add, empty, every other column the rubric reads
    (via ``rubric.columns()`` when the rubric has it), so that the reviewed sheet is complete.
    The module docstring gives the matching rules.
    """
    id_column = getattr(getattr(rubric, "unit", None), "id_column", None) or "id"
    texts = read_reports(reports, id_column)
    columns = evidence_columns(rubric)
    matches = match_evidence(texts, rubric)
    grouped = {key: g for key, g in matches.groupby(["unit_id", "column"], sort=False)}
    records = []
    for uid in texts:
        record: dict[str, Any] = {id_column: uid}
        for col in columns:
            g = grouped.get((uid, col.column))
            sentences = [] if g is None else g["sentence"].tolist()
            values = [] if g is None else g["value"].tolist()
            ranged = g is not None and bool(((g["low"] != g["high"]) & g["low"].notna()).any())
            value, source, check = _resolve(values, sentences, col.reads, ranged)
            record[col.column] = value
            record[col.column + SOURCE_SUFFIX] = source
            record[col.column + CHECK_SUFFIX] = check
        records.append(record)
    order = [id_column] + [
        c for col in columns for c in (col.column, col.column + SOURCE_SUFFIX, col.column + CHECK_SUFFIX)
    ]
    sheet = pd.DataFrame(records, columns=order)
    for col in columns:
        if col.reads == "number":
            sheet[col.column] = pd.to_numeric(sheet[col.column], errors="coerce").astype("float64")
    if template:
        for name in _rubric_columns(rubric):
            if name not in sheet.columns:
                sheet[name] = math.nan
    return sheet


def _rubric_columns(rubric: Any) -> list[str]:
    """The name and group columns, then every data column the rubric reads, in a stable order."""
    unit = getattr(rubric, "unit", None)
    labels = [getattr(unit, "name_column", None), *(getattr(unit, "group_columns", None) or [])]
    names = [c for c in labels if c]
    if callable(getattr(rubric, "columns", None)):
        return names + [c for c in rubric.columns() if c not in names]
    for ind in rubric.iter_indicators():
        column = _single_column(_get(ind, "value"))
        if column and column not in names:
            names.append(column)
    return names


@dataclass(frozen=True)
class CandidateCounts:
    """What a candidate sheet holds: reports read, evidence columns, values found, flags to check."""

    reports: int
    columns: int
    filled: int
    conflicts: int
    multiple: int


def candidate_counts(sheet: pd.DataFrame, rubric: Any) -> CandidateCounts:
    """Count the values found in a :func:`candidate_sheet` and the cells flagged for review."""
    columns = evidence_columns(rubric)
    checks = sheet[[c.column + CHECK_SUFFIX for c in columns]]
    return CandidateCounts(
        reports=len(sheet),
        columns=len(columns),
        filled=int(sheet[[c.column for c in columns]].notna().sum().sum()),
        conflicts=int((checks == CONFLICT).sum().sum()),
        multiple=int((checks == MULTIPLE).sum().sum()),
    )
