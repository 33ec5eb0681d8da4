"""Read the quantified claims (数字事实) out of narrative community work reports (工作总结).

``extract_evidence(text)`` returns one row per quantity such as "调解成功率96%", "发放宣传册2000余份"
or "下拨8万元专项经费", with its value, unit, approximation flag, the words it is about
(``subject``), the sentence it sits in and its character offsets in ``text``.

What counts as a quantity
-------------------------
A *fact* is a number followed by a unit from :data:`UNITS` (a measure word such as 人 户 场 起
处, a money or physical unit, ``%``, 个百分点, 倍), optionally with approximation markers
(``约``/``近``/``超过``/``突破``/``不足``/``不少于``/``至少`` before it, 至少 also before its
verb; ``多``/``余``/``来``/``几`` between number and unit; ``以上``/``左右`` after it).  Also
recognised: 百分之七十九 (79 %), 九成 (90 %), 九成五 (95 %), 三分之一 (33.33 %).  A measure word
followed by 次 is a unit of its own (户次, 车次, 批次, 册次).

- Numbers: Arabic (``1,026``, ``2.1``), full-width (``１３８８``), Chinese (八 十二 两千
  一千三百六十三 九十二点三, converted with :mod:`cn2an`) and mixed (``3千``, ``5百余``,
  ``1千2百``).  ``万``/``亿``/``千``/``百`` multiply into the base unit (12万元 → 120000 元);
  百/千/万 alone count only when an approximation marks them (千余人, 近百名, 上千份).  A comma
  (``,`` or ``，``) or a single space is a thousands separator only between groups of exactly
  three digits (3,952户; 3，000人; 1 350人).
- Ranges (3至5次, 3~5个, 3—8人, 3万至5万元, 两三次, 四五十次) are one fact: ``low`` and ``high``
  are its ends, ``value`` its upper end as written, and ``approx`` is true.  For a single number
  ``low == high == value``.  ``由4支到6支`` / ``从…到…`` is a from→to pair, not a range.
- Signed changes: a number right after 下降/减少/降低/回落/减 … is negative, right after
  增长/上升/提高/提升/增加/净增 … positive (``kind == "change"``).  "提高到78.4%" (到/至/为) is a
  level, not a change; 新增 counts new items and is not a change.
- A number with no unit is not a fact (``12345热线``, ``1+N``, ``SQ003``), nor are ages
  (60岁以上 qualifies a group), durations in 年 (the unit is too entangled with years), or
  几十/数百 (no number is said).

Layout
------
Text copied out of PDFs, Word tables and OCR puts spaces where the writer put none ("选民 共
4200 人", "达 82 %", "约 48.5 万\\n元").  Before matching, :func:`compact` drops a run of
spaces (ordinary, full-width, non-breaking, thin, tabs) when a digit stands on one side of it or
Chinese characters on both, and a line break when it is *soft*: the line before is at least six
characters long, does not end a sentence (。！？；：), is not a heading or list item, and
neither line is a table row (tab, bar, or three cells apart by 2+ spaces); the next line does not
start a paragraph (indented by 3+ spaces, a full-width space or a tab) or a list item.
Two digits stay apart unless a single space separates groups of three (1 350); a list number at
the start of a line ("1 场地改造：") keeps its space.  Offsets always point into the original
text; ``raw``, ``sentence`` and ``context`` are quoted from it.  A table whose header gives the
unit (``受理（起）``) lends it to the bare numbers below it.

What is not a quantity (each listed in :data:`BLOCKERS` with the reason)
----------------------------------------------------------------------
dates and years (2023年, 20xx年, 3月15日, 10时30分), ordinals (第一, 第四届), enumerations
(一是, 1、, (1), （一）), titles (《致居民的一封信》), names in quotes, slogans and proper names
(三个代表, 两委, 门前三包, 五好家庭, 十九大, 一站式, 十五分钟生活圈), place names built as
numeral + 里/家/道… + 屯/庄/桥… (三里屯, 五道口, 三家店), idioms (进一步, 统一, 唯一, 一些,
一方面, 十分, 千方百计, 一户一档, 三天两头 …), and an emphatic 一 under negation
(没有发生一起 …).  ``一起`` is "together" unless it follows a verb that takes incidents
(发生一起火灾) or precedes an incident noun.  Digit-by-digit readings such as 七一, 一二 are not
counts either.

Numeral slogans are recognised by shape, not only by the list (:data:`STOP_PHRASES`):

- a short quoted span (at most 12 characters, no clause punctuation) is a name, whatever its
  numerals (“三个到位”, “两个平台”, “四个一”, “1+3+N”);
- a Chinese numeral + 个/项 followed by a verb or another numeral instead of a countable noun is
  a slogan (三个到位, 两个确保, 三个不放过, 四个一, 两个一百年, 五个统一, 两个坚持); the heads
  are :data:`SLOGAN_HEADS`.  Exception: a real count keeps its noun (三个小区, 两个平台, 三项机制,
  3个社区 stay facts), and Arabic digits are never a slogan (3个一级站点 is a count);
- 门前N包 and N包责任/制 are the 门前三包 family;
- three or more list items each opening with 一 + measure word (一张清单、一个小组、一本台账 …;
  每月一次宣讲、一次服务、一场活动 …) spell out a slogan, not counts of one.  Exception: a genuine
  list of single counts written that way is missed too;
- stylistic 一: reduplication (一个个, 一次次, 一户户), a metaphor after 是/就是/成为/架起 … (是一盏灯,
  成为社区一道风景线, 架起一座连心桥), a generic subject (一名党员就是…), an existential 有一支…的,
  a sentence opening on an example (一起因漏水引发的纠纷，…), and the 一 of a rate (一个桶站一天,
  一天也就两三次, 每投放一次积1分, 一名党员联系10户), and a pairing (一名党员联系一户群众).

Extra columns
-------------
``kind`` (count, percent, money, area, length, weight, volume, time, ratio, score, change),
``raw`` (the quantity as written), ``context`` (the clause before the number), ``baseline``
(the "from" value of 由A…到B), ``planned`` (a target: 力争, 预计, 明年, 下一步 …), ``low`` and
``high`` (the ends of a range).

Everything is regular expressions over the text, one left-to-right pass plus per-rule passes
for the blocked spans and the layout: linear in the length of the text.

Known limits (found by probing; a reviewer sees the sentence of every fact)
--------------------------------------------------------------------------
A stylistic 一 outside the shapes above is read as a count (打造一个平台 → 1 个), as is a phase
name (一期工程 → 1 期).  A number with 万 but no unit (12.3万) is skipped.  ``12，300人`` is read
as 12300 (full-width thousands separator), never as 12 and 300; likewise ``12 300人``.  A table
cell is read only if it holds a unit or its column header does.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civscore.evidence.blockers import BLOCKERS, SLOGAN_HEADS, STOP_PHRASES, blocked_mask, idiomatic_one
from civscore.evidence.layout import header_unit_cells, strip_layout
from civscore.evidence.numerals import (
    APPROX_AFTER,
    APPROX_BEFORE,
    APPROX_INFIX,
    BARE_PLACE,
    CN_ALL,
    CN_CHARS,
    DASH,
    FULLWIDTH,
    MAG,
    MAGNITUDE,
    NOT_A_UNIT_BEFORE,
    NUMBER,
    PAIR_DIGIT,
    UNIT_RE,
    UNITS,
    number_value,
    parse_chinese_number,
)

__all__ = [
    "BLOCKERS",
    "COLUMNS",
    "SLOGAN_HEADS",
    "STOP_PHRASES",
    "UNITS",
    "extract_evidence",
    "parse_chinese_number",
]

COLUMNS = [
    "value", "unit", "approx", "subject", "sentence", "start", "end",
    "kind", "raw", "context", "baseline", "planned", "low", "high",
]  # fmt: skip


# One pass over the text; at a given position the alternatives are tried in this order.
_QUANTITY = re.compile(
    # every quantity starts with a digit or numeral: the lookahead skips other positions fast
    rf"(?=[0-9{CN_CHARS}])(?:"
    # 百分之七十九, 百分之百
    rf"百分之(?P<pct>{NUMBER}|百)(?P<pct_after>{APPROX_AFTER})?"
    # 三分之一
    rf"|(?P<den>{NUMBER})分之(?P<numer>{NUMBER})(?P<frac_after>{APPROX_AFTER})?"
    # 九成, 两成以上  (成 = tenths; 一成不变, 成员, 成立 … excluded)
    rf"|(?<![{CN_CHARS}第])(?P<cheng>[一二两三四五六七八九十])成(?P<cheng_digit>[一二三四五六七八九](?!成))?"
    rf"(?!员|为|立|功|果|绩|效|长|本|就|熟|交|型|品|年|人|都|不变|倍)(?P<cheng_after>{APPROX_AFTER})?"
    # two neighbouring digits are a range: 两三次, 一两个, 四五十人, 七八百份
    rf"|(?<![{CN_CHARS}第几数])(?P<pa>[一两二三四五六七八])(?P<pb>[两二三四五六七八九])(?P<pplace>[十百千])?"
    rf"(?P<pinfix>多|余)?(?P<pmag>[万千](?!{CN_ALL}))?(?P<punit>{UNIT_RE})(?P<pafter>{APPROX_AFTER})?"
    # 3至5次, 3万至5万元, 2000余份, 二十多万元, 12万元, 3.5万人次, 1万余元, 96%, 3.2个百分点
    rf"|(?:(?P<lo>{NUMBER})(?P<lo_mag>{MAG})?(?P<lo_unit>{UNIT_RE})?(?P<dash>{DASH}))?"
    rf"(?P<num>{NUMBER})(?P<infix>{APPROX_INFIX})?(?P<mag>{MAG})?"
    rf"(?P<infix2>多|余)?(?P<unit>{UNIT_RE})(?P<after>{APPROX_AFTER})?)"
)


_SENTENCE_END = "。！？!?；;\n"
_CLAUSE_END = _SENTENCE_END + "，,、：:（）()…—"

# 至少组织一次, 不少于安排2名: an at-least marker may stand before the verb
_APPROX_BEFORE_RE = re.compile(rf"{APPROX_BEFORE}$|(?:至少|不少于|最少)[\u4e00-\u9fff]{{1,3}}$")
_NEGATIVE_CHANGE = re.compile(r"(?:下降|减少|降低|回落|下滑|减量|压降|缩减|缩小|少了|降|减)(?:了)?$")
_POSITIVE_CHANGE = re.compile(r"(?:增长|上升|提高|提升|增加|上涨|增多|净增|高出|扩大)(?:了)?$")
_PLANNED = re.compile(r"力争|争取达到|争取实现|预计|拟|目标是|明年|下一步|下步|今后")
_BASELINE_GAP = re.compile(r"^[^，,。；;：:！？!?、]{0,6}?(?:到|至|为)$")
_BASELINE_FROM = re.compile(r"[由从]")

_LEAD_FILLER = re.compile(
    r"^(?:[一二三四五六七八九十]+[是要、]|\d+[、.]|[（(][^）)]*[）)]|[①-⑳]|其中|共计|共有|共|累计|"
    r"全年|今年|先后|并且|并|已经|已|还|另外|另|同时|此外|现有|目前|总计|合计|分别|均|"
    r"但|仅|只有|只|仍有|仍|[\s“”\"●•▪\-|｜])"
)
_TRAIL_FILLER = re.compile(
    r"(?:达到|达|为|是|共计|共|计|有|了|至|到|仅为|仅|只有|只|的|占|分别|均|累计|"
    rf"{APPROX_BEFORE}|[\s|｜])$"
)


def _strip_fillers(s: str) -> str:
    previous = None
    while s != previous:
        previous = s
        s = _LEAD_FILLER.sub("", s, count=1)
        s = _TRAIL_FILLER.sub("", s, count=1)
    return s


def _boundaries(text: str, ends: str) -> list[int]:
    """Start offsets of the pieces of text split after any character in ``ends``."""
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch in ends)
    return starts


def _piece(starts: list[int], text: str, pos: int) -> tuple[int, int]:
    """(start, end) of the piece of text holding ``pos``."""
    i = bisect.bisect_right(starts, pos) - 1
    lo = starts[i]
    hi = starts[i + 1] - 1 if i + 1 < len(starts) else len(text)
    return lo, hi


@dataclass
class _Fact:
    value: float
    low: float
    high: float
    unit: str
    kind: str
    approx: bool
    start: int
    end: int
    clause_start: int
    clause_end: int
    sentence_start: int
    sentence_end: int
    baseline: bool = False
    subject: str = ""
    fixed_subject: bool = False  # a table cell: subject from its row and column


@dataclass(frozen=True)
class _Parsed:
    value: float
    unit: str
    kind: str
    approx: bool
    span: tuple[int, int]  # where the numeral(s) are, for the blocked-span test
    start: int  # where the quantity starts and ends in the text
    end: int
    low: float | None = None  # the lower end of a range


def _unit_of(m: re.Match[str], group: str) -> tuple[str, str] | None:
    """(unit, kind) of the unit in ``group``, or None when it is the start of a longer word (四分类)."""
    surface = m.group(group)
    after = m.string[m.end(group) : m.end(group) + 1]
    if after and after in NOT_A_UNIT_BEFORE.get(surface, ()):
        return None
    return UNITS[surface]


def _parse_pair(m: re.Match[str]) -> list[_Parsed]:
    """两三次, 四五十人: neighbouring digits are a range."""
    a, b = PAIR_DIGIT[m["pa"]], PAIR_DIGIT[m["pb"]]
    if not (b == a + 1 or (a, b) == (3, 5)):
        return []
    unit = _unit_of(m, "punit")
    if unit is None:
        return []
    scale = {None: 1.0, "十": 10.0, "百": 100.0, "千": 1000.0}[m["pplace"]]
    scale *= MAGNITUDE[m["pmag"]] if m["pmag"] else 1.0
    return [_Parsed(b * scale, *unit, True, (m.start("pa"), m.end("pb")), m.start(), m.end(), a * scale)]


def _parse_match(m: re.Match[str], approx_before: bool, text: str, clause_start: int) -> list[_Parsed]:
    """The quantities one regex match stands for (none when its numeral is not a number; two for
    a from→to pair written like a range)."""
    g = m.groupdict()
    if g["pct"] is not None:  # 百分之七十九
        value = 100.0 if g["pct"] == "百" else number_value(g["pct"], False)
        if value is None:
            return []
        return [_Parsed(value, "%", "percent", bool(g["pct_after"]), m.span("pct"), *m.span())]
    if g["den"] is not None:  # 三分之一
        den, numer = number_value(g["den"], False), number_value(g["numer"], False)
        if not den or numer is None:
            return []
        span = (m.start("den"), m.end("numer"))
        return [_Parsed(round(100 * numer / den, 2), "%", "percent", bool(g["frac_after"]), span, *m.span())]
    if g["cheng"] is not None:  # 九成, 九成五 (95 %)
        value = parse_chinese_number(g["cheng"])
        if not value:
            return []
        value = 10 * value + (PAIR_DIGIT[g["cheng_digit"]] if g["cheng_digit"] else 0)
        return [_Parsed(value, "%", "percent", bool(g["cheng_after"]), m.span("cheng"), *m.span())]
    if g["pa"] is not None:
        return _parse_pair(m)
    approx = bool(g["infix"] or g["infix2"] or g["after"])
    value = number_value(g["num"], approx or approx_before or g["lo"] is not None)
    unit = _unit_of(m, "unit")
    if value is None or unit is None:
        return []
    if g["mag"]:
        value *= MAGNITUDE[g["mag"]]
    high = _Parsed(value, *unit, approx, m.span("num"), m.start("num"), m.end())
    if g["lo"] is None:
        return [high]
    low = number_value(g["lo"], True)
    lo_unit = UNITS[g["lo_unit"]] if g["lo_unit"] else unit
    if low is None or lo_unit != unit:
        return [high]
    if g["lo_mag"]:
        low *= MAGNITUDE[g["lo_mag"]]
    elif g["mag"] and not g["lo_unit"]:
        low *= MAGNITUDE[g["mag"]]  # 3至5万元: the 万 is shared
    lo_span = (m.start("lo"), m.end("lo"))
    if _BASELINE_FROM.search(text, clause_start, m.start()):  # 由4支到6支: from→to, two facts
        first = _Parsed(low, *unit, False, lo_span, m.start("lo"), m.start("dash"))
        return [first, high]
    span = (m.start("lo"), m.end("num"))
    return [_Parsed(value, *unit, True, span, m.start(), m.end(), low)]


def _find_facts(norm: str) -> list[_Fact]:
    """The quantities in ``norm`` (compacted text, full-width digits made ASCII), in order."""
    mask = blocked_mask(norm)
    sentences = _boundaries(norm, _SENTENCE_END)
    clauses = _boundaries(norm, _CLAUSE_END)
    facts: list[_Fact] = []
    for m in _QUANTITY.finditer(norm):
        clause_start, clause_end = _piece(clauses, norm, m.start())
        before = norm[clause_start : m.start()]
        prefix = _APPROX_BEFORE_RE.search(before)
        first = m.group("lo") or m.group("num")
        if prefix is None and first in BARE_PLACE:
            prefix = re.search(r"上$", before)  # 上百人, 上千份 (but 线上3场 is exact)
        for q in _parse_match(m, prefix is not None, norm, clause_start):
            if any(mask[q.span[0] : q.span[1]]):
                continue
            if m.group("num") and idiomatic_one(norm, *q.span, m.group("unit")):
                continue
            value, low, kind, start = q.value, q.value if q.low is None else q.low, q.kind, q.start
            if prefix and q.start == m.start():
                start = prefix.start() + clause_start
            before = norm[clause_start:start]
            if _NEGATIVE_CHANGE.search(before):
                value, low, kind = -abs(value), -abs(low), "change"
            elif _POSITIVE_CHANGE.search(before):
                kind = "change"
            s_start, s_end = _piece(sentences, norm, start)
            approx = q.approx or (prefix is not None and q.start == m.start())
            lo, hi = min(low, value), max(low, value)
            facts.append(
                _Fact(value, lo, hi, q.unit, kind, approx, start, q.end, clause_start, clause_end, s_start, s_end)
            )
    return facts


def _table_facts(norm: str, compact: str, origin: np.ndarray) -> list[_Fact]:
    """Facts from header-unit tables (found in ``norm``), with offsets in ``compact``."""
    cells = header_unit_cells(norm)
    if not cells:
        return []
    sentences = _boundaries(compact, _SENTENCE_END)
    clauses = _boundaries(compact, _CLAUSE_END)
    facts = []
    for c in cells:
        start, end = (int(i) for i in np.searchsorted(origin, [c.start, c.end]))
        clause_start, clause_end = _piece(clauses, compact, start)
        s_start, s_end = _piece(sentences, compact, start)
        facts.append(
            _Fact(c.value, c.value, c.value, c.unit, c.kind, False, start, end, clause_start, clause_end,
                  s_start, s_end, subject=c.subject, fixed_subject=True)
        )  # fmt: skip
    return facts


def _post_words(norm: str, fact: _Fact, next_start: int) -> str:
    """The words right after the quantity in its clause (3个*志愿服务项目*), up to the next number."""
    stop = min(fact.clause_end, next_start, fact.end + 16)
    post = norm[fact.end : stop]
    digit = re.search(rf"[0-9]|{CN_ALL}{{2,}}", post)
    if digit:
        post = post[: digit.start()]
    return re.sub(r"^的", "", post).strip()


def _annotate(norm: str, facts: list[_Fact]) -> None:
    """Fill subject and baseline: needs each fact's neighbours in the same clause."""
    for i, fact in enumerate(facts):
        if fact.fixed_subject:
            continue
        prev = facts[i - 1] if i and facts[i - 1].clause_start == fact.clause_start else None
        nxt = facts[i + 1] if i + 1 < len(facts) and facts[i + 1].clause_start == fact.clause_start else None
        # 由上年的70%提高到78.4%: 70% is the baseline of 78.4%
        if (
            nxt is not None
            and _BASELINE_GAP.search(norm[fact.end : nxt.start])
            and _BASELINE_FROM.search(norm[fact.clause_start : fact.start])
        ):
            fact.baseline = True
        if prev is not None and prev.baseline:
            fact.subject = prev.subject
            continue
        lo = prev.end if prev is not None else fact.clause_start
        pre = _strip_fillers(norm[lo : fact.start])
        if fact.baseline:  # the subject of 由上年的70%: what stands before 由
            fact.subject = _strip_fillers(_BASELINE_FROM.split(pre)[0]) or pre
            continue
        post = _strip_fillers(_post_words(norm, fact, nxt.start if nxt is not None else len(norm)))
        fact.subject = f"{pre}…{post}" if pre and post else pre or post


def _strings(items: Iterable[str]) -> list[str] | pd.Series:
    """A text column: a list, which pandas reads as ``str`` faster than building each Series
    (an empty list would come out as object, so that one is typed)."""
    out = list(items)
    return out if out else pd.Series(out, dtype="str")


def extract_evidence(text: str) -> pd.DataFrame:
    """Every quantified claim in ``text``, one row each, in order of appearance.

    Columns: value (float; signed for changes; the upper end of a range), unit (str: 人 户 元 %
    百分点 平米 …), approx (bool), subject (the words the number is about), sentence, start and
    end (character offsets of the quantity in ``text``, approximation markers included), kind,
    raw (``text[start:end]``), context (the clause before the number), baseline (the "from"
    value of a from→to change), planned (a target, not an outcome), low and high (the ends of a
    range; both equal to value otherwise).  Spaces and line breaks that layout put inside a
    sentence are tolerated.  See the module docstring for the rules.
    """
    if not isinstance(text, str):
        raise TypeError(f"extract_evidence expects a str, not {type(text).__name__}")
    norm = text.translate(FULLWIDTH)  # one character for one: offsets hold in ``text``
    compact, origin = strip_layout(norm)  # offsets in ``compact`` map to ``text`` through ``origin``
    facts = _find_facts(compact)
    table = _table_facts(norm, compact, origin)
    if table:
        facts = sorted(facts + table, key=lambda f: f.start)
    _annotate(compact, facts)

    def at(i: int) -> int:
        return int(origin[i])

    def upto(i: int) -> int:  # end offset: one past the last character kept
        return at(i - 1) + 1 if i > 0 else 0

    columns = {
        "value": np.array([f.value for f in facts], dtype="float64"),
        "unit": _strings(f.unit for f in facts),
        "approx": np.array([f.approx for f in facts], dtype=bool),
        "subject": _strings(f.subject for f in facts),
        "sentence": _strings(text[at(f.sentence_start) : upto(f.sentence_end + 1)].strip() for f in facts),
        "start": np.array([at(f.start) for f in facts], dtype="int64"),
        "end": np.array([upto(f.end) for f in facts], dtype="int64"),
        "kind": _strings(f.kind for f in facts),
        "raw": _strings(text[at(f.start) : upto(f.end)] for f in facts),
        "context": _strings(text[at(f.clause_start) : at(f.start)] for f in facts),
        "baseline": np.array([f.baseline for f in facts], dtype=bool),
        "planned": np.array([bool(_PLANNED.search(compact[f.sentence_start : f.start])) for f in facts], dtype=bool),
        "low": np.array([f.low for f in facts], dtype="float64"),
        "high": np.array([f.high for f in facts], dtype="float64"),
    }
    return pd.DataFrame(columns, columns=COLUMNS)
