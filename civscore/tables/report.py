"""Tables for readers who never open Python: the ranking, tiers, groups, vetoes and problems, styled."""

from __future__ import annotations

import html
from collections.abc import Hashable

import pandas as pd
from pandas.io.formats.style import Styler

from civscore.scoring.scored import Scored
from civscore.tables.problems import PROBLEM_HEADERS
from civscore.validation.report import ValidationReport

SCORE_HEADERS = {
    "total": "总分",
    "base": "基础分",
    "bonus": "特色加分",
    "tier": "等级",
    "disqualified": "一票否决",
    "vetoes": "触发的否决项",
    "coverage": "指标覆盖率",
    "rank": "排名",
}
TIER_SHADES = ["#d9d9d9", "#e8e8e8", "#f2f2f2", "#ffffff"]
# vetoed units: dark red bold text on pale red (contrast 8.6:1), never the shade of their total
VETO_CSS = "color: #9c0006; font-weight: bold; background-color: #fde2e1;"


def _md(text: object) -> str:
    """Text from a rubric or data file made safe inside Markdown (no accidental bold, links, tables)."""
    out = str(text)
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def veto_effect(veto) -> str:
    """A veto's effect in words: 一票否决, 总分封顶 79 分, 总分扣 5 分."""
    if veto.kind == "fail":
        return "一票否决"
    if veto.kind == "cap":
        return f"总分封顶 {veto.effect.cap:g} 分"
    return f"总分扣 {veto.effect.deduct:g} 分"


def rubric_overview(rubric) -> str:
    """The rubric in a few Markdown lines: identity, points, bonus, vetoes, tiers, unit columns."""
    base = rubric.base_indicators()
    lines = [f"**{_md(rubric.name)}**（编号 `{rubric.id}`，版本 {_md(rubric.version)}）"]
    if rubric.description:
        lines += ["", _md(rubric.description.strip())]
    lines += [
        "",
        f"- 基础分满分 **{rubric.total_points:g}** 分，分 {len(rubric.dimensions)} 个维度、"
        f"{len(base)} 项指标（各维度分值见下表）；",
    ]
    bonus = rubric.bonus_indicators()
    if bonus:
        lines.append(f"- 特色指标 {len(bonus)} 项，加分上限 {rubric.bonus_cap:g} 分，加在基础分之上；")
    if rubric.vetoes:
        items = "；".join(f"{_md(v.name)}（{veto_effect(v)}）" for v in rubric.vetoes)
        lines.append(f"- 否决、限分与扣分项 {len(rubric.vetoes)} 项：{items}；")
    if rubric.tiers:
        tiers = "；".join(f"{_md(t.name)} ≥ {t.min:g} 分" for t in rubric.tiers)
        veto = (
            f"，被一票否决的单位定为 {_md(rubric.effective_veto_tier)}"
            if any(v.kind == "fail" for v in rubric.vetoes)
            else ""
        )
        lines.append(f"- 等级：{tiers}{veto}；")
    unit = rubric.unit
    who = f"- 参评单位以 `{_md(unit.id_column)}` 为编号"
    if unit.name_column:
        who += f"、`{_md(unit.name_column)}` 为名称"
    if unit.group_columns:
        who += "，并在 " + "、".join(f"`{_md(g)}`" for g in unit.group_columns) + " 内另行排名"
    lines.append(who + "。")
    return "\n".join(lines)


def dimension_table(rubric) -> pd.DataFrame:
    """Top-level dimensions with their points, number of indicators and evidence sources, plus totals."""
    base = rubric.base_indicators()
    frame = pd.DataFrame(
        {
            "dim": [path[0] for path, _ in base],
            "points": [ind.points for _, ind in base],
            "source": [ind.source or "" for _, ind in base],
        }
    )
    by = frame.groupby("dim", sort=False)
    sources = by["source"].agg(lambda s: "、".join(dict.fromkeys(x for x in s if x)))
    rows = pd.DataFrame(
        {
            "维度": [d.name for d in rubric.dimensions],
            "分值": [by["points"].sum().get(d.id, 0.0) for d in rubric.dimensions],
            "指标数": [int(by.size().get(d.id, 0)) for d in rubric.dimensions],
            "评价方式": [sources.get(d.id, "") for d in rubric.dimensions],
        }
    )
    extra = [{"维度": "基础分合计", "分值": float(frame["points"].sum()), "指标数": len(frame), "评价方式": ""}]
    bonus = rubric.bonus_indicators()
    if bonus:
        extra.append(
            {
                "维度": f"特色指标（加分上限 {rubric.bonus_cap:g}）",
                "分值": float(sum(i.points for i in bonus)),
                "指标数": len(bonus),
                "评价方式": "、".join(dict.fromkeys(i.source for i in bonus if i.source)),
            }
        )
    out = pd.concat([rows, pd.DataFrame(extra)], ignore_index=True)
    out["分值"] = out["分值"].map("{:g}".format)
    out.index = pd.RangeIndex(1, len(out) + 1)
    return out


def result_summary(result: Scored) -> str:
    """The result in a few Markdown sentences: how many units, best and worst, tiers, vetoes, gaps."""
    from civscore.analysis.summary import tier_counts, unit_labels

    table = result.table
    n = len(table)
    if not n:
        return "没有参评单位。"
    labels = unit_labels(result)
    ids = table[result.id_column].astype(str)
    totals = table["total"]
    best, worst = table.iloc[0], table.iloc[-1]
    parts = [f"共 **{n}** 个单位参评。总分平均 {totals.mean():.1f} 分，中位数 {totals.median():.1f} 分。"]
    leaders = ids[table["rank"] == 1]
    names = "、".join(_md(labels[i]) for i in leaders)
    parts.append(
        f"第 1 名：{names}（{best['total']:.1f} 分）" + ("，并列" if len(leaders) > 1 else "") + "；"
        f"最后一名：{_md(labels[ids.iloc[-1]])}（第 {worst['rank']} 名，{worst['total']:.1f} 分）。"
    )
    if result.rubric.tiers:
        counts = tier_counts(result)["单位数"]
        parts.append("等级：" + "，".join(f"{_md(k)} {v} 个" for k, v in counts.items()) + "。")
    vetoed = ids[table["disqualified"]]
    if len(vetoed):
        parts.append(f"被一票否决 {len(vetoed)} 个：" + "、".join(_md(labels[i]) for i in vetoed) + "。")
    partial = int((table["coverage"] < 1 - 1e-9).sum())
    if partial:
        parts.append(f"有合理缺项（指标覆盖率不足 100%、基础分已按比例折算）的单位 {partial} 个。")
    return "\n\n".join(parts)


def dimension_summary(result: Scored) -> str:
    """Which dimensions units lose most in, in Markdown: mean, lowest and highest share per dimension."""
    from civscore.analysis.summary import dimension_names, dimension_shares

    shares = dimension_shares(result)
    if shares.empty:
        return ""
    names = dimension_names(result)
    mean = shares.mean().sort_values(kind="stable")
    lines = [
        f"全体单位平均得分率最低的维度是 **{_md(names[mean.index[0]])}**（{mean.iloc[0]:.0f}%），"
        f"最高的是 **{_md(names[mean.index[-1]])}**（{mean.iloc[-1]:.0f}%）。",
        "",
        "| 维度 | 平均得分率 | 最低 | 最高 |",
        "|---|---:|---:|---:|",
    ]
    low, high = shares.min(), shares.max()
    for d in mean.index:
        lines.append(f"| {_md(names[d])} | {mean[d]:.0f}% | {low[d]:.0f}% | {high[d]:.0f}% |")
    return "\n".join(lines)


def veto_table(result: Scored) -> pd.DataFrame:
    """One row per unit and triggered veto (一票否决, 限分 or 扣分), in ranking order."""
    rubric = result.rubric
    columns = [
        "排名",
        rubric.unit.id_column,
        *([rubric.unit.name_column] if rubric.unit.name_column else []),
        "否决项",
        "效果",
        "总分",
        "等级",
    ]
    if result.vetoes.empty or not result.vetoes.to_numpy().any():
        return pd.DataFrame(columns=columns)
    table = result.table.set_index(result.table[result.id_column].to_numpy())
    stacked = result.vetoes.reindex(table.index).stack()
    assert isinstance(stacked, pd.Series)  # one level of columns stacks to a Series
    hits = stacked[stacked.astype(bool)]
    unit_ids = hits.index.get_level_values(0)
    veto_ids = hits.index.get_level_values(1)
    by_id = {v.id: v for v in rubric.vetoes}
    out = pd.DataFrame(
        {
            "排名": table.loc[unit_ids, "rank"].to_numpy(),
            rubric.unit.id_column: unit_ids,
            "否决项": [by_id[v].name for v in veto_ids],
            "效果": [veto_effect(by_id[v]) for v in veto_ids],
            "总分": table.loc[unit_ids, "total"].round(2).to_numpy(),
            "等级": table.loc[unit_ids, "tier"].to_numpy(),
        }
    )
    if rubric.unit.name_column:
        out.insert(2, rubric.unit.name_column, table.loc[unit_ids, rubric.unit.name_column].to_numpy())
    out.index = pd.RangeIndex(1, len(out) + 1)
    return out[columns]


def display_table(result: Scored) -> pd.DataFrame:
    """The result table for readers: Chinese headers, veto names instead of ids, 是/空 for vetoes.

    Columns and rows are those of ``result.table`` (rubric-contract section 6), renamed:
    ``rank`` -> 排名, ``rank_in_街道`` -> 街道内排名, ``total`` -> 总分, each dimension id -> its
    name, and so on. The id, name and group columns keep the data's own headers.
    """
    rubric = result.rubric
    table = result.table
    out = table.copy()
    veto_names = {v.id: v.name for v in rubric.vetoes}
    if veto_names and len(out):
        parts = out["vetoes"].astype("string").fillna("").str.split(";").explode()
        named = parts[parts != ""].map(lambda v: veto_names.get(v, v))
        out["vetoes"] = named.groupby(level=0).agg("；".join).reindex(out.index, fill_value="")
    out["disqualified"] = out["disqualified"].map({True: "是", False: ""})
    names = dict(SCORE_HEADERS)
    names.update({f"rank_in_{g}": f"{g}内排名" for g in rubric.unit.group_columns})
    taken = set(table.columns) | set(names.values())
    for d in rubric.dimensions:
        # a dimension named like a data column would make two columns with one header
        names[d.id] = d.name if d.name not in taken else f"{d.name}（维度）"
        taken.add(names[d.id])
    return out.rename(columns=names)


def ranking_styler(result: Scored, max_rows: int = 200, uuid: str = "ranking") -> Styler:
    """The ranking as a styled table: totals as grey bars, tiers shaded, vetoed units red and bold
    on a pale red row, without a bar or a tier shade.

    More than ``max_rows`` units: the first ``max_rows`` are shown and the caption says where the
    whole table is (ranking.xlsx). ``uuid`` fixes the HTML ids so that outputs are reproducible.
    """
    full = display_table(result)
    table = full.head(max_rows)
    rubric = result.rubric
    dims = [c for c in table.columns[list(result.table.columns).index("coverage") + 1 :]]
    scores: list[Hashable] = ["总分", "基础分", "特色加分", *dims]
    top = max(float(result.table["total"].max()) if len(table) else 0.0, rubric.total_points)
    shade = {t.name: TIER_SHADES[min(i, len(TIER_SHADES) - 1)] for i, t in enumerate(rubric.tiers)}
    disqualified = result.table["disqualified"].head(max_rows).to_numpy(bool)
    kept, vetoed = table.index[~disqualified], table.index[disqualified]
    caption = html.escape(f"{rubric.name}（版本 {rubric.version}）：{len(full)} 个单位的排名")
    if len(full) > len(table):
        caption += f"（此处列出前 {len(table)} 名，完整排名见 ranking.xlsx）"
    styler = (
        table.style.set_uuid(uuid)
        .hide(axis="index")
        .format(na_rep="", escape="html")  # names come from data files: never let them become markup
        .format("{:.2f}", subset=scores, na_rep="")
        .format("{:.0%}", subset=["指标覆盖率"])
        .format_index(escape="html", axis=1)
        # a vetoed unit's total gets no bar: a long bar would read as a top performer
        .bar(subset=(kept, ["总分"]), color="#bfbfbf", vmin=0, vmax=top, height=70, width=100)
        .map(lambda v: f"background-color: {shade[v]}" if v in shade else "", subset=(kept, ["等级"]))
        .apply(lambda row: [VETO_CSS] * len(row), axis=1, subset=(vetoed, slice(None)))
        .set_caption(caption)
        .set_table_styles(
            [
                {"selector": "caption", "props": "caption-side: top; font-weight: bold; text-align: left;"},
                {"selector": "th", "props": "background-color: #f2f2f2; text-align: center;"},
                {"selector": "td", "props": "padding: 2px 6px;"},
            ]
        )
    )
    return styler


def bulletin_styler(result: Scored, uuid: str = "bulletin") -> Styler:
    """The 通报 ranking for the page and for print: Chinese headers, dimensions under 各维度得分,
    numbers right and text left, names never broken, vetoed units red bold and marked （否决）."""
    from civscore.tables.bulletin import DIMENSIONS_SPANNER, bulletin_table, dimension_headers

    table = bulletin_table(result)
    dims = set(dimension_headers(result).values())
    table.columns = pd.MultiIndex.from_tuples([(DIMENSIONS_SPANNER if c in dims else "", c) for c in table.columns])
    numbers = [c for c in table.columns if pd.api.types.is_float_dtype(table[c].dtype)]
    ranks = [c for c in table.columns if pd.api.types.is_integer_dtype(table[c].dtype)]
    text = [c for c in table.columns if c not in numbers and c not in ranks]
    notes = [c for c in text if c[1] == "否决与扣分项"]
    unit = result.rubric.unit
    names = [c for c in text if c[1] in {unit.name_column or unit.id_column, *unit.group_columns}]
    vetoed = table.index[result.table["disqualified"].to_numpy(bool)]
    coverage = [c for c in numbers if c[1] == "指标覆盖率"]
    styler = (
        table.style.set_uuid(uuid)
        .hide(axis="index")
        .format(na_rep="", escape="html")  # names come from data files: never let them become markup
        .format("{:.2f}", subset=[c for c in numbers if c not in coverage], na_rep="")
        .format("{:.0%}", subset=coverage)
        .format_index(escape="html", axis=1)
        .set_properties(subset=numbers + ranks, **{"text-align": "right"})
        .set_properties(subset=text, **{"text-align": "left"})
        # names never break character by character
        .set_properties(subset=names, **{"white-space": "nowrap"})
        # veto names are long: they wrap within a bounded column instead of widening the table
        .set_properties(subset=notes, **{"white-space": "normal", "min-width": "7em", "max-width": "12em"})
        .apply(lambda row: [VETO_CSS] * len(row), axis=1, subset=(vetoed, slice(None)))
        .set_table_attributes('class="civ-bulletin"')
        .set_table_styles(
            [
                {"selector": "th", "props": "background-color: #f2f2f2; text-align: center; padding: 2px 4px;"},
                {"selector": "td", "props": "padding: 1px 4px;"},
            ]
        )
    )
    return styler


def interactive_ranking(result: Scored, table_id: str = "ranking") -> str:
    """The ranking as a sortable, searchable table (itables, offline: the page must have run
    ``itables.init_notebook_mode(connected=False)``); name columns stay in view when scrolling."""
    from itables import to_html_datatable

    from civscore.tables.bulletin import bulletin_table

    table = bulletin_table(result)
    key = list(table.columns).index(result.rubric.unit.name_column or result.rubric.unit.id_column) + 1
    text = [j for j, c in enumerate(table.columns) if not pd.api.types.is_numeric_dtype(table[c].dtype)]
    return to_html_datatable(
        table,
        table_id=table_id,
        connected=False,
        display_logo_when_loading=False,
        showIndex=False,
        scrollX=True,
        scrollY="60vh",
        scrollCollapse=True,
        paging=False,
        fixedColumns={"start": key},
        columnDefs=[{"className": "dt-left", "targets": text}],  # text left, numbers right
        classes="display nowrap compact cell-border",
        language={
            "search": "搜索：",
            "info": "共 _TOTAL_ 个单位",
            "infoFiltered": "（从 _MAX_ 个中筛选）",
            "infoEmpty": "没有单位",
            "zeroRecords": "没有符合条件的单位",
        },
        layout={"topStart": None, "topEnd": "search", "bottomStart": "info", "bottomEnd": None},
    )


def tier_table(result: Scored) -> pd.DataFrame:
    """Units per tier in rubric order: 分数区间, 单位数, 占比, 其中一票否决."""
    from civscore.analysis.summary import tier_bounds, tier_counts

    counts = tier_counts(result)
    total = max(int(counts["单位数"].sum()), 1)
    bounds = tier_bounds(result)
    out = pd.DataFrame(
        {
            "分数区间": [bounds[name] for name in counts.index],
            "单位数": counts["单位数"].to_numpy(),
            "占比": (counts["单位数"] / total).map("{:.0%}".format).to_numpy(),
            "其中一票否决": counts["其中一票否决"].to_numpy(),
        },
        index=counts.index,
    )
    return out


def group_table(result: Scored, group_column: str) -> pd.DataFrame:
    """Per group (e.g. 街道): units, mean / best / worst total, vetoed units and units per tier;
    best mean first. 最高分 is the best total among units not vetoed."""
    table = result.table
    by = table.groupby(group_column, sort=False)
    # a vetoed unit is never its group's best, whatever its total
    standing = table[~table["disqualified"]].groupby(group_column, sort=False)["total"]
    out = pd.DataFrame(
        {
            "单位数": by.size(),
            "平均总分": by["total"].mean().round(2),
            "最高分": standing.max().reindex(by.size().index).round(2),
            "最低分": by["total"].min().round(2),
            "其中一票否决": by["disqualified"].sum().astype(int),
        }
    )
    tiers = [t.name for t in result.rubric.tiers]
    if tiers:
        per_tier = pd.crosstab(table[group_column], table["tier"]).reindex(columns=tiers, fill_value=0)
        out = out.join(per_tier.reindex(out.index, fill_value=0))
    out = out.sort_values("平均总分", ascending=False, kind="stable")
    out.index.name = group_column
    return out


def problems_styler(report: ValidationReport, uuid: str = "problems") -> Styler:
    """A validation report's problems as a table with Chinese headers (one row per problem)."""
    problems = report.problems
    if "sheet" in problems and not problems["sheet"].astype(bool).any():
        problems = problems.drop(columns="sheet")  # a CSV or Parquet file has no sheets
    table = problems.rename(columns=PROBLEM_HEADERS)
    table = table.astype({"行号": "Int64"}) if "行号" in table else table
    return (
        table.style.set_uuid(uuid)
        .hide(axis="index")
        .format(na_rep="", escape="html")  # the value column shows cells exactly as typed, markup included
        .set_table_styles(
            [
                {"selector": "th", "props": "background-color: #f2f2f2; text-align: left;"},
                {"selector": "td", "props": "padding: 2px 6px; text-align: left;"},
            ]
        )
    )


__all__ = [
    "bulletin_styler",
    "display_table",
    "group_table",
    "interactive_ranking",
    "problems_styler",
    "ranking_styler",
    "tier_table",
]
