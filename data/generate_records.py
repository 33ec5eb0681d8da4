"""Generate the synthetic record tables shipped with civscore (data/records/).

    python data/generate_records.py

ALL DATA IS SYNTHETIC: the areas, towns, households, surveyors and every answer are invented
by a seeded random model (``numpy.random.default_rng(2019)``) and describe no real place or
person. The design has the shape of a county satisfaction survey (问卷调查) with surveyor scores
and sampled inspection points (实地考察): 100 areas; 20 households per area answer
满意/基本满意/不满意; 5 surveyors score each area out of 100; 5 bus stops and 3-6 public places
per area are inspected for public-service advertisements (公益广告); problem points (问题点位)
are logged with their kind. The run is deterministic: every file is identical byte for byte on
every run with the same library versions.

Model: each area has a latent quality q in [0, 1]. P(满意) = 0.40 + 0.50 q, the rest split 70/30
between 基本满意 and 不满意; about 3% of questionnaires are marked invalid (有效 = 否). A few
areas (listed in data/records/README.md) reached fewer than 15 households, below the rubric's
``min_records``. Surveyor scores are 60 + 35 q plus noise; advertisements per point are Poisson
with mean 0.8 + 2.5 q; problem points per area are Poisson with mean 5 (1 - q).

Files written (data/records/)
-----------------------------
areas.csv            the unit table: 100 areas YD001-YD100 in 5 towns (UTF-8 with BOM)
survey.csv           one row per questionnaire (GBK, as Excel on Chinese Windows saves CSV)
survey_broken.csv    the same with planted errors: three mistyped answers, a blank and an
                     unknown area id, a repeated questionnaire number (UTF-8 with BOM)
surveyors.xlsx       one row per surveyor score, plus a 说明 sheet saying it is synthetic
points/              inspection points as Parquet, one file per town (a folder of Parquet files)
problems.csv         one row per problem point (UTF-8 with BOM)
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "records"
SEED = 2019
N_AREAS = 100
HOUSEHOLDS = 20
SURVEYORS = 5
TOWNS = ["城南街道", "城北街道", "东山镇", "西河镇", "南岭镇"]
PROBLEM_KINDS = ["乱堆乱放", "占道经营", "乱贴乱画", "垃圾未清运", "车辆乱停放"]
SMALL_SAMPLES = {"YD007": 8, "YD023": 12, "YD041": 14, "YD058": 10, "YD076": 13, "YD093": 9}


def build(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    ids = [f"YD{i:03d}" for i in range(1, N_AREAS + 1)]
    q = rng.beta(4, 2.5, N_AREAS)
    areas = pd.DataFrame(
        {
            "区域代码": ids,
            "区域": [f"第{i}片区" for i in range(1, N_AREAS + 1)],
            "镇街": [TOWNS[i * len(TOWNS) // N_AREAS] for i in range(N_AREAS)],
            "常住户数": rng.integers(300, 2400, N_AREAS),
        }
    )
    survey_rows = []
    for area, quality in zip(ids, q):
        n = SMALL_SAMPLES.get(area, HOUSEHOLDS)
        p_yes = 0.40 + 0.50 * quality
        probs = [p_yes, (1 - p_yes) * 0.7, (1 - p_yes) * 0.3]
        answers = rng.choice(["满意", "基本满意", "不满意"], size=n, p=probs)
        valid = np.where(rng.random(n) < 0.03, "否", "是")
        for k in range(n):
            survey_rows.append((area, f"{area}-{k + 1:02d}", f"{k + 1:02d}", answers[k], valid[k]))
    survey = pd.DataFrame(survey_rows, columns=["区域代码", "问卷编号", "户序号", "评价", "有效"])
    scores = np.clip(60 + 35 * q[:, None] + rng.normal(0, 4, (N_AREAS, SURVEYORS)), 0, 100).round(1)
    surveyors = pd.DataFrame(
        {
            "区域代码": np.repeat(ids, SURVEYORS),
            "测评员": np.tile([f"测评员{j + 1}" for j in range(SURVEYORS)], N_AREAS),
            "得分": scores.ravel(),
        }
    )
    point_rows = []
    for area, quality, town in zip(ids, q, areas["镇街"]):
        kinds = ["公交车站"] * 5 + ["公共场所"] * int(rng.integers(3, 7))
        ads = np.minimum(rng.poisson(0.8 + 2.5 * quality, len(kinds)), 6)
        for k, (kind, count) in enumerate(zip(kinds, ads)):
            point_rows.append((area, f"{area}-P{k + 1:02d}", kind, int(count), town))
    points = pd.DataFrame(point_rows, columns=["区域代码", "点位编号", "点位类型", "公益广告条数", "镇街"])
    problem_rows = []
    for area, quality in zip(ids, q):
        for k in range(int(rng.poisson(5 * (1 - quality)))):
            problem_rows.append((area, f"{area}-Q{k + 1:02d}", str(rng.choice(PROBLEM_KINDS))))
    problems = pd.DataFrame(problem_rows, columns=["区域代码", "问题编号", "问题类型"])
    broken = survey.copy()
    broken.loc[3, "评价"] = "满义"  # three typos an Excel pivot drops without a word
    broken.loc[57, "评价"] = "基本满易"
    broken.loc[401, "评价"] = "不满意意"
    broken.loc[120, "区域代码"] = ""
    broken.loc[233, "区域代码"] = "YD101"
    broken.loc[610, "问卷编号"] = broken.loc[609, "问卷编号"]
    return {
        "areas": areas,
        "survey": survey,
        "survey_broken": broken,
        "surveyors": surveyors,
        "points": points,
        "problems": problems,
    }


def write(tables: dict[str, pd.DataFrame], out: Path = HERE) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tables["areas"].to_csv(out / "areas.csv", index=False, encoding="utf-8-sig", lineterminator="\n")
    tables["survey"].to_csv(out / "survey.csv", index=False, encoding="gb18030", lineterminator="\n")
    tables["survey_broken"].to_csv(out / "survey_broken.csv", index=False, encoding="utf-8-sig", lineterminator="\n")
    tables["problems"].to_csv(out / "problems.csv", index=False, encoding="utf-8-sig", lineterminator="\n")
    _write_xlsx(tables["surveyors"], out / "surveyors.xlsx")
    folder = out / "points"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    points = tables["points"]
    for i, town in enumerate(TOWNS):
        part = points[points["镇街"] == town].reset_index(drop=True)
        part.to_parquet(folder / f"part-{i}.parquet", index=False, compression="zstd")


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    note = pd.DataFrame(
        {"说明": ["本工作簿为合成数据（由 data/generate_records.py 以固定随机种子生成），不描述任何真实地点或人员。"]}
    )
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        frame.to_excel(writer, sheet_name="测评员评分", index=False)
        note.to_excel(writer, sheet_name="说明", index=False)
        writer.book.set_properties(  # a fixed creation date keeps the file identical run to run
            {"title": "测评员评分（合成数据）", "created": _dt.datetime(2019, 1, 1)}
        )


def main() -> None:
    tables = build(np.random.default_rng(SEED))
    write(tables)
    for name, table in tables.items():
        print(f"{name}: {len(table)} rows")


if __name__ == "__main__":
    main()
