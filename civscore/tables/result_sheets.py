"""The extra sheets of the ranking workbook: points per indicator, the rubric, a column glossary, 说明."""

from __future__ import annotations

import pandas as pd

from civscore.rubric.model import Rubric
from civscore.scoring.scored import Scored
from civscore.version import __version__
from civscore.words import say


def indicator_points_table(result: Scored) -> pd.DataFrame:
    """Units (in ranking order) by indicators: points earned, headed '名称 [id]'."""
    rubric = result.rubric
    order = result.table[rubric.unit.id_column].to_numpy()
    points = result.points.loc[order].reset_index()
    names = {ind.id: f"{ind.name} [{ind.id}]" for ind in rubric.iter_indicators()}
    points = points.rename(columns=names)
    if rubric.unit.name_column:
        points.insert(1, rubric.unit.name_column, result.table[rubric.unit.name_column].to_numpy())
    return points


def rubric_table(rubric: Rubric) -> pd.DataFrame:
    """One row per indicator and veto: where it sits, how it scores, where its evidence comes from."""
    dim_names = {}

    def collect(dims, prefix=()):
        for d in dims:
            dim_names[prefix + (d.id,)] = d.name
            collect(d.dimensions, prefix + (d.id,))

    collect(rubric.dimensions)
    rows = []
    for path, ind in rubric.base_indicators():
        dims = " / ".join(dim_names[path[: i + 1]] for i in range(len(path)))
        rows.append(_indicator_row(rubric, dims, ind))
    for ind in rubric.bonus_indicators():
        rows.append(_indicator_row(rubric, f"特色指标 (上限 {rubric.bonus_cap:g})", ind))
    for veto in rubric.vetoes:
        effect = {"fail": "一票否决", "cap": "封顶", "deduct": "扣分"}[veto.kind]
        amount = "" if veto.kind == "fail" else f" {getattr(veto.effect, veto.kind):g}"
        rows.append(
            {
                "维度": "否决与门槛",
                "id": veto.id,
                "名称": veto.name,
                "方法": effect + amount,
                "分值": None,
                "来源": "",
                "缺失处理": "",
                "取值/条件": veto.when,
            }
        )
    return pd.DataFrame(rows)


def _indicator_row(rubric: Rubric, dims: str, ind) -> dict:
    return {
        "维度": dims,
        "id": ind.id,
        "名称": ind.name,
        "方法": ind.method,
        "分值": ind.points,
        "来源": ind.source or "",
        "缺失处理": rubric.missing_policy(ind),
        "取值/条件": ind.value,
    }


def about_table(result: Scored, points_file: str | None = None) -> pd.DataFrame:
    """What produced the workbook: rubric identity, data source, tiers, civscore version; with
    ``points_file``, where the points per indicator went instead of a sheet."""
    rubric = result.rubric
    tiers = "; ".join(f"{t.name} ≥ {t.min:g}" for t in rubric.tiers)
    counts = result.table["tier"].value_counts().reindex([t.name for t in rubric.tiers], fill_value=0)
    items = [
        ("测评体系", rubric.name),
        ("体系编号 (id)", rubric.id),
        ("版本", rubric.version),
        ("体系文件", rubric.path or ""),
        ("数据文件", result.report.source or ""),
        *([("上一期数据文件", result.previous.attrs.get("source") or "")] if result.previous is not None else []),
        ("参评单位数", len(result.table)),
        ("基础分满分", rubric.total_points),
        ("特色加分上限", rubric.bonus_cap),
        ("等级划分", tiers),
        ("等级分布", "; ".join(f"{k} {v}" for k, v in counts.items() if k)),
        ("一票否决单位数", int(result.table["disqualified"].sum())),
        *([points_note(result, points_file)] if points_file else []),
        *provenance(result),
        ("", ""),
        ("“排名”表各列", "含义"),
        *column_glossary(result.table, rubric).items(),
    ]
    return pd.DataFrame(items, columns=["项目", "内容"])


def points_note(result: Scored, points_file: str) -> tuple[str, str]:
    """The 说明 row that sends a reader to the file holding the points per indicator."""
    units, indicators = result.points.shape
    return (
        say("指标得分", "Points per indicator"),
        say(
            f"{units:,} 个单位 × {indicators:,} 项指标的得分超出工作簿便于使用的大小，未放入本工作簿，"
            f"已另存为同一文件夹中的 {points_file}（Parquet 格式，各列与“指标得分”表相同；"
            "可用 Excel 的 Power Query、pandas 或 DuckDB 打开）",
            f"the points of {units:,} units × {indicators:,} indicators are more than a workbook can usefully hold: "
            f"they are not in this workbook but in {points_file} in the same folder (Parquet, the columns of the "
            "指标得分 sheet; Excel's Power Query, pandas or DuckDB open it)",
        ),
    )


def provenance(result: Scored, side: str = "") -> list[tuple[str, str]]:
    """The rows that let a reader regenerate an output: civscore's version and the SHA-256 of
    the rubric file and of the data file (``side`` prefixes them, e.g. "2024 ")."""
    return [
        ("civscore 版本", __version__),
        (f"{side}体系文件 SHA-256", result.rubric.sha256 or "（未从文件读取）"),
        (f"{side}数据文件 SHA-256", result.report.source_sha256 or "（未从文件读取）"),
        *(
            [(f"{side}上一期数据文件 SHA-256", result.previous.attrs.get("sha256") or "（未从文件读取）")]
            if result.previous is not None
            else []
        ),
    ]


def column_glossary(table: pd.DataFrame, rubric: Rubric) -> dict[str, str]:
    """Column of the result table -> what it means, in Chinese, for readers of the workbook."""
    unit = rubric.unit
    dims = {d.id: d for d in rubric.dimensions}
    maxima: dict[str, float] = {}
    for path, ind in rubric.base_indicators():
        maxima[path[0]] = maxima.get(path[0], 0.0) + ind.points
    words = {
        "rank": "排名：按总分从高到低，同分并列（1、1、3……）；被一票否决的单位排在所有其他单位之后",
        "total": "总分 = 基础分 + 特色加分，再减去扣分项、按限分项封顶",
        "base": f"基础分（满分 {rubric.total_points:g}；有合理缺项时按适用指标的分值比例折算）",
        "bonus": f"特色加分（上限 {rubric.bonus_cap:g}）",
        "tier": "等级" + (f"（被一票否决的单位为 {rubric.effective_veto_tier}）" if rubric.vetoes else ""),
        "disqualified": "是否被一票否决（TRUE 为是）",
        "vetoes": "触发的否决、限分或扣分项编号（多项以 ; 分隔，见“测评体系”表）",
        "coverage": "指标覆盖率：适用指标的分值占基础分满分的比例；不足 100% 表示有合理缺项",
        unit.id_column: "单位编号",
    }
    if unit.name_column:
        words[unit.name_column] = "单位名称"
    for g in unit.group_columns:
        words[g] = "分组"
        words[f"rank_in_{g}"] = f"在本{g}内的排名（规则同 rank）"
    for d_id, d in dims.items():
        words[d_id] = f"维度“{d.name}”的得分（满分 {maxima.get(d_id, 0.0):g}，未折算）"
    return {str(col): words.get(str(col), "") for col in table.columns}
