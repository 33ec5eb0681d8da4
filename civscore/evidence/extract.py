"""Read the quantified claims (数字事实) out of narrative community work reports (工作总结).

``extract_evidence(text)`` returns one row per quantity such as "调解成功率96%", "发放宣传册2000余份"
or "下拨8万元专项经费", with its value, unit, approximation flag, the words it is about
(``subject``), the sentence it sits in and its character offsets in ``text``.

What counts as a quantity
-------------------------
A *fact* is a number immediately followed by a unit from :data:`UNITS` (a measure word such as
人 户 场 起 处, a money or physical unit, ``%``, 个百分点, 倍), optionally with approximation
markers (``约``/``近``/``超过``/``不足`` before it, ``多``/``余``/``来`` between number and unit,
``以上``/``左右`` after it).  Also recognised: 百分之七十九 (79 %), 九成 (90 %), 三分之一 (33.33 %).

- Numbers: Arabic (``1,026``, ``2.1``), full-width (``１３８８``) and Chinese (八 十二 两千
  一千三百六十三 九十二点三), converted with :mod:`cn2an`.  ``万``/``亿``/``千`` multiply into the
  base unit (12万元 → 120000 元, 3.5万人次 → 35000 人次); 百/千/万 alone count only when an
  approximation marks them (千余人, 近百名, 上千份).  A comma (``,`` or ``，``) is a thousands
  separator only between groups of exactly three digits (3,952户; 3，000人).
- Signed changes: a number right after 下降/减少/降低/回落/减 … is negative, right after
  增长/上升/提高/提升/增加/净增 … positive (``kind == "change"``).  "提高到78.4%" (到/至/为) is a
  level, not a change; 新增 counts new items and is not a change.
- A number with no unit is not a fact (``12345热线``, ``1+N``, ``SQ003``), nor are ages
  (60岁以上 qualifies a group) or durations in 年 (the unit is too entangled with years).

What is not a quantity (each listed in :data:`BLOCKERS` with the reason)
----------------------------------------------------------------------
dates and years (2023年, 20xx年, 3月15日, 10时30分), ordinals (第一, 第四届), enumerations
(一是, 1、, (1), （一）), numerals quoted as names (“七一”, “3·15”), slogans and proper names
(三个代表, 两委, 门前三包, 五好家庭, 十九大, 一站式, 十五分钟生活圈), place names built as
numeral + 里/家/道… + 屯/庄/桥… (三里屯, 五道口, 三家店), idioms (进一步, 统一, 唯一, 一些,
一方面, 十分, 千方百计, 一户一档, 三天两头 …), and an emphatic 一 under negation
(没有发生一起 …).  ``一起`` is "together" unless it follows a verb that takes incidents
(发生一起火灾) or precedes an incident noun.  Digit-by-digit readings such as 七一, 一二 are not
counts either.

Extra columns
-------------
``kind`` (count, percent, money, area, length, weight, volume, time, ratio, score, change),
``raw`` (the quantity as written), ``context`` (the clause before the number), ``baseline``
(the "from" value of 由A…到B), ``planned`` (a target: 力争, 预计, 明年, 下一步 …).

Everything is regular expressions over the text, one left-to-right pass plus per-rule passes
for the blocked spans: linear in the length of the text.

Known limits (found by probing; a reviewer sees the sentence of every fact)
--------------------------------------------------------------------------
Ranges give only their upper end (3至5人 → 5 人).  A stylistic 一 with a measure word is read
as a count (一名党员就是一面旗帜 → 1 名, 1 面; 打造一个平台 → 1 个), as is a phase name
(一期工程 → 1 期).  Slogans not in :data:`STOP_PHRASES` that end in a measure word are read
(两个“一百年” → 2 个).  A number with 万 but no unit (12.3万) is skipped.  ``12，300人`` is read
as 12300 (full-width thousands separator), never as 12 and 300.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "BLOCKERS",
    "COLUMNS",
    "STOP_PHRASES",
    "UNITS",
    "extract_evidence",
    "parse_chinese_number",
]
COLUMNS = [
    "value", "unit", "approx", "subject", "sentence", "start", "end",
    "kind", "raw", "context", "baseline", "planned",
]  # fmt: skip
_COUNT_WORDS = (
    "人次 人 名 位 户 家 个 处 场次 场 次 期 份 张 条 件 起 宗 例 项 支 所 座 栋 幢 间 套 台 辆 "
    "块 面 幅 册 本 篇 批 组 对 棵 株 盏 袋 箱 桶 包 盒 瓶 副 双 顶 根 架 枚 款 封 单 轮 堂 门 部 类 "
    "种 车 只 趟 届"
).split()
UNITS: dict[str, tuple[str, str]] = {w: (w, "count") for w in _COUNT_WORDS}
UNITS.pop("届")  # 第四届 / 二十届: sessions are names, not counts
UNITS.update({
    "个百分点": ("百分点", "percent"), "百分点": ("百分点", "percent"),
    "%": ("%", "percent"), "‰": ("‰", "percent"),
    "元": ("元", "money"),
    "平方公里": ("平方公里", "area"), "平方千米": ("平方公里", "area"),
    "平方米": ("平米", "area"), "平米": ("平米", "area"), "㎡": ("平米", "area"),
    "m²": ("平米", "area"), "亩": ("亩", "area"), "公顷": ("公顷", "area"),
    "立方米": ("立方", "volume"), "立方": ("立方", "volume"), "m³": ("立方", "volume"),
    "公里": ("公里", "length"), "千米": ("公里", "length"), "米": ("米", "length"),
    "吨": ("吨", "weight"), "公斤": ("公斤", "weight"), "千克": ("公斤", "weight"),
    "斤": ("斤", "weight"),
    "小时": ("小时", "time"), "分钟": ("分钟", "time"), "天": ("天", "time"),
    "个月": ("个月", "time"),
    "倍": ("倍", "ratio"),
    "分": ("分", "score"),
})  # fmt: skip
_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_PLACES = "十百千万亿"
_CN_CHARS = _CN_DIGITS + _CN_PLACES
_CN_ALL = f"[{_CN_CHARS}]"
# full-width digits and signs -> ASCII, one character for one, so offsets are unchanged
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_ARABIC = r"(?<![0-9A-Za-z.])(?<![0-9][,，])(?:\d{1,3}(?:[,，]\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_CHINESE = rf"(?<![{_CN_CHARS}第]){_CN_ALL}+(?:点[{_CN_DIGITS}]+)?"
_NUMBER = rf"(?:{_ARABIC}|{_CHINESE})"
_UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
APPROX_BEFORE = r"(?:大约|约|将近|近|超过|逾|超|不足|不到)"
APPROX_INFIX = r"(?:多|余|来)"
APPROX_AFTER = r"(?:以上|左右|上下)"
# One pass over the text; at a given position the alternatives are tried in this order.
_QUANTITY = re.compile(
    # 百分之七十九, 百分之百
    rf"百分之(?P<pct>{_NUMBER}|百)(?P<pct_after>{APPROX_AFTER})?"
    # 三分之一
    rf"|(?P<den>{_NUMBER})分之(?P<numer>{_NUMBER})(?P<frac_after>{APPROX_AFTER})?"
    # 九成, 两成以上  (成 = tenths; 一成不变, 成员, 成立 … excluded)
    rf"|(?<![{_CN_CHARS}第])(?P<cheng>[一二两三四五六七八九十])成"
    rf"(?!员|为|立|功|果|绩|效|长|本|就|熟|交|型|品|年|人|都|不变|倍)(?P<cheng_after>{APPROX_AFTER})?"
    # 2000余份, 二十多万元, 12万元, 3.5万人次, 1万余元, 96%, 3.2个百分点
    rf"|(?P<num>{_NUMBER})(?P<infix>{APPROX_INFIX})?(?P<mag>[万亿千](?!{_CN_ALL}))?"
    rf"(?P<infix2>多|余)?(?P<unit>{_UNIT_RE})(?P<after>{APPROX_AFTER})?"
)
_MAGNITUDE = {"千": 1e3, "万": 1e4, "亿": 1e8}
_BARE_PLACE = {"百": 100.0, "千": 1000.0, "万": 10000.0, "亿": 1e8}


def parse_chinese_number(token: str) -> float | None:
    """Value of a Chinese numeral (八, 十二, 两千, 一千三百六十三, 九十二点三), else None.

    Uses cn2an.  Digit-by-digit readings (七一, 一二, 二〇二三) are not counts and give None,
    as do lone place characters (百, 千, 万: see :func:`_number_value`).
    """
    if token in _BARE_PLACE:
        return None
    integer = token.split("点")[0]
    if len(integer) >= 2 and not any(c in _CN_PLACES for c in integer):
        return None  # 七一, 五一, 一二三: names and digit strings, not quantities
    import cn2an  # imported on first use: it costs ~0.5 s, which every `civscore` command would pay

    try:
        return float(cn2an.cn2an(token, "normal"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _number_value(token: str, approximate: bool) -> float | None:
    if token[0].isdigit():
        return float(token.replace(",", "").replace("，", ""))
    if token in _BARE_PLACE:  # 千余人, 近百名, 上万元; a lone 百/千/万 is otherwise a word (百姓)
        return _BARE_PLACE[token] if approximate else None
    return parse_chinese_number(token)


_N = rf"(?:\d+|[{_CN_CHARS}]+)"  # any number token, for the rules below
_WORD = rf"(?:(?![{_CN_CHARS}点])[\u4e00-\u9fff])"  # a Chinese character that is not part of a numeral
_CN_SMALL = "[一二三四五六七八九十]"
STOP_PHRASES: dict[str, list[str]] = {
    # political slogans and programme names whose numeral is part of the name
    "slogan": [
        "三个代表",
        "两个维护",
        "两个确立",
        "四个意识",
        "四个自信",
        "四个全面",
        "五个一",
        "八项规定",
        "门前三包",
        "五好家庭",
        "十九大",
        "二十大",
        "十四五",
        "十五五",
        "三包",
        "两委",
        "两新",
        "两节",
        "一站式",
        "一次性",
        "最多跑一次",
        "一次办好",
        "办成一件事",
        "一张网",
        "一张图",
        "一张蓝图",
        "一网通办",
        "一网统管",
        "一条龙",
        "一盘棋",
        "一把手",
        "一刻钟",
        "一键",
        "一窗",
        "一门式",
        r"十一(?=期间|国庆|长假|假期|黄金周|前夕)",
        "七一",
        "五一",
        "六一",
        "八一",
        "三八",
        "五四",
        "九九重阳",
        rf"{_N}分钟[\u4e00-\u9fff]{{0,4}}圈",  # 十五分钟生活圈, 15分钟便民服务圈
    ],
    # idioms and function words containing a numeral
    "idiom": [
        "进一步",
        "统一",
        "唯一",
        "(?<!分)之一",
        "每一",
        "一些",
        "一直",
        "一方面",
        rf"(?<![{_CN_CHARS}])(?:万一|一一)(?![{_CN_CHARS}])",  # but not in 一万一千
        rf"(?<![{_CN_CHARS}])十分(?!钟)",  # but not in 三十分, 十分钟
        "一定",
        "一般",
        "一切",
        "一致",
        "一样",
        "一同",
        "一道",
        "一度",
        "一律",
        "一贯",
        "一举",
        "一边",
        "一向",
        "一旦",
        "一流",
        "一线",
        "一体",
        "一手",
        "一心",
        "一点",
        "一下",
        "一番",
        "一系列",
        "一揽子",
        "一批",
        "一部分",
        "一时",
        "一味",
        "一如既往",
        "百姓",
        "千方百计",
        "千家万户",
        "万家",
        "一家人",
        "一家亲",
        "一成不变",
        "一个都不能少",
        "一个也不能少",
        "一份(?:爱心|力量|心意|温暖|责任|担当|关爱)",
        "一池",
        "一年来",
    ],
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _four_char_idiom(m: re.Match[str]) -> bool:
    """三天两头, 五湖四海, 三会一课, 四议两公开: numerals in places 1 and 3 of four characters,
    the fourth not a measure word (一天三次 stays a quantity)."""
    return m.group("y") not in UNITS


@dataclass(frozen=True)
class Blocker:
    name: str
    pattern: re.Pattern[str]
    why: str
    keep: Callable[[re.Match[str]], bool] | None = None  # extra test on a match


BLOCKERS: list[Blocker] = [
    Blocker(
        "year",
        re.compile(
            r"(?:\d{4}|\d{2}|20[xX×＊*Ｘｘ]{2}|[12]\d[xX]{2}|[〇零一二三四五六七八九]{2,4})\s*年"
            r"|20[xX×＊*Ｘｘ]{2}|\d{4}\s*[-/.—－]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,2})?"
        ),
        "years (2023年, 20xx年, 二〇二三年) and ISO dates",
    ),
    Blocker(
        "date",
        re.compile(
            rf"\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?|\d{{1,2}}\s*[日号]|\d{{1,2}}·\d{{1,2}}"
            rf"|{_CN_SMALL}{{1,3}}月(?:{_CN_SMALL}{{1,3}}[日号])?|{_CN_SMALL}{{1,3}}[日号]"
            rf"|初{_CN_SMALL}{{1,2}}"
        ),
        "months and days (3月15日, 十月一日, 初一, 3·15)",
    ),
    Blocker(
        "time",
        re.compile(rf"\d{{1,2}}[:：]\d{{2}}|(?:\d{{1,2}}|{_CN_SMALL}{{1,3}})[时点](?:\d{{1,2}}|{_CN_SMALL}{{1,3}})分"),
        "clock times, whose minutes would read as 分",
    ),
    Blocker("ordinal", re.compile(rf"第\s*{_N}|前\s*{_N}\s*名"), "ordinals and ranks (第一, 第四届, 前三名)"),
    Blocker(
        "enumeration",
        re.compile(
            rf"[（(]\s*(?:\d{{1,2}}|{_CN_SMALL}{{1,3}})\s*[）)]"
            rf"|(?:^|(?<=[\s。；;：:！？!?]))(?:\d{{1,2}}|{_CN_SMALL}{{1,3}})\s*[、.](?!\d)"
            rf"|(?<![{_CN_CHARS}])其?{_CN_SMALL}(?:是|要)",
            re.M,
        ),
        "list markers (一是, 二要, 1、, 1., (1), （一）)",
    ),
    Blocker(
        "quoted name",
        re.compile(rf"[“\"「『‘]\s*(?:[{_CN_CHARS}]+|\d+(?:[·.]\d+)?)\s*[”\"」』’]"),
        "a numeral alone in quotes is a name (“七一”, “十一”, “3·15”)",
    ),
    Blocker(
        "place name",
        re.compile(
            rf"[{_CN_CHARS}]+[里家元道眼棵孔]"
            r"(?:屯|铺(?!设)|堡|营|庄|店(?!铺|面)|桥|坊|坝|寨|井|沟|湾|坡|岗|河|巷|湖|里|口|村)"
        ),
        "place names (三里屯, 五道口, 三元里, 三家店)",
    ),
    Blocker("address", re.compile(rf"{_N}(?:号楼|号院|栋|幢|号)\s*{_N}(?:单元|层|室|号)"), "addresses (3栋2单元)"),
    Blocker(
        "slogan",
        re.compile(_alternation(STOP_PHRASES["slogan"])),
        "slogans and programme names (三个代表, 门前三包, 一站式)",
    ),
    Blocker(
        "idiom",
        re.compile(_alternation(STOP_PHRASES["idiom"])),
        "idioms and function words (进一步, 统一, 一方面, 十分)",
    ),
    Blocker(
        "一X一Y",
        re.compile(rf"一{_WORD}{{1,2}}?一[\u4e00-\u9fff]{{0,2}}"),
        "paired 一 (一户一档, 一人一策, 一对一, 一网格一支部)",
    ),
    Blocker("reduplication", re.compile(rf"一({_WORD})\1"), "一个个, 一次次"),
    Blocker(
        "four-character idiom",
        re.compile(rf"[一二两三四五六七八九十百千万](?P<x>{_WORD})[一二两三四五六七八九十百千万](?P<y>{_WORD})"),
        "三天两头, 五湖四海, 三会一课, 四议两公开",
        keep=_four_char_idiom,
    ),
]
# 一起 is "together" unless it counts an incident
_YIQI_VERBS = re.compile(r"(?:发生|出现|受理|调解|调处|查处|破获|处理|处置|办结|化解|接到|接报|有|了)$")
_YIQI_NOUNS = re.compile(r"(?:火灾|事故|案|纠纷|警情|事件|矛盾|投诉|信访|盗窃|诈骗|交通)")
_NEGATION = re.compile(r"(?:没有|没|未|无|不)[\u4e00-\u9fff]{0,3}$")


def _blocked_mask(text: str) -> bytearray:
    mask = bytearray(len(text))
    for rule in BLOCKERS:
        for m in rule.pattern.finditer(text):
            if rule.keep is None or rule.keep(m):
                mask[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return mask


def _idiomatic_one(text: str, start: int, end_num: int, unit: str) -> bool:
    """A lone 一 that is not a count: emphatic under negation, or 一起 meaning 'together'."""
    if text[start:end_num] != "一":
        return False
    before = text[max(0, start - 6) : start]
    if _NEGATION.search(before):
        return True  # 没有发生一起…, 未出现一例… : the count is zero
    if unit == "起":
        after = text[end_num + 1 : end_num + 15]
        return not (_YIQI_VERBS.search(before) or _YIQI_NOUNS.search(after))
    return False


_SENTENCE_END = "。！？!?；;\n"
_CLAUSE_END = _SENTENCE_END + "，,、：:（）()…—"
_APPROX_BEFORE_RE = re.compile(rf"{APPROX_BEFORE}$")
_NEGATIVE_CHANGE = re.compile(r"(?:下降|减少|降低|回落|下滑|减量|压降|缩减|缩小|少了|降|减)(?:了)?$")
_POSITIVE_CHANGE = re.compile(r"(?:增长|上升|提高|提升|增加|上涨|增多|净增|高出|扩大)(?:了)?$")
_PLANNED = re.compile(r"力争|争取达到|争取实现|预计|拟|目标是|明年|下一步|下步|今后")
_BASELINE_GAP = re.compile(r"^[^，,。；;：:！？!?、]{0,6}?(?:到|至|为)$")
_BASELINE_FROM = re.compile(r"[由从]")
_LEAD_FILLER = re.compile(
    r"^(?:[一二三四五六七八九十]+[是要、]|\d+[、.]|[（(][^）)]*[）)]|[①-⑳]|其中|共计|共有|共|累计|"
    r"全年|今年|先后|并且|并|已经|已|还|另外|另|同时|此外|现有|目前|总计|合计|分别|均|"
    r"但|仅|只有|只|仍有|仍|[\s“”\"])"
)
_TRAIL_FILLER = re.compile(
    r"(?:达到|达|为|是|共计|共|计|有|了|至|到|仅为|仅|只有|只|的|占|分别|均|累计|"
    rf"{APPROX_BEFORE}|[\s])$"
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


@dataclass(frozen=True)
class _Parsed:
    value: float
    unit: str
    kind: str
    approx: bool
    span: tuple[int, int]  # where the numeral(s) are, for the blocked-span test


def _parse_match(m: re.Match[str], approx_before: bool) -> _Parsed | None:
    """The quantity one regex match stands for, or None when its numeral is not a number."""
    g = m.groupdict()
    if g["pct"] is not None:  # 百分之七十九
        value = 100.0 if g["pct"] == "百" else _number_value(g["pct"], False)
        if value is None:
            return None
        return _Parsed(value, "%", "percent", bool(g["pct_after"]), m.span("pct"))
    if g["den"] is not None:  # 三分之一
        den, numer = _number_value(g["den"], False), _number_value(g["numer"], False)
        if not den or numer is None:
            return None
        return _Parsed(
            round(100 * numer / den, 2), "%", "percent", bool(g["frac_after"]), (m.start("den"), m.end("numer"))
        )
    if g["cheng"] is not None:  # 九成
        value = parse_chinese_number(g["cheng"])
        if not value:
            return None
        return _Parsed(10 * value, "%", "percent", bool(g["cheng_after"]), m.span("cheng"))
    approx = bool(g["infix"] or g["infix2"] or g["after"])
    value = _number_value(g["num"], approx or approx_before)
    if value is None:
        return None
    if g["mag"]:
        value *= _MAGNITUDE[g["mag"]]
    unit, kind = UNITS[g["unit"]]
    return _Parsed(value, unit, kind, approx, m.span("num"))


def _find_facts(norm: str) -> list[_Fact]:
    """The quantities in ``norm`` (the text with full-width digits made ASCII), in order."""
    mask = _blocked_mask(norm)
    sentences = _boundaries(norm, _SENTENCE_END)
    clauses = _boundaries(norm, _CLAUSE_END)
    facts: list[_Fact] = []
    for m in _QUANTITY.finditer(norm):
        start = m.start()
        clause_start, clause_end = _piece(clauses, norm, start)
        before = norm[clause_start:start]
        prefix = _APPROX_BEFORE_RE.search(before)
        if prefix is None and m.group("num") in _BARE_PLACE:
            prefix = re.search(r"上$", before)  # 上百人, 上千份 (but 线上3场 is exact)
        q = _parse_match(m, prefix is not None)
        if q is None or any(mask[q.span[0] : q.span[1]]):
            continue
        if m.group("num") and _idiomatic_one(norm, *q.span, m.group("unit")):
            continue
        value, kind = q.value, q.kind
        if prefix:
            start = prefix.start() + clause_start
            before = norm[clause_start:start]
        if _NEGATIVE_CHANGE.search(before):
            value, kind = -abs(value), "change"
        elif _POSITIVE_CHANGE.search(before):
            kind = "change"
        s_start, s_end = _piece(sentences, norm, start)
        facts.append(
            _Fact(
                value,
                q.unit,
                kind,
                q.approx or prefix is not None,
                start,
                m.end(),
                clause_start,
                clause_end,
                s_start,
                s_end,
            )
        )
    return facts


def _post_words(norm: str, fact: _Fact, next_start: int) -> str:
    """The words right after the quantity in its clause (3个*志愿服务项目*), up to the next number."""
    stop = min(fact.clause_end, next_start, fact.end + 16)
    post = norm[fact.end : stop]
    digit = re.search(rf"[0-9]|{_CN_ALL}{{2,}}", post)
    if digit:
        post = post[: digit.start()]
    return re.sub(r"^的", "", post).strip()


def _annotate(norm: str, facts: list[_Fact]) -> None:
    """Fill subject and baseline: needs each fact's neighbours in the same clause."""
    for i, fact in enumerate(facts):
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


def _strings(items: Iterable[str]) -> pd.Series:
    return pd.Series(list(items), dtype="str")


def extract_evidence(text: str) -> pd.DataFrame:
    """Every quantified claim in ``text``, one row each, in order of appearance.

    Columns: value (float; signed for changes), unit (str: 人 户 元 % 百分点 平米 …),
    approx (bool), subject (the words the number is about), sentence, start and end
    (character offsets of the quantity in ``text``, approximation markers included),
    kind, raw (``text[start:end]``), context (the clause before the number),
    baseline (the "from" value of a from→to change) and planned (a target, not an outcome).
    See the module docstring for the rules.
    """
    if not isinstance(text, str):
        raise TypeError(f"extract_evidence expects a str, not {type(text).__name__}")
    norm = text.translate(_FULLWIDTH)  # one character for one: offsets hold in ``text``
    facts = _find_facts(norm)
    _annotate(norm, facts)
    sentences = [text[f.sentence_start : f.sentence_end + 1].strip() for f in facts]  # with its 。
    columns = {
        "value": np.array([f.value for f in facts], dtype="float64"),
        "unit": _strings(f.unit for f in facts),
        "approx": np.array([f.approx for f in facts], dtype=bool),
        "subject": _strings(f.subject for f in facts),
        "sentence": _strings(sentences),
        "start": np.array([f.start for f in facts], dtype="int64"),
        "end": np.array([f.end for f in facts], dtype="int64"),
        "kind": _strings(f.kind for f in facts),
        "raw": _strings(text[f.start : f.end] for f in facts),
        "context": _strings(text[f.clause_start : f.start] for f in facts),
        "baseline": np.array([f.baseline for f in facts], dtype=bool),
        "planned": np.array([bool(_PLANNED.search(text[f.sentence_start : f.start])) for f in facts], dtype=bool),
    }
    return pd.DataFrame(columns, columns=COLUMNS)
