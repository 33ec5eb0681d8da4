"""The 通报: the ranking as an office hands it out, and the ranking workbook built around it.

Chinese headers only, dimension scores grouped under 各维度得分, vetoed units marked in words
(“（否决）” after the tier) as well as in colour, so that a black-and-white copy still shows them.
The contract's machine table (section 5) is not changed: it is a sheet of its own in the workbook.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civscore.scoring.scored import Scored
from civscore.tables.book import Sheet, Workbook, issue_line
from civscore.tables.result_sheets import about_table, column_glossary, indicator_points_table, rubric_table

DIMENSIONS_SPANNER = "各维度得分"
VETO_MARK = "（否决）"


def dimension_headers(result: Scored) -> dict[str, str]:
    """Dimension id -> its name as a header, made unique against the table's other headers."""
    taken = {str(c) for c in result.table.columns} | {"排名", "总分", "等级", "基础分", "特色加分", "否决与扣分项"}
    names = {}
    for d in result.rubric.dimensions:
        # a dimension named like a data column would make two columns with one header
        names[d.id] = d.name if d.name not in taken else f"{d.name}（维度）"
        taken.add(names[d.id])
    return names


def veto_names(result: Scored) -> pd.Series:
    """Per unit (in table order) the names of the vetoes it triggered, joined with 、; '' for none."""
    table = result.table
    names = {v.id: v.name for v in result.rubric.vetoes}
    if not names or not len(table):
        return pd.Series("", index=table.index, dtype=object)
    ids = pc.split_pattern(pa.array(table["vetoes"].astype("string").fillna(""), type=pa.string()), ";")
    flat = ids.flatten()
    known = pc.index_in(flat, value_set=pa.array(list(names), type=pa.string()))
    named = pc.coalesce(pc.take(pa.array(list(names.values()), type=pa.string()), known), flat)
    kept = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
    owner = pc.list_parent_indices(ids).to_numpy()[kept]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=len(table)))]).astype(np.int32)
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), named.filter(pa.array(kept))), "、")
    return pd.Series(joined.to_numpy(zero_copy_only=False), index=table.index, dtype=object)


def bulletin_table(result: Scored) -> pd.DataFrame:
    """The ranking for readers: 排名, name, groups, 总分, 等级, each dimension, 基础分, 特色加分, vetoes.

    Vetoed units keep their computed numbers (the record), but their 等级 carries “（否决）”, so
    that nobody reads a high total as a good result. The id column appears only when the rubric
    has no name column.
    """
    rubric = result.rubric
    unit = rubric.unit
    table = result.table
    out = pd.DataFrame(index=table.index)
    out["排名"] = table["rank"].astype("int64")
    for g in unit.group_columns:
        out[f"{g}内排名"] = table[f"rank_in_{g}"].astype("int64")
    out[unit.name_column or unit.id_column] = table[unit.name_column or unit.id_column].astype(object)
    for g in unit.group_columns:
        out[g] = table[g].astype(object).where(table[g].notna(), "")
    out["总分"] = table["total"].astype(float).round(2)
    tier = table["tier"].astype(object).where(table["tier"].notna(), "")
    out["等级"] = np.where(table["disqualified"].to_numpy(bool), tier.astype(str) + VETO_MARK, tier)
    for d_id, name in dimension_headers(result).items():
        out[name] = table[d_id].astype(float).round(2)
    out["基础分"] = table["base"].astype(float).round(2)
    if rubric.bonus_indicators():
        out["特色加分"] = table["bonus"].astype(float).round(2)
    if (table["coverage"] < 1 - 1e-9).any():
        out["指标覆盖率"] = table["coverage"].astype(float)
    if rubric.vetoes:
        out["否决与扣分项"] = veto_names(result)
    return out.reset_index(drop=True)


def bulletin_title(result: Scored) -> str:
    return f"{result.rubric.name}测评结果排名"


def bulletin_notes(result: Scored, issuer: str | None = None, on: date | None = None) -> tuple[str, ...]:
    """The lines under the title: what was scored with which rubric, who issued it and when, the marks."""
    rubric = result.rubric
    table = result.table
    source = Path(result.report.source).name if result.report.source else ""
    scope = f"测评体系：{rubric.name}（版本 {rubric.version}）　参评单位 {len(table)} 个" + (
        f"　数据：{source}" if source else ""
    )
    lines = [scope, issue_line(issuer, on)]
    n_vetoed = int(table["disqualified"].sum())
    if n_vetoed:
        tier = rubric.effective_veto_tier or ""
        lines.append(
            f"红色粗体、等级后标“{VETO_MARK}”的 {n_vetoed} 个单位被一票否决：无论总分多高，"
            + (f"等级均为{tier}，" if tier else "")
            + "排在所有其他单位之后。"
        )
    return tuple(lines)


def bulletin_sheet(result: Scored, issuer: str | None = None, on: date | None = None) -> Sheet:
    """The 通报 sheet of the ranking workbook (the first sheet a reader sees)."""
    rubric = result.rubric
    table = bulletin_table(result)
    dims = tuple(dimension_headers(result).values())
    name = rubric.unit.name_column or rubric.unit.id_column
    # about 122 character widths in all: fitted to A4 landscape, 11 pt prints at ~9.5 pt
    widths = {"排名": 5.0, "总分": 7.0, "等级": 7.5, "基础分": 7.0, "特色加分": 5.5, "指标覆盖率": 5.5}
    widths |= {"否决与扣分项": 12.0, name: 9.5} | {g: 8.5 for g in rubric.unit.group_columns}
    widths |= {d: 6.2 for d in dims}
    widths |= {f"{g}内排名": 5.5 for g in rubric.unit.group_columns}
    formats = {"排名": "0", "指标覆盖率": "0%"} | {f"{g}内排名": "0" for g in rubric.unit.group_columns}
    return Sheet(
        name="通报",
        table=table,
        title=bulletin_title(result),
        notes=bulletin_notes(result, issuer, on),
        spanners=((DIMENSIONS_SPANNER, dims),),
        widths=widths,
        wrap=frozenset({name, *rubric.unit.group_columns, "等级", "否决与扣分项"}),
        number_formats=formats,
        flagged=result.table["disqualified"].to_numpy(bool),
        key_columns=list(table.columns).index(name) + 1,
    )


def result_sheet(result: Scored) -> Sheet:
    """The contract's result table exactly as in .csv/.parquet, on a data sheet of its own."""
    rubric = result.rubric
    table = result.table
    cols = list(table.columns)
    formats = {c: "0" for c in cols if c == "rank" or str(c).startswith("rank_in_")} | {"coverage": "0.0%"}
    key = cols.index(rubric.unit.id_column) + 1 + (1 if rubric.unit.name_column else 0)
    return Sheet(
        name="排名",
        table=table,
        kind="data",
        number_formats=formats,
        flagged=table["disqualified"].to_numpy(bool),
        key_columns=key,
        header_notes=column_glossary(table, rubric),
    )


def ranking_book(
    result: Scored, issuer: str | None = None, on: date | None = None, points_file: str | None = None
) -> Workbook:
    """The ranking workbook: 通报, the result table (排名), 指标得分, 测评体系 and 说明.

    With ``points_file`` the points per indicator are not a sheet: they were written to that
    file beside the workbook (too many for a workbook), and 说明 says so.
    """
    points = () if points_file else (Sheet("指标得分", indicator_points_table(result), kind="data", key_columns=1),)
    return Workbook(
        (
            bulletin_sheet(result, issuer, on),
            result_sheet(result),
            *points,
            Sheet("测评体系", rubric_table(result.rubric), kind="data", key_columns=0),
            Sheet("说明", about_table(result, points_file), kind="data", key_columns=0),
        )
    )


__all__ = ["bulletin_sheet", "bulletin_table", "dimension_headers", "ranking_book", "result_sheet", "veto_names"]
