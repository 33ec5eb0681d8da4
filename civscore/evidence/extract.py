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
4200 人", "达 82 %", "约 48.5 万\\n元").  Before matching, :func:`_compact` drops a run of
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civscore.errors import import_extra
from civscore.words import say

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


_COUNT_WORDS = (
    "人次 人 名 位 户 家 个 处 场次 场 次 期 份 张 条 件 起 宗 例 项 支 所 座 栋 幢 间 套 台 辆 "
    "块 面 幅 册 本 篇 批 组 对 棵 株 盏 袋 箱 桶 包 盒 瓶 副 双 顶 根 架 枚 款 封 单 轮 堂 门 部 类 "
    "种 车 只 趟 节 届"
).split()

UNITS: dict[str, tuple[str, str]] = {w: (w, "count") for w in _COUNT_WORDS}
UNITS.pop("届")  # 第四届 / 二十届: sessions are names, not counts
# a measure word + 次 counts occasions (户次, 车次, 批次, 册次); 名次/位次 are ranks, 单次 "once"
UNITS.update(
    {f"{w}次": (f"{w}次", "count") for w in _COUNT_WORDS if w not in ("次", "人次", "场次", "名", "位", "单", "届")}
)
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
    "小时": ("小时", "time"), "个小时": ("小时", "time"), "分钟": ("分钟", "time"), "天": ("天", "time"),
    "个月": ("个月", "time"), "课时": ("课时", "time"), "学时": ("学时", "time"),
    "倍": ("倍", "ratio"),
    "分": ("分", "score"),
})  # fmt: skip

# Units that are the first character of a longer word: 四分类, 分别; 二十四节气, 节日
_NOT_A_UNIT_BEFORE = {
    "分": set("类别工布析配享散为期批段成解拣送发头管局队会站区支行店红担级层片组户项流离隔明化清开部院校所中"),
    "节": set("气日假庆点约能目"),
}


_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_PLACES = "十百千万亿"
_CN_CHARS = _CN_DIGITS + _CN_PLACES
_CN_ALL = f"[{_CN_CHARS}]"

# full-width digits and signs -> ASCII, one character for one, so offsets are unchanged
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")

_MIXED = r"(?<![0-9A-Za-z.])\d+(?:[万千百十]\d+)+[千百十]"  # 1千2百, 3万5千
_ARABIC = r"(?<![0-9A-Za-z.])(?<![0-9][,，])(?:\d{1,3}(?:[,，]\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_CHINESE = rf"(?<![{_CN_CHARS}第0-9几]){_CN_ALL}+(?:点[{_CN_DIGITS}]+)?"
_NUMBER = rf"(?:{_MIXED}|{_ARABIC}|{_CHINESE})"
_UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))

APPROX_BEFORE = (  # 约 but not 签约/合约, 近 but not 最近/附近
    r"(?:大约|(?<![签合公预制节条契相邀履违特解守婚赴践])约|将近|(?<![附最就邻靠亲贴])近"
    r"|不超过|超过|突破|逾|超|不足|不到|不少于|不低于|至少)"
)
APPROX_INFIX = r"(?:多|余|来|几)"
APPROX_AFTER = r"(?:以上|左右|上下)"
_DASH = r"(?:至|到|~|～|-|－|—{1,2}|–)"
_MAG = rf"[万亿千百](?!{_CN_ALL})"

# One pass over the text; at a given position the alternatives are tried in this order.
_QUANTITY = re.compile(
    # every quantity starts with a digit or numeral: the lookahead skips other positions fast
    rf"(?=[0-9{_CN_CHARS}])(?:"
    # 百分之七十九, 百分之百
    rf"百分之(?P<pct>{_NUMBER}|百)(?P<pct_after>{APPROX_AFTER})?"
    # 三分之一
    rf"|(?P<den>{_NUMBER})分之(?P<numer>{_NUMBER})(?P<frac_after>{APPROX_AFTER})?"
    # 九成, 两成以上  (成 = tenths; 一成不变, 成员, 成立 … excluded)
    rf"|(?<![{_CN_CHARS}第])(?P<cheng>[一二两三四五六七八九十])成(?P<cheng_digit>[一二三四五六七八九](?!成))?"
    rf"(?!员|为|立|功|果|绩|效|长|本|就|熟|交|型|品|年|人|都|不变|倍)(?P<cheng_after>{APPROX_AFTER})?"
    # two neighbouring digits are a range: 两三次, 一两个, 四五十人, 七八百份
    rf"|(?<![{_CN_CHARS}第几数])(?P<pa>[一两二三四五六七八])(?P<pb>[两二三四五六七八九])(?P<pplace>[十百千])?"
    rf"(?P<pinfix>多|余)?(?P<pmag>[万千](?!{_CN_ALL}))?(?P<punit>{_UNIT_RE})(?P<pafter>{APPROX_AFTER})?"
    # 3至5次, 3万至5万元, 2000余份, 二十多万元, 12万元, 3.5万人次, 1万余元, 96%, 3.2个百分点
    rf"|(?:(?P<lo>{_NUMBER})(?P<lo_mag>{_MAG})?(?P<lo_unit>{_UNIT_RE})?(?P<dash>{_DASH}))?"
    rf"(?P<num>{_NUMBER})(?P<infix>{APPROX_INFIX})?(?P<mag>{_MAG})?"
    rf"(?P<infix2>多|余)?(?P<unit>{_UNIT_RE})(?P<after>{APPROX_AFTER})?)"
)

_MAGNITUDE = {"百": 1e2, "千": 1e3, "万": 1e4, "亿": 1e8}
_BARE_PLACE = {"百": 100.0, "千": 1000.0, "万": 10000.0, "亿": 1e8}
_PAIR_DIGIT = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TO_CN_DIGIT = str.maketrans("0123456789", "〇一二三四五六七八九")


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
    # imported on first use: it costs ~0.5 s, which every `civscore` command would pay
    cn2an = import_extra("cn2an", "evidence", say("从工作报告中提取数据", "reading facts from work reports"))

    try:
        return float(cn2an.cn2an(token, "normal"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _number_value(token: str, approximate: bool) -> float | None:
    if token[0].isdigit():
        if token[-1] in _CN_PLACES:  # 1千2百: the digits as Chinese numerals
            return parse_chinese_number(token.translate(_TO_CN_DIGIT))
        return float(token.replace(",", "").replace("，", ""))
    if token in _BARE_PLACE:  # 千余人, 近百名, 上万元; a lone 百/千/万 is otherwise a word (百姓)
        return _BARE_PLACE[token] if approximate else None
    return parse_chinese_number(token)


_N = rf"(?:\d+|[{_CN_CHARS}]+)"  # any number token, for the rules below
_WORD = rf"(?:(?![{_CN_CHARS}点])[\u4e00-\u9fff])"  # a Chinese character that is not part of a numeral
_CN_SMALL = "[一二三四五六七八九十]"
_M1 = "[" + "".join(u for u, (_, kind) in UNITS.items() if len(u) == 1 and kind == "count") + "]"  # 个 名 次 …
_NO_CLAUSE_END = r"[^，,。；;：:！？!?、“”\n]"

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
        r"十一(?=期间|国庆|长假|假期|黄金周|前夕|节)",
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


# What follows 个/项 in a numeral slogan instead of a countable noun: a verb, a negation or another
# numeral (三个到位, 两个确保, 三个不放过, 四个一, 两个一百年, 五个统一).  Nouns never appear here,
# so 三个小区 and 三项机制 stay counts.
SLOGAN_HEADS = [
    "到位", "确保", "坚持", "必须", "务必", "统一", "全覆盖", "全面", "优先", "注重", "聚焦", "突出",
    "强化", "落实", "提升", "推进", "维护", "确立", "代表", "意识", "自信", "结合", "融合", "带头",
    "不(?!同|等|少|足|到|一样|断)", "零", "无", "[一二两三四五六七八九]",
]  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NUMERAL_START = f"0-9{_CN_CHARS}"


def _starting_with(chars: str, pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``pattern``, tried only where the text has one of ``chars`` (a character-class body):
    Python's re tries every alternative at every position, and most positions hold no numeral."""
    return re.compile(f"(?=[{chars}])(?:{pattern})", flags)


def _first_chars(words: Iterable[str]) -> str:
    """The characters the phrases of a stop list can start with (numerals for the patterns)."""
    chars = set(_NUMERAL_START.replace("0-9", ""))
    for w in words:
        w = re.sub(r"^\(\?<!\[?[^)]*\)", "", w)  # a leading look-behind
        if w.startswith("(?:"):
            chars.update(alt[0] for alt in w[3 : w.index(")")].split("|"))
        elif "\u4e00" <= w[0] <= "\u9fff":
            chars.add(w[0])
    return "0-9" + "".join(sorted(chars))


def _any_phrase(words: list[str]) -> re.Pattern[str]:
    """One pattern for a stop list: longest phrase first, tried only where a phrase can start."""
    return _starting_with(_first_chars(words), _alternation(words))


def _four_char_idiom(m: re.Match[str]) -> bool:
    """三天两头, 五湖四海, 三会一课, 四议两公开: numerals in places 1 and 3 of four characters,
    the fourth not a measure word (一天三次 stays a quantity), the second not 成 (九成五以上 is 95 %)."""
    return m.group("y") not in UNITS and m.group("x") != "成"


def _has_numeral(m: re.Match[str]) -> bool:
    return re.search(rf"[0-9{_CN_CHARS}]", m.group()) is not None


@dataclass(frozen=True)
class Blocker:
    name: str
    pattern: re.Pattern[str]
    why: str
    keep: Callable[[re.Match[str]], bool] | None = None  # extra test on a match
    group: int = 0  # the part of the match that is blocked


BLOCKERS: list[Blocker] = [
    Blocker(
        "year",
        _starting_with(
            _NUMERAL_START,
            r"(?:\d{4}|\d{2}|20[xX×＊*Ｘｘ]{2}|[12]\d[xX]{2}|[〇零一二三四五六七八九]{2,4})\s*年"
            r"|20[xX×＊*Ｘｘ]{2}|\d{4}\s*[-/.—－]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,2})?",
        ),
        "years (2023年, 20xx年, 二〇二三年) and ISO dates",
    ),
    Blocker(
        "date",
        _starting_with(
            _NUMERAL_START + "初",
            rf"\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?|\d{{1,2}}\s*[日号]|\d{{1,2}}·\d{{1,2}}"
            rf"|{_CN_SMALL}{{1,3}}月(?:{_CN_SMALL}{{1,3}}[日号])?|{_CN_SMALL}{{1,3}}[日号]"
            rf"|初{_CN_SMALL}{{1,2}}",
        ),
        "months and days (3月15日, 十月一日, 初一, 3·15)",
    ),
    Blocker(
        "time",
        _starting_with(
            _NUMERAL_START,
            rf"\d{{1,2}}[:：]\d{{2}}|(?:\d{{1,2}}|{_CN_SMALL}{{1,3}})[时点](?:\d{{1,2}}|{_CN_SMALL}{{1,3}})分",
        ),
        "clock times, whose minutes would read as 分",
    ),
    Blocker("ordinal", re.compile(rf"第\s*{_N}|前\s*{_N}\s*名"), "ordinals and ranks (第一, 第四届, 前三名)"),
    Blocker(
        "enumeration",
        _starting_with(
            _NUMERAL_START + "（(其",
            rf"[（(]\s*(?:\d{{1,2}}|{_CN_SMALL}{{1,3}})\s*[）)]"
            rf"|(?:^|(?<=[\s。；;：:！？!?]))(?:\d{{1,2}}|{_CN_SMALL}{{1,3}})\s*[、.](?!\d)"
            rf"|(?<![{_CN_CHARS}])其?{_CN_SMALL}(?:是|要)",
            re.M,
        ),
        "list markers (一是, 二要, 1、, 1., (1), （一）)",
    ),
    Blocker("title", re.compile(r"《[^《》\n]{1,40}》"), "titles of documents (《致居民的一封信》)"),
    Blocker(
        "quoted name",
        re.compile(
            rf"“{_NO_CLAUSE_END}{{1,12}}”|\"{_NO_CLAUSE_END}{{1,12}}\"|「{_NO_CLAUSE_END}{{1,12}}」"
            rf"|『{_NO_CLAUSE_END}{{1,12}}』|‘{_NO_CLAUSE_END}{{1,12}}’"
        ),
        "a short quoted span is a name, numerals and all (“七一”, “3·15”, “三个到位”, “两个平台”)",
        keep=_has_numeral,
    ),
    Blocker(
        "place name",
        re.compile(
            rf"[{_CN_CHARS}]+[里家元道眼棵孔]"
            r"(?:屯|铺(?!设)|堡|营|庄|店(?!铺|面)|桥|坊|坝|寨|井|沟|湾|坡|岗|河|巷|湖|里|口|村)"
        ),
        "place names (三里屯, 五道口, 三元里, 三家店)",
    ),
    Blocker(
        "address",
        _starting_with(_NUMERAL_START, rf"{_N}(?:号楼|号院|栋|幢|号)\s*{_N}(?:单元|层|室|号)"),
        "addresses (3栋2单元)",
    ),
    Blocker(
        "slogan",
        _any_phrase(STOP_PHRASES["slogan"]),
        "slogans and programme names (三个代表, 门前三包, 一站式)",
    ),
    Blocker(
        "numeral slogan",
        re.compile(rf"(?<![{_CN_CHARS}0-9])[一二两三四五六七八九十]+[个项](?={_alternation(SLOGAN_HEADS)})"),
        "a Chinese numeral + 个/项 + a verb or numeral, not a noun (三个到位, 两个确保, 四个一)",
    ),
    Blocker(
        "门前N包",
        re.compile(
            rf"门前[一二两三四五六七八九十]+包|(?<![{_CN_CHARS}])[一二两三四五六七八九十]+包(?=责任|制|要求|协议)"
        ),
        "the 门前三包 family (门前五包, 四包责任制)",
    ),
    Blocker(
        "spelled-out slogan",
        _starting_with("一", rf"(?:一{_M1}{_NO_CLAUSE_END}{{1,10}}、){{2,}}一{_M1}{_NO_CLAUSE_END}{{1,10}}"),
        "three or more items each opening with 一 + measure word spell out a slogan (一张清单、一个小组、一本台账)",
    ),
    Blocker(
        "idiom",
        _any_phrase(STOP_PHRASES["idiom"]),
        "idioms and function words (进一步, 统一, 一方面, 十分)",
    ),
    Blocker(
        "no number said",
        re.compile(r"(?<![人户总次件场个天份名项员位])数[十百千万]+|几[十百千万]+"),
        "几十, 数百: no number is said",
    ),
    Blocker(
        "一X一Y",
        re.compile(rf"一{_WORD}{{1,3}}?一[\u4e00-\u9fff]{{0,2}}"),
        "paired 一 (一户一档, 一人一策, 一对一, 一网格一支部, 一个桶站一天)",
    ),
    Blocker("reduplication", re.compile(rf"一({_WORD})\1"), "一个个, 一次次"),
    Blocker(
        "one per one",
        _starting_with(
            "一",
            rf"一{_M1}[\u4e00-\u9fff]{{1,6}}?(?:联系|负责|对接|包联|包保|结对|挂钩|认领|带动|帮扶|服务)"
            rf"[\u4e00-\u9fff]{{0,2}}?一{_M1}",
        ),
        "one per one (一名党员联系一户群众, 一名网格员负责一个网格): a pairing, not two counts",
    ),
    Blocker(
        "metaphor",
        re.compile(
            r"(?:就是|便是|都是|也是|是|成为|成了|当好|争当|争做|化身|变成|像|如同|犹如|好比|架起|筑起|搭起|"
            rf"树起|竖起){_NO_CLAUSE_END}{{0,6}}?(一)(?={_M1})"
        ),
        "一 in a metaphor (是一盏灯, 成为社区一道风景线, 架起一座连心桥)",
        group=1,
    ),
    Blocker(
        "generic 一",
        _starting_with(
            "一有",
            rf"(一)(?={_M1}[\u4e00-\u9fff]{{1,4}}(?:就是|便是|都是|也是|是))"
            rf"|(?<!没)有(一)(?={_M1}{_NO_CLAUSE_END}{{0,14}}的)"
            rf"|(?:^|(?<=[。！？!?；;\n]))(一)(?={_M1}{_NO_CLAUSE_END}{{1,20}}的)"
            r"|(一)(?=(?:天|小时|周|个月|月)(?:也|就|要|能|可|只|才|都|最多|至少|平均))"
            rf"|(一)(?={_M1}[\u4e00-\u9fff]{{1,4}}[0-9二两三四五六七八九十])",
            re.M,
        ),
        "一 as an article: a generic subject (一名党员就是…), 有一支…的, an example opening a sentence "
        "(一起因漏水引发的纠纷，…), the 一 of a rate (一天也就两三次, 投放一次积1分)",
        group=-1,  # whichever alternative matched
    ),
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
            if rule.keep is not None and not rule.keep(m):
                continue
            if rule.group >= 0:
                a, b = m.span(rule.group)
            else:  # the one group of the alternation that matched
                a, b = next(m.span(i) for i in range(1, (m.re.groups or 0) + 1) if m.group(i) is not None)
            mask[a:b] = b"\x01" * (b - a)
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


_SPACES = "\t \u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff"
_WS_RUN = re.compile(rf"[{_SPACES}\r\n]+")
_GROUP_SPACE = " \u00a0\u2009\u202f\u2002\u2005\u2006\u2007\u2008"  # may separate groups of digits
_SENTENCE_FINAL = set("。！？!?；;：:")
_LIST_ITEM = re.compile(
    r"[ \t\u3000]*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}\s*[、.．)）]"
    r"|[①-⑳●•▪▲■◆◇○√※#*-])"
)
# a table row: a tab or a bar between cells, or at least three cells set apart by 2+ spaces
_TABLE_ROW = re.compile(r"\S(?:\t|\s*[|｜]\s*)\S|\S[ \u3000]{2,}\S.*?\S[ \u3000]{2,}\S")
_LIST_NUMBER = re.compile(r"[ \t\u3000]*\d{1,2}$")  # 1 场地改造：… at the start of a line
_HEADING_AFTER = re.compile(r"[\u4e00-\u9fff]{2,12}[：:]")


def _is_wide(ch: str) -> bool:
    """A Chinese character or full-width punctuation: spaces between two of them are layout."""
    return ch >= "\u2e80"


def _soft_break(s: str, a: int, b: int) -> bool:
    """Whether the single line break in s[a:b] is layout inside a sentence (PDF wrapping)."""
    nl = s.index("\n", a)
    line_start = s.rfind("\n", 0, a) + 1
    line = s[line_start:a].strip()
    next_end = s.find("\n", b)
    next_line = s[b : len(s) if next_end < 0 else next_end]
    indent = s[nl + 1 : b].replace("\r", "")
    return (
        len(line) >= 6
        and line[-1] not in _SENTENCE_FINAL
        and not (_LIST_ITEM.match(line) and len(line) <= 20 and not re.search("[，,。]", line))
        and not _TABLE_ROW.search(line)
        and not _TABLE_ROW.search(next_line)
        and not (len(indent) >= 3 or "\u3000" in indent or "\t" in indent)  # a paragraph's indent
        and not _LIST_ITEM.match(next_line)
    )


def _digit_groups(s: str, a: int, b: int) -> bool:
    """Whether the one space s[a:b] separates thousands: 1 350, 28 650 (not 18 17, not 2024 3)."""
    if b - a != 1 or s[a] not in _GROUP_SPACE:
        return False
    i = a
    while i > 0 and s[i - 1].isdigit() and a - i < 4:
        i -= 1
    if not 1 <= a - i <= 3 or (i > 0 and s[i - 1] in "0123456789.,，"):
        return False
    after = s[b : b + 4]
    return len(after) >= 3 and after[:3].isdigit() and not after[3:4].isdigit()


def _removable(s: str, a: int, b: int) -> bool:
    """Whether the whitespace s[a:b] is layout, to be dropped before matching (see the module doc)."""
    if a == 0 or b == len(s):
        return False
    nl = s.count("\n", a, b)
    if nl > 1 or (nl == 1 and not _soft_break(s, a, b)):
        return False
    x, y = s[a - 1], s[b]
    xd, yd = x in "0123456789", y in "0123456789"
    if xd and yd:
        return nl == 0 and _digit_groups(s, a, b)
    if xd:  # keep the space of a list number at the start of a line: "1 场地改造："
        line_start = s.rfind("\n", 0, a) + 1
        return not (_LIST_NUMBER.fullmatch(s, line_start, a) and _HEADING_AFTER.match(s, b))
    if yd:
        return True
    return _is_wide(x) and _is_wide(y)


def _compact(s: str) -> tuple[str, np.ndarray]:
    """``s`` without its layout whitespace, and for each character kept its offset in ``s``
    (plus ``len(s)`` at the end, so that an end offset maps too)."""
    cuts = [m.span() for m in _WS_RUN.finditer(s) if _removable(s, *m.span())]
    if not cuts:
        return s, np.arange(len(s) + 1)
    keep = np.ones(len(s) + 1, dtype=bool)
    pieces, last = [], 0
    for a, b in cuts:
        keep[a:b] = False
        pieces.append(s[last:a])
        last = b
    pieces.append(s[last:])
    return "".join(pieces), np.flatnonzero(keep)


_CELL_SEP = re.compile(r"\t+|[ \u3000]{2,}|[ \u3000]*[|｜][ \u3000]*")
_HEADER_UNIT = re.compile(r"(?P<name>.*?)[（(](?P<mag>[万千])?(?P<unit>[^（）()]{1,4})[）)]$")
_BARE_NUMBER = re.compile(r"(?:\d{1,3}(?:[,， ]\d{3})+|\d+)(?:\.\d+)?")


def _cells(s: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the non-empty cells of the line s[start:end]."""
    out, last = [], start
    for m in _CELL_SEP.finditer(s, start, end):
        out.append((last, m.start()))
        last = m.end()
    out.append((last, end))
    return [(a, b) for a, b in ((a + len(s[a:b]) - len(s[a:b].lstrip()), b) for a, b in out) if s[a:b].strip()]


@dataclass(frozen=True)
class _TableCell:
    value: float
    unit: str
    kind: str
    start: int
    end: int
    subject: str


def _header_unit_cells(s: str) -> list[_TableCell]:
    """Bare numbers in table columns whose header names the unit, with offsets in ``s``."""
    if "（" not in s and "(" not in s:
        return []
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", s)]
    found: list[_TableCell] = []
    columns: dict[int, tuple[str, str, float, str]] = {}
    width = 0
    for a, b in lines:
        cells = _cells(s, a, b)
        if len(cells) < 2:
            columns = {}
            continue
        header = {}
        for j, (ca, cb) in enumerate(cells):
            m = _HEADER_UNIT.fullmatch(s[ca:cb].strip())
            if m and m["unit"] in UNITS:
                unit, kind = UNITS[m["unit"]]
                header[j] = (unit, kind, _MAGNITUDE[m["mag"]] if m["mag"] else 1.0, m["name"])
        if header:
            columns, width = header, len(cells)
            continue
        if not columns or len(cells) != width:
            columns = {}
            continue
        label = s[cells[0][0] : cells[0][1]].strip()
        for j, (unit, kind, mult, name) in columns.items():
            ca, cb = cells[j]
            text = s[ca:cb].rstrip()
            if _BARE_NUMBER.fullmatch(text):
                value = float(re.sub(r"[,， ]", "", text)) * mult
                found.append(_TableCell(value, unit, kind, ca, ca + len(text), f"{label}…{name}"))
    return found


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
    if after and after in _NOT_A_UNIT_BEFORE.get(surface, ()):
        return None
    return UNITS[surface]


def _parse_pair(m: re.Match[str]) -> list[_Parsed]:
    """两三次, 四五十人: neighbouring digits are a range."""
    a, b = _PAIR_DIGIT[m["pa"]], _PAIR_DIGIT[m["pb"]]
    if not (b == a + 1 or (a, b) == (3, 5)):
        return []
    unit = _unit_of(m, "punit")
    if unit is None:
        return []
    scale = {None: 1.0, "十": 10.0, "百": 100.0, "千": 1000.0}[m["pplace"]]
    scale *= _MAGNITUDE[m["pmag"]] if m["pmag"] else 1.0
    return [_Parsed(b * scale, *unit, True, (m.start("pa"), m.end("pb")), m.start(), m.end(), a * scale)]


def _parse_match(m: re.Match[str], approx_before: bool, text: str, clause_start: int) -> list[_Parsed]:
    """The quantities one regex match stands for (none when its numeral is not a number; two for
    a from→to pair written like a range)."""
    g = m.groupdict()
    if g["pct"] is not None:  # 百分之七十九
        value = 100.0 if g["pct"] == "百" else _number_value(g["pct"], False)
        if value is None:
            return []
        return [_Parsed(value, "%", "percent", bool(g["pct_after"]), m.span("pct"), *m.span())]
    if g["den"] is not None:  # 三分之一
        den, numer = _number_value(g["den"], False), _number_value(g["numer"], False)
        if not den or numer is None:
            return []
        span = (m.start("den"), m.end("numer"))
        return [_Parsed(round(100 * numer / den, 2), "%", "percent", bool(g["frac_after"]), span, *m.span())]
    if g["cheng"] is not None:  # 九成, 九成五 (95 %)
        value = parse_chinese_number(g["cheng"])
        if not value:
            return []
        value = 10 * value + (_PAIR_DIGIT[g["cheng_digit"]] if g["cheng_digit"] else 0)
        return [_Parsed(value, "%", "percent", bool(g["cheng_after"]), m.span("cheng"), *m.span())]
    if g["pa"] is not None:
        return _parse_pair(m)
    approx = bool(g["infix"] or g["infix2"] or g["after"])
    value = _number_value(g["num"], approx or approx_before or g["lo"] is not None)
    unit = _unit_of(m, "unit")
    if value is None or unit is None:
        return []
    if g["mag"]:
        value *= _MAGNITUDE[g["mag"]]
    high = _Parsed(value, *unit, approx, m.span("num"), m.start("num"), m.end())
    if g["lo"] is None:
        return [high]
    low = _number_value(g["lo"], True)
    lo_unit = UNITS[g["lo_unit"]] if g["lo_unit"] else unit
    if low is None or lo_unit != unit:
        return [high]
    if g["lo_mag"]:
        low *= _MAGNITUDE[g["lo_mag"]]
    elif g["mag"] and not g["lo_unit"]:
        low *= _MAGNITUDE[g["mag"]]  # 3至5万元: the 万 is shared
    lo_span = (m.start("lo"), m.end("lo"))
    if _BASELINE_FROM.search(text, clause_start, m.start()):  # 由4支到6支: from→to, two facts
        first = _Parsed(low, *unit, False, lo_span, m.start("lo"), m.start("dash"))
        return [first, high]
    span = (m.start("lo"), m.end("num"))
    return [_Parsed(value, *unit, True, span, m.start(), m.end(), low)]


def _find_facts(norm: str) -> list[_Fact]:
    """The quantities in ``norm`` (compacted text, full-width digits made ASCII), in order."""
    mask = _blocked_mask(norm)
    sentences = _boundaries(norm, _SENTENCE_END)
    clauses = _boundaries(norm, _CLAUSE_END)
    facts: list[_Fact] = []
    for m in _QUANTITY.finditer(norm):
        clause_start, clause_end = _piece(clauses, norm, m.start())
        before = norm[clause_start : m.start()]
        prefix = _APPROX_BEFORE_RE.search(before)
        first = m.group("lo") or m.group("num")
        if prefix is None and first in _BARE_PLACE:
            prefix = re.search(r"上$", before)  # 上百人, 上千份 (but 线上3场 is exact)
        for q in _parse_match(m, prefix is not None, norm, clause_start):
            if any(mask[q.span[0] : q.span[1]]):
                continue
            if m.group("num") and _idiomatic_one(norm, *q.span, m.group("unit")):
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
    cells = _header_unit_cells(norm)
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
    digit = re.search(rf"[0-9]|{_CN_ALL}{{2,}}", post)
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
    norm = text.translate(_FULLWIDTH)  # one character for one: offsets hold in ``text``
    compact, origin = _compact(norm)  # offsets in ``compact`` map to ``text`` through ``origin``
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
