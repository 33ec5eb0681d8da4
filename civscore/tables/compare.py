"""The comparison workbook: a printable unit table headed with the side labels, and the detail sheets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from civscore.analysis.compare import Comparison
from civscore.scoring.scored import Scored
from civscore.tables.book import Sheet, Workbook, issue_line
from civscore.tables.result_sheets import provenance


def labelled_units(comp: Comparison) -> pd.DataFrame:
    """The units table with the side labels in its headers (rank_a -> 'rank (2024)')."""
    la, lb = comp.labels
    rename = {c: c[:-2] + f" ({la})" for c in comp.units.columns if c.endswith("_a")}
    rename |= {c: c[:-2] + f" ({lb})" for c in comp.units.columns if c.endswith("_b")}
    return comp.units.rename(columns=rename)


def comparison_table(comp: Comparison) -> pd.DataFrame:
    """The unit comparison for readers: Chinese headers with the labels (排名（2024）), vetoed
    units marked in their tier, the change split into rule, data and other adjustments, and the
    largest changes in words. The id column appears only when the rubric has no name column."""
    la, lb = comp.labels
    units = comp.units
    unit = comp.b.rubric.unit
    head = [unit.name_column or unit.id_column, *unit.group_columns]
    out = units[head].astype(object).where(units[head].notna(), "")
    if (units["status"] != "both").any():
        out["参评情况"] = units["status"].map({"both": "", "only_a": f"仅{la}", "only_b": f"仅{lb}"}).to_numpy()
    out[f"排名（{la}）"] = units["rank_a"]
    out[f"排名（{lb}）"] = units["rank_b"]
    out["名次变化"] = units["rank_change"]
    out[f"总分（{la}）"] = units["total_a"].round(2)
    out[f"总分（{lb}）"] = units["total_b"].round(2)
    out["总分变化"] = units["total_change"].round(2)
    idc = unit.id_column
    for label, side, col in ((la, comp.a, "tier_a"), (lb, comp.b, "tier_b")):
        tier = units[col].astype(object).where(units[col].notna(), "").astype(str)
        vetoed = side.table.set_index(side.id_column)["disqualified"].reindex(units[idc]).fillna(False)
        # a vetoed unit's tier says so in words, so that a grey copy shows it too
        out[f"等级（{label}）"] = np.where(vetoed.to_numpy(bool), tier + "（否决）", tier)
    if comp.kind != "data":
        out["规则变化"] = units["rule_change"].round(2)
    if comp.kind != "rubric":
        out["数据变化"] = units["data_change"].round(2)
    out["其他调整"] = units["adjustments"].round(2)
    out["主要变化"] = units["drivers"].to_numpy()
    return out


def comparison_notes(comp: Comparison, issuer: str | None, on: date | None) -> tuple[str, ...]:
    la, lb = comp.labels
    what = {
        "rubric": "同一数据，测评体系版本变化",
        "data": "同一测评体系，数据变化（如逐年对比）",
        "both": "测评体系和数据都有变化",
    }[comp.kind]

    def side(label: str, s: Scored) -> str:
        source = Path(s.report.source).name if s.report.source else "（内存数据）"
        return f"{label}：{s.rubric.name}（版本 {s.rubric.version}），数据 {source}"

    return (
        f"{what}。{side(la, comp.a)}；{side(lb, comp.b)}。",
        issue_line(issuer, on),
        "名次变化上升为正；“其他调整”是合理缺项折算、特色加分上限与否决项带来的总分变化；"
        "红色粗体、等级后标“（否决）”为被一票否决；红色行是后一期被否决的单位。",
    )


CHANGE_HEADERS = {
    "indicator": "指标编号",
    "name": "指标",
    "kind": "类别",
    "dimension_id": "维度编号",
    "split": "可拆分",
    "change": "得分变化",
    "rule_change": "规则变化",
    "data_change": "数据变化",
    "vs_mean": "与平均变化之差",
}
DIMENSION_HEADERS = {
    "dimension": "维度编号",
    "name": "维度",
    "mean_change": "平均得分变化",
    "attainment_change": "得分率变化",
}


def _labelled(
    table: pd.DataFrame, headers: dict[str, str], sides: dict[str, str], labels: tuple[str, str]
) -> pd.DataFrame:
    """Headers in Chinese; ``x_a``/``x_b`` become ``<sides[x]>（label）``."""
    names = dict(headers)
    for stem, word in sides.items():
        names[f"{stem}_a"] = f"{word}（{labels[0]}）"
        names[f"{stem}_b"] = f"{word}（{labels[1]}）"
    return table.rename(columns=names)


def comparison_book(comp: Comparison, issuer: str | None = None, on: date | None = None) -> Workbook:
    """The comparison workbook: 单位对比 (printable), 指标变化, 维度趋势 and 说明."""
    la, lb = comp.labels
    table = comparison_table(comp)
    unit = comp.b.rubric.unit
    key = 1
    rank = {c: "0" for c in table.columns if str(c).startswith("排名") or c == "名次变化"}
    signed = {c: "+0.00;-0.00;0" for c in ("总分变化", "规则变化", "数据变化", "其他调整")}
    widths = {c: 7.5 for c in rank} | {c: 7.5 for c in table.columns if str(c).startswith("总分")}
    widths |= {c: 6.5 for c in signed} | {"主要变化": 30.0, str(table.columns[0]): 9.0}
    widths |= {c: 7.5 for c in table.columns if str(c).startswith("等级")}
    widths |= {g: 8.5 for g in unit.group_columns}
    vetoed_after = comp.b.table.set_index(comp.b.id_column)["disqualified"]
    flagged = vetoed_after.reindex(comp.units[unit.id_column]).fillna(False).to_numpy(bool)
    units_sheet = Sheet(
        name="单位对比",
        table=table,
        title=f"{comp.b.rubric.name}：{la}与{lb}对比",
        notes=comparison_notes(comp, issuer, on),
        widths=widths,
        wrap=frozenset(
            {*table.columns[: key + len(unit.group_columns)], "主要变化", *(c for c in table.columns if "等级" in c)}
        ),
        number_formats=rank | signed,
        flagged=flagged,
        key_columns=key,
    )
    contributions = _labelled(comp.contributions, CHANGE_HEADERS, {"in": "参评", "points": "得分"}, comp.labels)
    dimensions = _labelled(
        comp.dimensions,
        DIMENSION_HEADERS,
        {"full": "满分", "mean": "平均得分", "attainment": "得分率"},
        comp.labels,
    )
    only = f"仅{la}：{'、'.join(map(str, comp.only_a)) or '无'}；仅{lb}：{'、'.join(map(str, comp.only_b)) or '无'}"
    about = pd.DataFrame(
        [
            ("仅在一方的单位", only),
            ("名次变化", "排名上升为正"),
            ("规则变化 / 数据变化", "指标得分变化拆分：规则变化（新规则作用于旧数据减旧得分）与数据变化（其余部分）"),
            ("其他调整", "总分变化中不属于指标得分的部分：合理缺项折算、特色加分上限、否决与门槛"),
            ("主要变化", "得分变化最大的几项指标"),
            *provenance(comp.a, f"{la} "),
            *provenance(comp.b, f"{lb} ")[1:],
        ],
        columns=["项目", "内容"],
    )
    return Workbook(
        (
            units_sheet,
            Sheet("指标变化", contributions, kind="data", key_columns=1),
            Sheet("维度趋势", dimensions, kind="data", key_columns=2),
            Sheet("说明", about, kind="data", key_columns=0),
        )
    )


def write_comparison(comp: Comparison, path: str | Path) -> Path:
    """Write the comparison: .csv/.parquet the units table; .xlsx the workbook of :func:`comparison_book`."""
    from civscore.writers.output import check_output_path, write_table
    from civscore.writers.xlsx import write_book

    if check_output_path(path) != ".xlsx":
        return write_table(labelled_units(comp), path)
    return write_book(comparison_book(comp), path)
