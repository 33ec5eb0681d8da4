"""Numerals that are not quantities: dates, ordinals, enumerations, titles, slogans, place names,
idioms and the stylistic 一 (each rule in :data:`BLOCKERS` with its reason).  :func:`blocked_mask`
marks the characters no fact may start in; the rules are described in
:mod:`civscore.evidence.extract`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from civscore.evidence.numerals import CN_CHARS, UNITS

_N = rf"(?:\d+|[{CN_CHARS}]+)"  # any number token, for the rules below
_WORD = rf"(?:(?![{CN_CHARS}点])[\u4e00-\u9fff])"  # a Chinese character that is not part of a numeral
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
        rf"(?<![{CN_CHARS}])(?:万一|一一)(?![{CN_CHARS}])",  # but not in 一万一千
        rf"(?<![{CN_CHARS}])十分(?!钟)",  # but not in 三十分, 十分钟
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


_NUMERAL_START = f"0-9{CN_CHARS}"


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
    return re.search(rf"[0-9{CN_CHARS}]", m.group()) is not None


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
            rf"|(?<![{CN_CHARS}])其?{_CN_SMALL}(?:是|要)",
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
            rf"[{CN_CHARS}]+[里家元道眼棵孔]"
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
        re.compile(rf"(?<![{CN_CHARS}0-9])[一二两三四五六七八九十]+[个项](?={_alternation(SLOGAN_HEADS)})"),
        "a Chinese numeral + 个/项 + a verb or numeral, not a noun (三个到位, 两个确保, 四个一)",
    ),
    Blocker(
        "门前N包",
        re.compile(
            rf"门前[一二两三四五六七八九十]+包|(?<![{CN_CHARS}])[一二两三四五六七八九十]+包(?=责任|制|要求|协议)"
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


def blocked_mask(text: str) -> bytearray:
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


def idiomatic_one(text: str, start: int, end_num: int, unit: str) -> bool:
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
