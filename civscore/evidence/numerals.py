"""Numbers and units as Chinese work reports write them: the measure words and units a fact may
carry (:data:`UNITS`), the number patterns (Arabic, full-width, Chinese, mixed 3千) and their
values (:func:`parse_chinese_number`).  The rules are described in :mod:`civscore.evidence.extract`."""

from __future__ import annotations

import re

from civscore.errors import import_extra
from civscore.words import say

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
NOT_A_UNIT_BEFORE = {
    "分": set("类别工布析配享散为期批段成解拣送发头管局队会站区支行店红担级层片组户项流离隔明化清开部院校所中"),
    "节": set("气日假庆点约能目"),
}


_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_PLACES = "十百千万亿"
CN_CHARS = _CN_DIGITS + _CN_PLACES
CN_ALL = f"[{CN_CHARS}]"

# full-width digits and signs -> ASCII, one character for one, so offsets are unchanged
FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")

_MIXED = r"(?<![0-9A-Za-z.])\d+(?:[万千百十]\d+)+[千百十]"  # 1千2百, 3万5千
_ARABIC = r"(?<![0-9A-Za-z.])(?<![0-9][,，])(?:\d{1,3}(?:[,，]\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_CHINESE = rf"(?<![{CN_CHARS}第0-9几]){CN_ALL}+(?:点[{_CN_DIGITS}]+)?"
NUMBER = rf"(?:{_MIXED}|{_ARABIC}|{_CHINESE})"
UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))

APPROX_BEFORE = (  # 约 but not 签约/合约, 近 but not 最近/附近
    r"(?:大约|(?<![签合公预制节条契相邀履违特解守婚赴践])约|将近|(?<![附最就邻靠亲贴])近"
    r"|不超过|超过|突破|逾|超|不足|不到|不少于|不低于|至少)"
)
APPROX_INFIX = r"(?:多|余|来|几)"
APPROX_AFTER = r"(?:以上|左右|上下)"
DASH = r"(?:至|到|~|～|-|－|—{1,2}|–)"
MAG = rf"[万亿千百](?!{CN_ALL})"

MAGNITUDE = {"百": 1e2, "千": 1e3, "万": 1e4, "亿": 1e8}
BARE_PLACE = {"百": 100.0, "千": 1000.0, "万": 10000.0, "亿": 1e8}
PAIR_DIGIT = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TO_CN_DIGIT = str.maketrans("0123456789", "〇一二三四五六七八九")


def parse_chinese_number(token: str) -> float | None:
    """Value of a Chinese numeral (八, 十二, 两千, 一千三百六十三, 九十二点三), else None.

    Uses cn2an.  Digit-by-digit readings (七一, 一二, 二〇二三) are not counts and give None,
    as do lone place characters (百, 千, 万: see :func:`number_value`).
    """
    if token in BARE_PLACE:
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


def number_value(token: str, approximate: bool) -> float | None:
    if token[0].isdigit():
        if token[-1] in _CN_PLACES:  # 1千2百: the digits as Chinese numerals
            return parse_chinese_number(token.translate(_TO_CN_DIGIT))
        return float(token.replace(",", "").replace("，", ""))
    if token in BARE_PLACE:  # 千余人, 近百名, 上万元; a lone 百/千/万 is otherwise a word (百姓)
        return BARE_PLACE[token] if approximate else None
    return parse_chinese_number(token)
