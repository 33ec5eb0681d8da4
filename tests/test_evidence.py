"""Reading quantified facts out of work reports (issue 7): extractor rules, the labelled sample
reports, and the candidate data sheet."""

from __future__ import annotations

import csv
import re
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from civscore.errors import DataError
from civscore.evidence.extract import COLUMNS, extract_evidence, parse_chinese_number
from civscore.evidence.sheet import (
    CHECK_SUFFIX,
    CONFLICT,
    MULTIPLE,
    SOURCE_SUFFIX,
    candidate_sheet,
    evidence_columns,
    match_evidence,
    read_reports,
)

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"


def facts(text: str) -> list[tuple[float, str]]:
    df = extract_evidence(text)
    return [(round(v, 4), u) for v, u in zip(df["value"], df["unit"])]


def one(text: str) -> pd.Series:
    df = extract_evidence(text)
    assert len(df) == 1, df
    return df.iloc[0]


# ---------------------------------------------------------------------------------------------
# Output shape
# ---------------------------------------------------------------------------------------------


def test_columns_and_types():
    df = extract_evidence("共调解邻里纠纷28起，调解成功率96%。")
    assert list(df.columns) == COLUMNS
    assert df["value"].dtype == "float64"
    assert df["approx"].dtype == bool
    assert df["start"].dtype == "int64" and df["end"].dtype == "int64"
    assert df["unit"].tolist() == ["起", "%"]


def test_issue_examples():
    text = (
        "共调解邻里纠纷28起, 调解成功率96%, 发放宣传册2000余份,受益群众4000多人, "
        "下拨8万元专项经费…每个小区2万元, 治安警情同比下降12.5%, 新增绿地3000余平米"
    )
    df = extract_evidence(text)
    assert list(zip(df["value"], df["unit"], df["approx"])) == [
        (28, "起", False),
        (96, "%", False),
        (2000, "份", True),
        (4000, "人", True),
        (80000, "元", False),
        (20000, "元", False),
        (-12.5, "%", False),
        (3000, "平米", True),
    ]
    assert df["subject"].tolist()[:4] == ["调解邻里纠纷", "调解成功率", "发放宣传册", "受益群众"]


def test_empty_and_numberless_text():
    for text in ["", "社区坚持党建引领，推动创建工作常态化。"]:
        df = extract_evidence(text)
        assert df.empty and list(df.columns) == COLUMNS


def test_rejects_non_text():
    with pytest.raises(TypeError):
        extract_evidence(None)  # type: ignore[arg-type]


def test_offsets_point_at_the_quantity():
    text = "全年发放宣传册２０００余份，受益群众约4000人，下拨8万元专项经费。"
    df = extract_evidence(text)
    for row in df.itertuples():
        assert text[row.start : row.end] == row.raw
    assert df["raw"].tolist() == ["２０００余份", "约4000人", "8万元"]


def test_subject_and_sentence():
    text = "今年，社区发放宣传资料2000余份。建成3个志愿服务站，覆盖居民1200户。"
    df = extract_evidence(text)
    assert df["subject"].tolist()[0] == "社区发放宣传资料"
    assert "志愿服务站" in df["subject"].tolist()[1]
    assert df["sentence"].tolist()[1] == "建成3个志愿服务站，覆盖居民1200户。"
    assert df["subject"].tolist()[2] == "覆盖居民"


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("举办道德讲堂八期", (8, "期")),
        ("新招募网格员一名", (1, "名")),
        ("发放倡议书两千份", (2000, "份")),
        ("组建巡逻队十二支", (12, "支")),
        ("慰问困难党员一百零五人", (105, "人")),
        ("满意率为九十二点三%", (92.3, "%")),
        ("注册志愿者１３８８人", (1388, "人")),
        ("常住居民3,952户", (3952, "户")),
        ("人均服务时长19.7小时", (19.7, "小时")),
        ("募集资金12万元", (120000, "元")),
        ("累计服务3.5万人次", (35000, "人次")),
        ("争取上级资金1.2亿元", (120000000, "元")),
        ("投入资金两万三千元", (23000, "元")),
        ("新增绿地3000平方米", (3000, "平米")),
        ("清运渣土260立方米", (260, "立方")),
        ("辖区面积1.2平方公里", (1.2, "平方公里")),
    ],
)
def test_numbers_and_units(text, expected):
    assert facts(text) == [expected]


def test_no_rule_fires_inside_a_chinese_numeral():
    """Stop phrases and idiom rules (万一, 十分, 一X一Y …) must not split real numerals."""
    cn2an = pytest.importorskip("cn2an")
    numbers = list(range(1, 2500)) + list(range(2500, 1_000_000, 4999))
    text = "".join(f"共有{cn2an.an2cn(n)}名。" for n in numbers)
    assert extract_evidence(text)["value"].tolist() == numbers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("共计3，000人", [(3000, "人")]),  # full-width thousands separator
        ("调解纠纷12起，300人受益", [(12, "起"), (300, "人")]),
        ("步行十分钟", [(10, "分钟")]),
        ("十一万一千元", [(111000, "元")]),
        ("发放口罩2万只、消毒液500瓶", [(20000, "只"), (500, "瓶")]),
    ],
)
def test_numeral_edge_cases(text, expected):
    assert facts(text) == expected


def test_chinese_numerals_use_cn2an_and_reject_digit_strings():
    assert parse_chinese_number("一千三百六十三") == 1363
    assert parse_chinese_number("两千") == 2000
    assert parse_chinese_number("九十二点三") == pytest.approx(92.3)
    for name in ["七一", "五一", "一二三", "二〇二三", "百", "千"]:
        assert parse_chinese_number(name) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("居民知晓率79%", (79, "%")),
        ("覆盖率９６．５％", (96.5, "%")),
        ("群众满意度百分之七十九", (79, "%")),
        ("按时办结率百分之百", (100, "%")),
        ("九成居民参与了议事", (90, "%")),
        ("约三分之一的楼栋已加装电梯", (33.33, "%")),
        ("较上年提高3.2个百分点", (3.2, "百分点")),
        ("捐款额是去年的2倍", (2, "倍")),
    ],
)
def test_percentages(text, expected):
    assert facts(text) == [expected]


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("治安警情同比下降0.8%", -0.8, "%"),
        ("刑事案件同比减少3起", -3, "起"),
        ("发案率降低了1.5个百分点", -1.5, "百分点"),
        ("可防性案件环比下降12.5%", -12.5, "%"),
        ("志愿服务时长同比增长15%", 15, "%"),
        ("参与率比上年上升4个百分点", 4, "百分点"),
        ("满意度提高2.1个百分点", 2.1, "百分点"),
    ],
)
def test_signed_changes(text, value, unit):
    row = one(text)
    assert (row["value"], row["unit"], row["kind"]) == (value, unit, "change")


def test_levels_after_to_are_not_changes():
    df = extract_evidence("垃圾分类参与率由上年的70%提高到78.4%，问题点位从11处降到2处。")
    assert df["value"].tolist() == [70, 78.4, 11, 2]
    assert (df["kind"] != "change").all()
    assert df["baseline"].tolist() == [True, False, True, False]
    assert df["subject"].tolist()[:2] == ["垃圾分类参与率", "垃圾分类参与率"]


def test_new_items_are_counts_not_changes():
    assert one("新增巡防队员15名")["kind"] == "count"


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("受益群众4000多人", 4000, "人"),
        ("发放宣传册2000余份", 2000, "份"),
        ("参与居民二十余人", 20, "人"),
        ("结对帮扶5户以上", 5, "户"),
        ("服务学生近五千人次", 5000, "人次"),
        ("参与居民约80人", 80, "人"),
        ("每次接待读者30人左右", 30, "人"),
        ("服务时长超过6000小时", 6000, "小时"),
        ("占常住人口不足13%", 13, "%"),
        ("投入资金二十多万元", 200000, "元"),
        ("募集物资价值1万余元", 10000, "元"),
        ("吸引居民千余人参与", 1000, "人"),
        ("服务儿童近百名", 100, "名"),
    ],
)
def test_approximations(text, value, unit):
    row = one(text)
    assert (row["value"], row["unit"], bool(row["approx"])) == (value, unit, True)


def test_exact_numbers_are_not_approximate():
    assert not extract_evidence("调解纠纷28起，成功率96%，线上开展3场")["approx"].any()


def test_targets_are_marked_planned():
    df = extract_evidence("今年知晓率为80%。明年力争知晓率提升到90%以上。")
    assert df["planned"].tolist() == [False, True]


# ---------------------------------------------------------------------------------------------
# Not quantities: each kind yields no fact (alone, and next to a real quantity)
# ---------------------------------------------------------------------------------------------

NOT_QUANTITIES = {
    "ordinal": ["位列全区第一", "举办第四届邻里节", "第2期培训班", "排名第三名", "荣获前三名"],
    "enumeration": [
        "一是加强宣传，二是强化督导",
        "1、加强领导",
        "(1)环境卫生方面",
        "（一）宣传发动",
        "2. 队伍建设",
        "其一，统一认识",
    ],
    "date": [
        "2023年",
        "20xx年以来",
        "20XX年度",
        "3月15日",
        "十月一日",
        "2024-05-01",
        "上午10时30分",
        "每月10日前",
        "“3·15”期间",
        "二〇二三年",
    ],
    "slogan": [
        "践行三个代表重要思想",
        "社区两委班子",
        "落实门前三包",
        "评选五好家庭",
        "“七一”前夕",
        "五一劳动节",
        "学习十九大精神",
        "一站式服务",
        "十五分钟生活圈",
        "做到两个维护",
        "落实中央八项规定",
        "坚持三会一课",
        "四议两公开工作法",
        "一户一档、一人一策",
        "“十一”期间",
        "最多跑一次",
    ],
    "place": ["位于三里屯北侧", "五道口附近", "三元里街道", "八里庄小区", "三家店村"],
    "idiom": [
        "进一步压实责任",
        "统一思想",
        "唯一的办法",
        "大家一起动手",
        "做了一些工作",
        "一直坚持",
        "一方面加强宣传",
        "十分深刻",
        "千方百计",
        "走进千家万户",
        "一系列举措",
        "培育了一批典型",
        "一如既往",
        "之一",
        "一个个难题",
        "三天两头",
        "五湖四海",
        "没有发生一起重复信访",
        "未出现一例群体性事件",
        "服务老百姓",
        "每一件小事",
    ],
    "no unit": [
        "12345市民热线",
        "推行1+N模式",
        "社区代码：SQ003",
        "PM2.5浓度",
        "60岁以上老人",
        "连续三年",
        "四点半课堂",
    ],
}


@pytest.mark.parametrize("kind, text", [(k, t) for k, texts in NOT_QUANTITIES.items() for t in texts])
def test_not_a_quantity(kind, text):
    assert facts(text) == [], kind
    # and next to a real quantity only that quantity is read
    assert facts(f"{text}，共开展活动12场。") == [(12, "场")], kind


def test_yiqi_counts_an_incident():
    assert facts("3月发生一起电动自行车火灾") == [(1, "起")]
    assert facts("受理一起邻里纠纷") == [(1, "起")]


# ---------------------------------------------------------------------------------------------
# Generality: sentences written for this test, not taken from the sample reports
# ---------------------------------------------------------------------------------------------

FRESH = [
    ("全年共发放防诈骗宣传折页4500余份，覆盖居民1.2万户。", [(4500, "份"), (12000, "户")]),
    ("截至2023年12月31日，辖区登记在册的志愿者共有三百四十二名。", [(342, "名")]),
    ("社区每周二、周四下午开放图书室，每次接待读者30人左右。", [(30, "人")]),
    ("第一，要统一思想；第二，要进一步压实责任，一起把工作做好。", []),
    ("按照“一网格一支部”思路，全社区划为9个网格，配备网格员二十名。", [(9, "个"), (20, "名")]),
    ("今年上半年辖区可防性案件同比减少了37.5%，盗窃案件下降3起。", [(-37.5, "%"), (-3, "起")]),
    (
        "投入资金二十多万元改造小游园，新增绿地3000余平米，种植乔木120株。",
        [(200000, "元"), (3000, "平米"), (120, "株")],
    ),
    ("居民对社区工作的满意率达到百分之九十五以上，比去年提高四个百分点。", [(95, "%"), (4, "百分点")]),
    ("我们坚持“两学一做”常态化，落实“三会一课”和主题党日制度，全年组织集中学习十二次。", [(12, "次")]),
    ("在“3·15”消费者权益日和“五一”劳动节期间，开展主题宣传2场，解答咨询150人次。", [(2, "场"), (150, "人次")]),
    ("社区位于三里屯北侧，与八里庄小学相邻，辖区面积0.8平方公里。", [(0.8, "平方公里")]),
    ("约三分之二的居民参与了垃圾分类积分兑换，兑换礼品1,650件。", [(66.67, "%"), (1650, "件")]),
    ("目前，小区安装充电桩48个，充电车棚4座，彻底消除了飞线充电这一隐患。", [(48, "个"), (4, "座")]),
    ("8月上旬共接待来访群众87人次，其中反映物业问题的占四成。", [(87, "人次"), (40, "%")]),
    ("全年没有发生一起安全生产事故，未出现一例群体性事件。", []),
    ("举办“七彩童年”暑期托管班两期，服务儿童近百名。", [(2, "期"), (100, "名")]),
    ("上午9:30，志愿者们准时集合，在3号楼2单元门前开展义诊，测量血压60余人。", [(60, "人")]),
    ("20XX年以来，累计为辖区困难群众发放临时救助金5.35万元，人均约700元。", [(53500, "元"), (700, "元")]),
    ("老年大学开设书法、摄影等课程8门，在校学员较上学期增加了45人，增长一倍。", [(8, "门"), (45, "人"), (1, "倍")]),
    ("通过“一对一”结对、“面对面”走访，帮助17名失业人员实现再就业。", [(17, "名")]),
    ("社区党委下设4个党支部，共有党员263名，其中在职党员报到126人。", [(4, "个"), (263, "名"), (126, "人")]),
    ("2024年第三季度，社区12345热线工单办结率为98.2%，同比上升1.6个百分点。", [(98.2, "%"), (1.6, "百分点")]),
    ("组织开展“文明楼道”评比，评出十佳楼道10个、文明家庭二十五户。", [(10, "个"), (25, "户")]),
    ("为辖区80岁以上老人免费体检210人，发放爱心包一百份。", [(210, "人"), (100, "份")]),
    ("一是加强宣传，二是强化督导，三是完善考核，全面提升分类准确率至85%。", [(85, "%")]),
    (
        "居民议事会先后召开会议6场，议定事项十一项，已办结九项，办结率81.8%。",
        [(6, "场"), (11, "项"), (9, "项"), (81.8, "%")],
    ),
    ("每月15日为“党员活动日”，全年累计开展活动12次、参与党员480余人次。", [(12, "次"), (480, "人次")]),
    ("全年清运建筑垃圾约260立方米，清理小广告2,300余张。", [(260, "立方"), (2300, "张")]),
    ("他坚持为社区孤寡老人理发十余年，被评为“十佳志愿者”之一。", []),
    ("社区食堂日均就餐一百二十人次，对70周岁以上老人每餐优惠3元。", [(120, "人次"), (3, "元")]),
    # a second batch, labelled before it was first run (the first run missed 一百一十六名)
    (
        "社区新时代文明实践站全年开展理论宣讲、移风易俗等活动46场次，参与群众2,800余人次。",
        [(46, "场次"), (2800, "人次")],
    ),
    ("辖区共有楼栋长、单元长一百一十六名，做到“楼栋有人管、事情有人办”。", [(116, "名")]),
    (
        "围绕“十四五”规划目标，社区新建口袋公园2处，改造背街小巷3条，新增停车位150个。",
        [(2, "处"), (3, "条"), (150, "个")],
    ),
    ("今年以来，共排查整治消防隐患61处，劝导电动车进楼入户40余次。", [(61, "处"), (40, "次")]),
    (
        "春节前夕，社区党委为辖区68户低保户、12户特困户送去米面油和慰问金共计2.04万元。",
        [(68, "户"), (12, "户"), (20400, "元")],
    ),
    ("“红色物业”覆盖小区由3个增加到8个，物业服务满意度提升至91.5%。", [(3, "个"), (8, "个"), (91.5, "%")]),
    ("开展“小手拉大手”垃圾分类宣传进校园活动6次，覆盖学生约1500名。", [(6, "次"), (1500, "名")]),
    ("全年为居民代办社保、医保等业务一千余件，群众跑腿次数减少三成。", [(1000, "件"), (-30, "%")]),
    ("社区调委会全年共受理纠纷19件，调解成功18件，涉及金额5万余元。", [(19, "件"), (18, "件"), (50000, "元")]),
    ("在九九重阳节期间，为辖区百岁老人2名、90岁以上老人37名送上祝福。", [(2, "名"), (37, "名")]),
    ("依托“一中心多站点”服务体系，设立便民服务点5个，实现居民办事“一次办好”。", [(5, "个")]),
    ("社区网格员每天巡查2次以上，全年上报并处置各类事件1,024件，处置率99.6%。", [(2, "次"), (1024, "件"), (99.6, "%")]),
    ("全体“两委”成员带头参加“周末卫生日”，累计出动志愿者3000人次，清理垃圾12吨。", [(3000, "人次"), (12, "吨")]),
    (
        "同比去年，辖区盗窃案件下降了40%，电信诈骗案件减少7起，群众安全感提升至96%。",
        [(-40, "%"), (-7, "起"), (96, "%")],
    ),
    ("2022年至2024年，社区连续三年被评为区级文明社区，这在全街道还是第一次。", []),
    ("组建“夕阳红”合唱团、腰鼓队等文艺队伍7支，队员逾200人。", [(7, "支"), (200, "人")]),
    ("为方便居民，社区图书室延长开放时间至每天10小时，新增图书1200册。", [(10, "小时"), (1200, "册")]),
    ("举办家风家训分享会三场，评选出“好婆婆”“好媳妇”共十二人。", [(3, "场"), (12, "人")]),
    ("居民公约知晓率达到98%以上，较年初提高了近10个百分点。", [(98, "%"), (10, "百分点")]),
    ("充分发挥“五老”作用，聘请五老人员9人担任校外辅导员。", [(9, "人")]),
]


@pytest.mark.parametrize("text, expected", FRESH)
def test_fresh_sentences(text, expected):
    assert Counter(facts(text)) == Counter((round(float(v), 4), u) for v, u in expected)


# ---------------------------------------------------------------------------------------------
# The labelled sample reports
# ---------------------------------------------------------------------------------------------


def load_answers() -> list[dict[str, str]]:
    with open(REPORTS / "answers.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def score_reports() -> dict[str, dict[str, int]]:
    """Per report: true positives, extracted and labelled (value, unit) facts (multisets)."""
    answers = load_answers()
    out = {}
    for path in sorted(REPORTS.glob("SQ*.txt")):
        df = extract_evidence(path.read_text(encoding="utf-8"))
        got = Counter((round(v, 4), u) for v, u in zip(df["value"], df["unit"]))
        want = Counter((round(float(a["value"]), 4), a["unit"]) for a in answers if a["report"] == path.stem)
        out[path.stem] = {
            "tp": sum((got & want).values()),
            "extracted": sum(got.values()),
            "labelled": sum(want.values()),
        }
    return out


def test_sample_reports_are_well_formed():
    paths = sorted(REPORTS.glob("SQ*.txt"))
    assert len(paths) >= 8
    ids = set(pd.read_csv(ROOT / "data" / "communities_2025.csv", encoding="utf-8-sig")["社区代码"])
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == f"社区代码：{path.stem}"
        assert path.stem in ids
        n_chinese = len(re.findall(r"[\u4e00-\u9fff]", text))
        assert 300 <= n_chinese <= 800, (path.name, n_chinese)


def test_answer_file_quotes_the_reports():
    answers = load_answers()
    assert {a["report"] for a in answers} == {p.stem for p in REPORTS.glob("SQ*.txt")}
    for a in answers:
        text = (REPORTS / f"{a['report']}.txt").read_text(encoding="utf-8")
        assert a["sentence"] in text, a
        assert a["approx"] in ("true", "false")
        float(a["value"])


def test_precision_and_recall_on_labelled_reports():
    counts = score_reports()
    tp = sum(c["tp"] for c in counts.values())
    precision = tp / sum(c["extracted"] for c in counts.values())
    recall = tp / sum(c["labelled"] for c in counts.values())
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, counts)


def test_approx_flags_on_labelled_reports():
    """Each labelled fact is found at its snippet, with the labelled approx flag."""
    wrong = []
    texts = {p.stem: p.read_text(encoding="utf-8") for p in REPORTS.glob("SQ*.txt")}
    frames = {k: extract_evidence(t) for k, t in texts.items()}
    for a in load_answers():
        text, df = texts[a["report"]], frames[a["report"]]
        pos = text.find(a["sentence"])
        hit = df[
            (df["start"] < pos + len(a["sentence"]))
            & (df["end"] > pos)
            & ((df["value"] - float(a["value"])).abs() < 1e-6)
        ]
        if len(hit) != 1 or bool(hit["approx"].iloc[0]) != (a["approx"] == "true"):
            wrong.append(a)
    assert len(wrong) <= 0.05 * len(load_answers()), wrong


def test_time_is_linear_in_text_length():
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("SQ*.txt")))
    extract_evidence(text)
    timings = []
    for k in (4, 16):
        t = time.perf_counter()
        df = extract_evidence(text * k)
        timings.append(time.perf_counter() - t)
        assert len(df) == k * len(extract_evidence(text))
    assert timings[1] < 4 * timings[0] * 3 + 0.5  # 4x the text: well under 12x the time


# ---------------------------------------------------------------------------------------------
# Candidate sheet (stand-in rubric objects: the interface only)
# ---------------------------------------------------------------------------------------------


def indicator(id, value, method="count", evidence=None, **keys):
    return SimpleNamespace(
        id=id,
        name=id,
        value=value,
        method=method,
        evidence=evidence,
        points=3,
        zero=keys.get("zero"),
        full=keys.get("full"),
        bands=keys.get("bands"),
    )


def stand_in_rubric(*indicators, id_column="社区代码"):
    return SimpleNamespace(unit=SimpleNamespace(id_column=id_column), iter_indicators=lambda: iter(indicators))


RUBRIC = stand_in_rubric(
    indicator("mediation", "调解成功率", "linear", ["调解成功率", "调处成功率"], zero=80, full=98),
    indicator(
        "sorting",
        "`垃圾分类参与率`",
        "bands",
        ["参与率"],
        bands=[{"at_least": 0.9, "points": 3}, {"at_least": 0.7, "points": 1}],
    ),
    indicator("events", "文化活动场次", "count", ["文化活动", "文体活动"]),
    indicator("models", "身边好人评选人数", "count", ["身边好人", "道德模范"]),
    indicator(
        "petitions",
        "重复信访件数",
        "bands",
        ["重复信访", "越级上访"],
        bands=[{"at_most": 0, "points": 3}, {"at_most": 2, "points": 1}],
    ),
    indicator("crime", "刑事案件数 / `常住人口(人)` * 10000", "linear", ["刑事案件"], zero=30, full=5),
    indicator("plan", "制定年度创建计划", "boolean", None),
    indicator("group", "成立创建领导小组", "boolean", ["领导小组"]),
)

REPORTS_TEXT = {
    "SQ101": "社区代码：SQ101\n全年调解纠纷28起，调解成功率96.4%。垃圾分类参与率达到92%。"
    "举办文化活动16场，参与群众3000余人次。评选“身边好人”3名，其中1人入选道德模范。"
    "成立了创建工作领导小组。",
    "SQ102": "调处成功率为90%，全年调解成功率保持90%。刑事案件同比下降10%。重复信访2件，越级上访2件。"
    "明年力争垃圾分类参与率达到95%。",
}


def test_evidence_columns_from_rubric():
    cols = {c.column: c for c in evidence_columns(RUBRIC)}
    assert list(cols) == [
        "调解成功率",
        "垃圾分类参与率",
        "文化活动场次",
        "身边好人评选人数",
        "重复信访件数",
        "成立创建领导小组",
    ]
    assert "刑事案件数" not in cols  # an expression, not a single column
    assert cols["垃圾分类参与率"].fraction and cols["垃圾分类参与率"].percent
    assert cols["调解成功率"].percent and not cols["调解成功率"].fraction
    assert cols["重复信访件数"].units == {"件", "起", "宗", "例"}


def test_candidate_sheet_values_provenance_and_flags():
    sheet = candidate_sheet(REPORTS_TEXT, RUBRIC).set_index("社区代码")
    a, b = sheet.loc["SQ101"], sheet.loc["SQ102"]
    assert a["调解成功率"] == 96.4 and a["调解成功率" + CHECK_SUFFIX] == ""
    assert "调解成功率96.4%" in a["调解成功率" + SOURCE_SUFFIX]
    assert a["垃圾分类参与率"] == pytest.approx(0.92)  # fraction thresholds: 92% -> 0.92
    assert a["文化活动场次"] == 16  # 3000余人次 is not a count of events
    # 3名 and 1人 both mention the keywords: a conflict, left empty
    assert pd.isna(a["身边好人评选人数"]) and a["身边好人评选人数" + CHECK_SUFFIX] == CONFLICT
    assert a["成立创建领导小组"] == "是"
    # two sentences agree: value kept, flagged
    assert b["调解成功率"] == 90 and b["调解成功率" + CHECK_SUFFIX] == MULTIPLE
    assert "调处成功率为90%" in b["调解成功率" + SOURCE_SUFFIX]
    assert b["重复信访件数"] == 2 and b["重复信访件数" + CHECK_SUFFIX] == MULTIPLE
    assert pd.isna(b["垃圾分类参与率"])  # a target is not evidence
    assert pd.isna(b["文化活动场次"]) and b["文化活动场次" + SOURCE_SUFFIX] == ""
    assert sheet["调解成功率"].dtype == "float64"


def test_candidate_sheet_template_adds_every_rubric_column():
    sheet = candidate_sheet(REPORTS_TEXT, RUBRIC)
    assert "制定年度创建计划" in sheet.columns
    assert list(candidate_sheet(REPORTS_TEXT, RUBRIC, template=False).columns).count("制定年度创建计划") == 0


def test_unit_id_from_header_or_file_name(tmp_path):
    (tmp_path / "report_a.txt").write_text("社区代码：SQ201\n调解成功率95%。", encoding="utf-8")
    (tmp_path / "SQ202.txt").write_text("调解成功率90%。", encoding="gb18030")
    texts = read_reports(sorted(tmp_path.glob("*.txt")), "社区代码")
    assert sorted(texts) == ["SQ201", "SQ202"]
    (tmp_path / "again.txt").write_text("社区代码：SQ201\n", encoding="utf-8")
    with pytest.raises(DataError, match="SQ201"):
        read_reports(sorted(tmp_path.glob("*.txt")), "社区代码")
    with pytest.raises(DataError, match="找不到这份工作总结文件"):
        read_reports([tmp_path / "missing.txt"])
    (tmp_path / "bin.txt").write_bytes(b"PK\x03\x04\x00\x00")
    with pytest.raises(DataError, match="是二进制文件"):
        read_reports([tmp_path / "bin.txt"])


def test_match_evidence_long_table():
    m = match_evidence(REPORTS_TEXT, RUBRIC)
    assert {"unit_id", "column", "value", "sentence", "keyword"} <= set(m.columns)
    assert set(m.loc[m["column"] == "身边好人评选人数", "value"]) == {3.0, 1.0}


def test_sample_reports_with_sample_rubric():
    civscore = pytest.importorskip("civscore")
    rubric = civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")
    sheet = candidate_sheet(sorted(REPORTS.glob("SQ*.txt")), rubric).set_index("社区代码")
    assert len(sheet) == len(list(REPORTS.glob("SQ*.txt")))
    assert sheet.loc["SQ001", "调解成功率"] == 90.6
    assert sheet.loc["SQ047", "垃圾分类参与率"] == 99  # 由…到 baseline not counted
    assert sheet.loc["SQ040", "重复信访件数" + CHECK_SUFFIX] == CONFLICT  # 4件, of which 越级 1件
    assert pd.isna(sheet.loc["SQ040", "重复信访件数"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_reviewed_sheet_scores(tmp_path, suffix):
    """reports -> candidate sheet -> (reviewer fills the rest) -> file -> civscore.score."""
    civscore = pytest.importorskip("civscore")
    export = pytest.importorskip("civscore.writers.output")
    rubric = civscore.load_rubric(ROOT / "rubrics" / "civilized-community-2025.yaml")
    sheet = candidate_sheet(sorted(REPORTS.glob("SQ*.txt")), rubric)
    data = pd.read_csv(ROOT / "data" / "communities_2025.csv", encoding="utf-8-sig").set_index("社区代码")
    reviewed = sheet.set_index("社区代码")
    for column in reviewed.columns:  # the reviewer's part: every cell the reports did not give
        if column in data.columns:
            reviewed[column] = (
                reviewed[column].astype(object).where(reviewed[column].notna(), data.loc[reviewed.index, column])
            )
    path = tmp_path / f"reviewed{suffix}"
    export.write_table(reviewed.reset_index(), path)
    read = civscore.read_data(path, rubric)
    assert float(read.set_index("社区代码").loc["SQ001", "调解成功率"]) == 90.6  # from the report
    result = civscore.score(read, rubric)
    assert len(result.table) == len(sheet)
    assert set(result.table["社区代码"]) == set(sheet["社区代码"])
