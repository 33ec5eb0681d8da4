"""Generate the synthetic sample data shipped with civscore.

    python data/generate_sample.py

Every file is written next to this script. ALL DATA IS SYNTHETIC: the communities,
compounds, streets and numbers are invented by a seeded random model and describe no real
place. The run is deterministic: the CSV files are identical byte for byte on every run
(the .xlsx workbook is too, as its creation date is fixed).

Model
-----
Each community has a latent "creation quality" q in [0, 1] for 2025; its 2024 quality is a
little lower (communities improve year over year, most of them). Each data column is driven
by q plus a community-specific persistent offset (the same in both years) plus yearly noise,
then mapped to a plausible range. Facility-like columns (面积, 电梯, 选举参选率, ...) persist
between years. A few cells are blank on purpose, and a few units are set up to trigger each
veto and to tie (see ``plant_specials``); data/README.md lists them.

Files written
-------------
communities_2024.csv, communities_2025.csv   60 communities (SQ001-SQ060), UTF-8 with BOM
communities_2025.xlsx                        same as the 2025 CSV + a 说明 sheet
communities_2025_gbk.csv                     same as the 2025 CSV, GBK encoded (no BOM)
communities_2025_broken.csv                  2025 data with planted errors (validation demo)
compounds_2025.csv                           80 residential compounds (XQ001-XQ080)
"""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 2025

STREETS = ["城关街道", "东城街道", "西城街道", "南湖街道", "北关街道"]

COMMUNITY_NAMES = [
    # 城关街道
    "幸福里社区",
    "和平社区",
    "建设路社区",
    "光明社区",
    "朝阳社区",
    "向阳社区",
    "新华社区",
    "人民路社区",
    "解放路社区",
    "文化路社区",
    "育才社区",
    "鼓楼社区",
    # 东城街道
    "振兴社区",
    "团结社区",
    "友谊社区",
    "胜利社区",
    "红旗社区",
    "东风社区",
    "长青社区",
    "桃园社区",
    "柳林社区",
    "杏花社区",
    "梨园社区",
    "金桥社区",
    # 西城街道
    "银河社区",
    "滨河社区",
    "滨江社区",
    "西湖社区",
    "北苑社区",
    "翠苑社区",
    "锦绣社区",
    "春晖社区",
    "书香社区",
    "和谐社区",
    "安居社区",
    "乐业社区",
    # 南湖街道
    "南湖社区",
    "湖滨社区",
    "康乐社区",
    "福寿社区",
    "永安社区",
    "长安社区",
    "泰和社区",
    "兴隆社区",
    "丰收社区",
    "龙泉社区",
    "凤凰社区",
    "青年路社区",
    # 北关街道
    "工人村社区",
    "铁路社区",
    "电厂社区",
    "纺织社区",
    "机械厂社区",
    "大学城社区",
    "北关社区",
    "明珠社区",
    "花园社区",
    "园林社区",
    "新村社区",
    "玉泉社区",
]
N = len(COMMUNITY_NAMES)  # 60

# Column order of the community files (2024 and 2025 alike).
COMMUNITY_COLUMNS = [
    "社区代码",
    "社区名称",
    "街道",
    "常住人口(人)",
    # 组织领导
    "成立创建领导小组",
    "制定年度创建计划",
    "党组织评定等次",
    "创建知晓率",
    # 思想道德建设
    "文明实践站规范运行",
    "公益广告点位数",
    "身边好人评选人数",
    "文明素养测评得分",
    "未成年人思想道德建设测评得分",
    "四点半课堂",
    # 文化活动
    "文化活动场次",
    "健身设施完好率",
    "文化活动室面积(平方米)",
    "文艺团队数",
    # 环境卫生
    "环境问题点位数",
    "环境观察等次",
    "绿化覆盖率",
    "垃圾分类参与率",
    "垃圾分类准确率",
    # 社会治安
    "刑事案件数",
    "群众安全感",
    "调解成功率",
    "重复信访件数",
    # 志愿服务
    "志愿者注册人数",
    "志愿服务项目数",
    "志愿服务总时长(小时)",
    "志愿服务站",
    # 关爱帮扶
    "低保应保户数",
    "低保实际保障户数",
    "居家养老服务覆盖率",
    "具备加装条件楼栋数",
    "已加装电梯楼栋数",
    "结对帮扶户数",
    # 居务公开
    "居务公开栏按时更新",
    "选举参选率",
    "居务公开满意度",
    "居民议事协商次数",
    # 特色指标 (bonus)
    "市级以上表彰数",
    "特色志愿服务品牌",
    "创新经验被推广",
    "正面报道篇数",
    # 否决 / 限分 / 扣分
    "重大安全责任事故数",
    "严重违法犯罪案件数",
    "负面舆情查实数",
]

# Columns holding counts: written as integers (nullable where cells may be blank).
INT_COLUMNS = [
    "常住人口(人)",
    "公益广告点位数",
    "身边好人评选人数",
    "文化活动场次",
    "文艺团队数",
    "环境问题点位数",
    "刑事案件数",
    "重复信访件数",
    "志愿者注册人数",
    "志愿服务项目数",
    "志愿服务总时长(小时)",
    "低保应保户数",
    "低保实际保障户数",
    "具备加装条件楼栋数",
    "已加装电梯楼栋数",
    "结对帮扶户数",
    "居民议事协商次数",
    "市级以上表彰数",
    "正面报道篇数",
    "重大安全责任事故数",
    "严重违法犯罪案件数",
    "负面舆情查实数",
    "文化活动室面积(平方米)",
]

# Which communities have no eligible old buildings (加装电梯 not applicable -> exclude),
# no outdoor fitness equipment (-> mean), and other deliberate blanks (-> zero).
NO_OLD_BUILDINGS = ["SQ006", "SQ014", "SQ027", "SQ033", "SQ045", "SQ054", "SQ059"]
NO_FITNESS_EQUIPMENT = ["SQ011", "SQ038", "SQ052"]
GREEN_COVER_NOT_REPORTED_2025 = ["SQ048"]
ELECTION_RECORD_MISSING = ["SQ057"]

# Veto / gate / penalty units (2025), the tie pair, and 2024's own veto unit.
ACCIDENT_2025 = "SQ023"  # 重大安全责任事故 -> fail
SERIOUS_CRIME_2025 = "SQ041"  # 严重违法犯罪 -> fail
MINORS_GATE_2025 = {"SQ009": 83.5, "SQ030": 82.0}  # below 85 -> total capped at 79
NEGATIVE_OPINION_2025 = ["SQ016", "SQ050"]  # 负面舆情查实 -> deduct 5
TIE_PAIR_2025 = ("SQ004", "SQ037")  # identical points, different raw data
ACCIDENT_2024 = "SQ052"
# Latent 2025 quality of those units, so that each veto visibly changes the outcome
# (e.g. the gate units would otherwise be 先进 or better).
PLANTED_QUALITY = {
    "SQ023": 0.80,
    "SQ041": 0.70,
    "SQ009": 0.86,
    "SQ030": 0.88,
    "SQ016": 0.76,
    "SQ050": 0.66,
    "SQ004": 0.95,
    "SQ037": 0.93,
}


def _clip01(x):
    return np.clip(x, 0.0, 1.0)


def _r1(x):
    """Round to one decimal (percentages, scores)."""
    return np.round(np.asarray(x, dtype=float), 1)


def _yes_no(mask):
    return np.where(mask, "是", "否")


def _grade(s, cuts=(0.72, 0.45, 0.2)):
    a, b, c = cuts
    return np.select([s >= a, s >= b, s >= c], ["A", "B", "C"], default="D")


def make_communities(rng: np.random.Generator):
    """Return (df_2024, df_2025) for the 60 sample communities."""
    ids = [f"SQ{i:03d}" for i in range(1, N + 1)]
    streets = np.repeat(STREETS, N // len(STREETS))

    q25 = 0.25 + 0.65 * rng.beta(3.0, 2.4, N)
    for uid, q in PLANTED_QUALITY.items():  # units set up for vetoes and the tie
        q25[ids.index(uid)] = q
    gain = rng.normal(0.035, 0.045, N)  # most improve, a few slip back
    q24 = _clip01(q25 - gain)

    pop24 = np.round(rng.uniform(3000, 14000, N)).astype(int)
    pop25 = np.round(pop24 * (1 + rng.normal(0.008, 0.015, N))).astype(int)

    # facility-like quantities that persist between years
    room24 = np.round(rng.choice([40, 60, 80, 120, 150, 180, 220, 260, 300], N) * 1.0).astype(int)
    expand = rng.random(N) < 0.12
    room25 = np.where(expand, room24 + rng.choice([40, 60, 100], N), room24)
    green_base = rng.normal(31, 5, N)
    turnout = _r1(np.clip(rng.normal(86, 6, N), 62, 99.5))  # last 换届选举 (2021)
    eligible_bld = rng.poisson(14, N) + 2
    installed25 = rng.binomial(eligible_bld, _clip01(0.08 + 0.6 * q25))
    installed24 = installed25 - rng.binomial(installed25, 0.35)
    subsist_eligible24 = rng.poisson(np.maximum(pop24 / 1000 * 2.5, 2)) + 1
    subsist_eligible25 = np.maximum(subsist_eligible24 + rng.integers(-2, 3, N), 1)

    # persistent per-community offsets, one per driven column
    driven = [
        "lead",
        "plan",
        "party",
        "aware",
        "station",
        "ads",
        "models",
        "civility",
        "minors",
        "class430",
        "events",
        "fitness",
        "teams",
        "problems",
        "envgrade",
        "green",
        "sorting",
        "accuracy",
        "crime",
        "safety",
        "mediation",
        "petitions",
        "vol_ratio",
        "vol_projects",
        "vol_hours",
        "vol_station",
        "subsist",
        "elderly",
        "paired",
        "board",
        "satisfaction",
        "consult",
        "honours",
        "brand",
        "innovation",
        "media",
    ]
    persistent = {k: rng.normal(0, 0.10, N) for k in driven}

    def year(q, pop, room, installed, subsist_eligible, yr):
        noise = {k: rng.normal(0, 0.06, N) for k in driven}

        def s(k):
            return _clip01(q + persistent[k] + noise[k])

        d = {}
        d["社区代码"] = ids
        d["社区名称"] = COMMUNITY_NAMES
        d["街道"] = streets
        d["常住人口(人)"] = pop
        d["成立创建领导小组"] = _yes_no(s("lead") > 0.12)
        d["制定年度创建计划"] = _yes_no(s("plan") > 0.25)
        d["党组织评定等次"] = _grade(s("party"))
        d["创建知晓率"] = _r1(np.clip(68 + 34 * s("aware") + rng.normal(0, 2, N), 55, 100))
        d["文明实践站规范运行"] = _yes_no(s("station") > 0.3)
        d["公益广告点位数"] = rng.poisson(0.5 + 4.5 * s("ads"))
        d["身边好人评选人数"] = rng.poisson(0.3 + 2.2 * s("models"))
        d["文明素养测评得分"] = _r1(np.clip(70 + 28 * s("civility"), 55, 99))
        d["未成年人思想道德建设测评得分"] = _r1(np.clip(85.5 + 13 * s("minors"), 85.0, 99.5))
        d["四点半课堂"] = _yes_no(s("class430") > 0.35)
        d["文化活动场次"] = rng.poisson(4 + 16 * s("events"))
        d["健身设施完好率"] = _r1(np.clip(66 + 34 * s("fitness"), 50, 100))
        d["文化活动室面积(平方米)"] = room
        d["文艺团队数"] = rng.poisson(0.6 + 4 * s("teams"))
        d["环境问题点位数"] = rng.poisson(0.5 + 9 * (1 - s("problems")))
        d["环境观察等次"] = _grade(s("envgrade"))
        d["绿化覆盖率"] = _r1(np.clip(green_base + 6 * (s("green") - 0.5), 15, 48))
        d["垃圾分类参与率"] = _r1(np.clip(55 + 44 * s("sorting"), 40, 99.5))
        d["垃圾分类准确率"] = _r1(np.clip(55 + 42 * s("accuracy"), 40, 98))
        d["刑事案件数"] = rng.poisson(pop / 10000 * (3 + 26 * (1 - s("crime"))))
        d["群众安全感"] = _r1(np.clip(78 + 21 * s("safety"), 70, 99.8))
        d["调解成功率"] = _r1(np.clip(82 + 18 * s("mediation"), 75, 100))
        d["重复信访件数"] = rng.poisson(10 * (1 - s("petitions")) ** 2)
        vol = np.round(pop * (0.035 + 0.15 * s("vol_ratio"))).astype(int)
        d["志愿者注册人数"] = vol
        d["志愿服务项目数"] = rng.poisson(0.5 + 3.5 * s("vol_projects"))
        d["志愿服务总时长(小时)"] = np.round(vol * (3 + 22 * s("vol_hours"))).astype(int)
        d["志愿服务站"] = _yes_no(s("vol_station") > 0.3)
        d["低保应保户数"] = subsist_eligible
        short = np.where(s("subsist") > 0.35, 0, np.where(s("subsist") > 0.15, 1, 2))
        d["低保实际保障户数"] = np.maximum(subsist_eligible - short, 0)
        d["居家养老服务覆盖率"] = _r1(np.clip(38 + 58 * s("elderly"), 25, 98))
        d["具备加装条件楼栋数"] = eligible_bld
        d["已加装电梯楼栋数"] = installed
        d["结对帮扶户数"] = rng.poisson(2 + 12 * s("paired"))
        d["居务公开栏按时更新"] = _yes_no(s("board") > 0.22)
        d["选举参选率"] = turnout
        d["居务公开满意度"] = _r1(np.clip(72 + 26 * s("satisfaction"), 60, 99.5))
        d["居民议事协商次数"] = rng.poisson(1 + 6 * s("consult"))
        d["市级以上表彰数"] = rng.poisson(0.1 + 1.8 * s("honours") ** 2)
        d["特色志愿服务品牌"] = _yes_no(s("brand") > 0.72)
        d["创新经验被推广"] = _yes_no(s("innovation") > 0.8)
        d["正面报道篇数"] = rng.poisson(0.2 + 2.2 * s("media") ** 2)
        d["重大安全责任事故数"] = np.zeros(N, dtype=int)
        d["严重违法犯罪案件数"] = np.zeros(N, dtype=int)
        d["负面舆情查实数"] = np.zeros(N, dtype=int)
        df = pd.DataFrame(d)[COMMUNITY_COLUMNS]

        # deliberate blanks (policies: exclude / mean / zero)
        df = df.astype({c: "Int64" for c in INT_COLUMNS})
        idx = df.set_index("社区代码").index
        none_old = idx.isin(NO_OLD_BUILDINGS)
        df.loc[none_old, ["具备加装条件楼栋数", "已加装电梯楼栋数"]] = pd.NA
        df.loc[idx.isin(NO_FITNESS_EQUIPMENT), "健身设施完好率"] = np.nan
        df.loc[idx.isin(ELECTION_RECORD_MISSING), "选举参选率"] = np.nan
        if yr == 2025:
            df.loc[idx.isin(GREEN_COVER_NOT_REPORTED_2025), "绿化覆盖率"] = np.nan
        return df

    df24 = year(q24, pop24, room24, installed24, subsist_eligible24, 2024)
    df25 = year(q25, pop25, room25, installed25, subsist_eligible25, 2025)
    plant_specials(df24, df25)
    return df24, df25


def _row(df, uid):
    return df.index[df["社区代码"] == uid][0]


def plant_specials(df24: pd.DataFrame, df25: pd.DataFrame) -> None:
    """Set up the veto units and the tie pair (in place). Documented in README.md."""
    df25.loc[_row(df25, ACCIDENT_2025), "重大安全责任事故数"] = 1
    df25.loc[_row(df25, SERIOUS_CRIME_2025), "严重违法犯罪案件数"] = 1
    for uid, score in MINORS_GATE_2025.items():
        df25.loc[_row(df25, uid), "未成年人思想道德建设测评得分"] = score
    for uid in NEGATIVE_OPINION_2025:
        df25.loc[_row(df25, uid), "负面舆情查实数"] = 1
    df24.loc[_row(df24, ACCIDENT_2024), "重大安全责任事故数"] = 1

    # Tie pair: two strong communities whose raw data differ but which earn exactly the same
    # points on every indicator (rates at or above the full-score line, the same discrete
    # outcomes), as happens when scores are mostly discrete.
    a, b = (_row(df25, u) for u in TIE_PAIR_2025)
    full = {  # column: (value for a, value for b) -- at or beyond the full-score line
        "创建知晓率": (100.0, 100.0),
        "文明素养测评得分": (96.4, 95.2),
        "未成年人思想道德建设测评得分": (97.5, 96.0),
        "健身设施完好率": (97.0, 98.6),
        "绿化覆盖率": (38.2, 36.5),
        "垃圾分类参与率": (93.6, 91.8),
        "垃圾分类准确率": (91.2, 93.0),
        "群众安全感": (92.4, 91.1),  # both in the 90-95 band
        "调解成功率": (100.0, 98.5),
        "居家养老服务覆盖率": (92.0, 90.6),
        "选举参选率": (91.5, 94.3),
        "居务公开满意度": (95.8, 96.3),
    }
    for col, (va, vb) in full.items():
        df25.loc[a, col] = va
        df25.loc[b, col] = vb
    for r in (a, b):
        pop = int(df25.loc[r, "常住人口(人)"])
        vol = round(pop * 0.16)
        df25.loc[r, "志愿者注册人数"] = vol
        df25.loc[r, "志愿服务总时长(小时)"] = vol * 21 + int(pop % 97)
        df25.loc[r, "刑事案件数"] = int(pop // 40000)  # <= 2.5 per 10,000
        df25.loc[r, "低保实际保障户数"] = df25.loc[r, "低保应保户数"]
        eligible = df25.loc[r, "具备加装条件楼栋数"]
        df25.loc[r, "已加装电梯楼栋数"] = int(-(-int(eligible) // 2)) + (r % 2)
    same = [
        "成立创建领导小组",
        "制定年度创建计划",
        "党组织评定等次",
        "文明实践站规范运行",
        "四点半课堂",
        "环境观察等次",
        "志愿服务站",
        "居务公开栏按时更新",
        "特色志愿服务品牌",
        "创新经验被推广",
        "文化活动室面积(平方米)",
    ]
    for col in same:
        df25.loc[b, col] = df25.loc[a, col]
    # counts: same capped outcome or the same number of items
    df25.loc[a, "公益广告点位数"], df25.loc[b, "公益广告点位数"] = 5, 4  # both >= 4 (cap 2)
    df25.loc[a, "身边好人评选人数"], df25.loc[b, "身边好人评选人数"] = 2, 3  # both >= 2
    df25.loc[a, "文化活动场次"], df25.loc[b, "文化活动场次"] = 18, 16  # both >= 16
    df25.loc[a, "文艺团队数"], df25.loc[b, "文艺团队数"] = 3, 3
    df25.loc[a, "环境问题点位数"], df25.loc[b, "环境问题点位数"] = 1, 1
    df25.loc[a, "重复信访件数"], df25.loc[b, "重复信访件数"] = 1, 2  # both <= 2
    df25.loc[a, "志愿服务项目数"], df25.loc[b, "志愿服务项目数"] = 4, 3  # both >= 3
    df25.loc[a, "结对帮扶户数"], df25.loc[b, "结对帮扶户数"] = 12, 14  # both >= 12
    df25.loc[a, "市级以上表彰数"], df25.loc[b, "市级以上表彰数"] = 1, 1
    df25.loc[a, "正面报道篇数"], df25.loc[b, "正面报道篇数"] = 2, 2
    for col in ("重大安全责任事故数", "严重违法犯罪案件数", "负面舆情查实数"):
        df25.loc[a, col] = df25.loc[b, col] = 0


# ----------------------------------------------------------------------------- compounds

COMPOUND_PREFIX = [
    "阳光",
    "锦绣",
    "翠竹",
    "金色",
    "丽景",
    "盛世",
    "御景",
    "碧水",
    "紫荆",
    "香樟",
    "银杏",
    "兰亭",
    "清华",
    "华府",
    "世纪",
    "时代",
    "绿洲",
    "东方",
    "书香",
    "康桥",
]
COMPOUND_SUFFIX = ["花园", "家园", "苑", "小区", "名邸", "公寓", "雅居", "新城"]
OLD_HOUSING_NAMES = [
    "纺织厂家属院",
    "电业局宿舍",
    "粮食局宿舍",
    "机械厂家属院",
    "自来水公司宿舍",
    "供销社家属院",
    "教师新村",
    "印刷厂宿舍",
    "棉纺二厂宿舍",
    "卫生局家属院",
    "邮电局宿舍",
    "农机厂家属院",
    "物资局宿舍",
    "化肥厂家属院",
    "百货公司宿舍",
    "二轻局家属院",
]
COMPOUND_COLUMNS = [
    "小区代码",
    "小区名称",
    "街道",
    "社区",
    "总户数",
    # 安全防范
    "门禁系统正常运行",
    "视频监控覆盖率",
    "保安巡逻班次",
    "保安人数",
    "入室盗窃案件数",
    "居民安全感",
    # 消防安全
    "消防隐患数",
    "消防通道畅通",
    "电动自行车保有量",
    "集中充电车位数",
    "年度消防演练次数",
    # 物业管理
    "物业服务等级",
    "物业服务满意度",
    "投诉平均办结天数",
    "业主委员会依法成立",
    # 环境秩序
    "乱搭乱建处数",
    "车辆停放秩序等次",
    "垃圾分类参与率",
    # 邻里和谐
    "邻里纠纷调解成功率",
    "文明家庭户数",
    # 否决 / 限分
    "火灾亡人事故数",
    "重大火灾隐患未整改数",
]
N_COMPOUNDS = 80
FIRE_DEATH = "XQ031"
UNRESOLVED_FIRE_HAZARD = ["XQ012", "XQ066"]
NO_EBIKES = ["XQ008", "XQ047"]  # 0 e-bikes: charging ratio is 0/0 -> exclude
NO_DISPUTES = ["XQ019", "XQ055", "XQ073"]  # no disputes this year: rate blank -> exclude
PLANTED_COMPOUND_QUALITY = {"XQ031": 0.75, "XQ012": 0.85, "XQ066": 0.70}


def make_compounds(rng: np.random.Generator) -> pd.DataFrame:
    n = N_COMPOUNDS
    names = [p + s for p in COMPOUND_PREFIX for s in COMPOUND_SUFFIX]
    names = list(rng.choice(names, n, replace=False))
    # 80 compounds in 30 of the 60 communities
    host = np.sort(rng.choice(N, 30, replace=False))
    which = np.sort(np.concatenate([host, rng.choice(host, n - 30, replace=True)]))
    community = [COMMUNITY_NAMES[i] for i in which]
    street = [STREETS[i // (N // len(STREETS))] for i in which]

    q = 0.36 + 0.6 * rng.beta(3.0, 2.4, n)
    for cid, qq in PLANTED_COMPOUND_QUALITY.items():
        q[int(cid[2:]) - 1] = qq

    def s(spread=0.12):
        return _clip01(q + rng.normal(0, spread, n))

    households = np.round(rng.uniform(180, 2200, n)).astype(int)
    grade_s = s()
    # compounds without a property company are mostly old work-unit housing (单位宿舍/家属院)
    old_housing = np.flatnonzero(grade_s <= 0.48)
    for k, i in enumerate(old_housing):
        names[i] = OLD_HOUSING_NAMES[k % len(OLD_HOUSING_NAMES)]
        households[i] = min(households[i], 160 + 40 * k)
    d = {
        "小区代码": [f"XQ{i:03d}" for i in range(1, n + 1)],
        "小区名称": names,
        "街道": street,
        "社区": community,
        "总户数": households,
        "门禁系统正常运行": _yes_no(s() > 0.25),
        "视频监控覆盖率": _r1(np.clip(62 + 40 * s(), 40, 100)),
        "保安巡逻班次": rng.poisson(0.6 + 3.2 * s()),
        "保安人数": np.maximum(np.round(households / 100 * (0.4 + 2.0 * s())), 1).astype(int),
        "入室盗窃案件数": rng.poisson(2.2 * (1 - s()) ** 2),
        "居民安全感": _r1(np.clip(72 + 26 * s(), 60, 99.5)),
        "消防隐患数": rng.poisson(0.5 + 7 * (1 - s())),
        "消防通道畅通": _yes_no(s() > 0.3),
        "电动自行车保有量": np.round(households * rng.uniform(0.2, 0.7, n)).astype(int),
        "年度消防演练次数": rng.poisson(0.4 + 2.4 * s()),
        "物业服务等级": np.select(
            [grade_s > 0.8, grade_s > 0.62, grade_s > 0.48], ["一级", "二级", "三级"], default="无物业"
        ),
        "物业服务满意度": _r1(np.clip(62 + 36 * s(), 50, 99)),
        "投诉平均办结天数": _r1(np.clip(16 - 13 * s() + rng.normal(0, 1, n), 1.5, 20)),
        "业主委员会依法成立": _yes_no(s() > 0.4),
        "乱搭乱建处数": rng.poisson(3 * (1 - s()) ** 1.5),
        "车辆停放秩序等次": _grade(s()),
        "垃圾分类参与率": _r1(np.clip(50 + 48 * s(), 35, 99)),
        "邻里纠纷调解成功率": _r1(np.clip(72 + 30 * s(), 60, 100)),
        "文明家庭户数": rng.poisson(1 + 8 * s()),
        "火灾亡人事故数": np.zeros(n, dtype=int),
        "重大火灾隐患未整改数": np.zeros(n, dtype=int),
    }
    ratio = _clip01(0.05 + 0.5 * s())
    d["集中充电车位数"] = np.round(d["电动自行车保有量"] * ratio).astype(int)
    df = pd.DataFrame(d)[COMPOUND_COLUMNS]
    df = df.astype({c: "Int64" for c in ["电动自行车保有量", "集中充电车位数"]})
    idx = pd.Index(df["小区代码"])
    df.loc[idx.isin(NO_EBIKES), ["电动自行车保有量", "集中充电车位数"]] = 0
    df.loc[idx.isin(NO_DISPUTES), "邻里纠纷调解成功率"] = np.nan
    df.loc[idx == FIRE_DEATH, "火灾亡人事故数"] = 1
    df.loc[idx.isin(UNRESOLVED_FIRE_HAZARD), "重大火灾隐患未整改数"] = 1
    return df


# ------------------------------------------------------------------------- broken copy


def make_broken(df25: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Copy of the 2025 data with realistic data-entry errors, for the validation demo."""
    df = df25.astype(object).where(df25.notna(), None).copy()
    notes = []

    def put(uid, col, value, why):
        r = df.index[df["社区代码"] == uid][0]
        df.loc[r, col] = value
        notes.append(f"{uid} {col} = {value!r}: {why}")

    r = df.index[df["社区代码"] == "SQ013"][0]
    df.loc[r, "社区代码"] = "SQ012"
    notes.append("second SQ012 (row of 振兴社区, was SQ013): duplicate id")
    put("SQ005", "垃圾分类参与率", "85%", "rate typed as text with a percent sign")
    put("SQ021", "常住人口(人)", "3000多", "approximate population typed as text")
    put("SQ034", "成立创建领导小组", "有的", "boolean answered in words (not 是/否)")
    put("SQ042", "志愿服务项目数", -2, "negative count")
    put("SQ047", "党组织评定等次", "B+", "grade not in the A/B/C/D map")
    put("SQ058", "未成年人思想道德建设测评得分", None, "empty cell in a required (missing: error) column")
    return df, notes


# ------------------------------------------------------------------------------ output


def write_csv(df: pd.DataFrame, path: Path, encoding: str = "utf-8-sig") -> None:
    df.to_csv(path, index=False, encoding=encoding, lineterminator="\n")


def write_xlsx(df: pd.DataFrame, path: Path) -> None:
    notes = pd.DataFrame(
        {
            "说明": [
                "本工作簿中的全部数据均为虚构的合成数据（synthetic data），由 data/generate_sample.py "
                f"以固定随机种子 {SEED} 生成，不代表任何真实社区、街道或个人。",
                "第一个工作表“2025年测评数据”与 data/communities_2025.csv 内容相同。",
                "百分比类字段（知晓率、参与率、满意度等）以 0–100 的数值表示，单位为 %。",
                "布尔字段用“是/否”；空白单元格表示缺失（见 data/README.md 与测评体系中的缺项规则）。",
                "All data in this workbook is synthetic, generated for the civscore examples.",
            ]
        }
    )
    with pd.ExcelWriter(
        path,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as xw:
        df.to_excel(xw, sheet_name="2025年测评数据", index=False)
        notes.to_excel(xw, sheet_name="说明", index=False)
        wb = xw.book
        wb.set_properties(
            {
                "title": "文明社区测评示例数据（合成数据）",
                "comments": "Synthetic data generated by data/generate_sample.py",
                "created": _dt.datetime(2025, 1, 1),
            }
        )
        ws = xw.sheets["2025年测评数据"]
        ws.freeze_panes(1, 2)
        ws.set_column(0, len(df.columns) - 1, 12)
        xw.sheets["说明"].set_column(0, 0, 110)


def main(out: Path = HERE) -> None:
    """Write every sample file into ``out`` (default: this folder)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    df24, df25 = make_communities(rng)
    compounds = make_compounds(rng)
    broken, _notes = make_broken(df25)

    write_csv(df24, out / "communities_2024.csv")
    write_csv(df25, out / "communities_2025.csv")
    write_csv(df25, out / "communities_2025_gbk.csv", encoding="gbk")
    write_csv(broken, out / "communities_2025_broken.csv")
    write_csv(compounds, out / "compounds_2025.csv")
    write_xlsx(df25, out / "communities_2025.xlsx")
    for line in _notes:
        print("planted:", line)
    print(f"wrote {len(df24)} + {len(df25)} communities, {len(compounds)} compounds to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
