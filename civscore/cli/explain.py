"""`civscore explain RUBRIC DATA UNIT`: why one unit scored what it did."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

import civscore
from civscore.cli.common import (
    add_data_args,
    add_previous_arg,
    add_problems_arg,
    not_written,
    output_format,
    score_or_report,
)
from civscore.words import fmt_points, language, say

ORDER = 4

# the columns printed, in order; a file written with -o keeps every column of civscore.explain()
SHOWN = ("kind", "item", "value", "rule", "earned", "available", "lost", "contribution", "note")


def _headers() -> dict[str, str]:
    """The breakdown's column names as people read them (the API keeps the identifiers)."""
    if language() == "en":
        return {}
    return {
        "kind": "类别",
        "item": "指标",
        "name": "名称",
        "dimension_id": "维度编号",
        "dimension": "维度",
        "method": "计分方法",
        "value": "数值",
        "rule": "规则",
        "earned": "得分",
        "available": "满分",
        "lost": "失分",
        "missing": "缺失",
        "excluded": "不计入",
        "imputed": "补入",
        "contribution": "贡献",
        "note": "说明",
    }


def _kinds() -> dict[str, str]:
    if language() == "en":
        return {}
    return {"base": "基础指标", "bonus": "特色指标", "adjustment": "调整", "veto": "否决"}


def _for_people(table: pd.DataFrame) -> pd.DataFrame:
    """The breakdown with headers and row kinds in the message language."""
    out = table.assign(kind=table["kind"].replace(_kinds()))
    return out.rename(columns=_headers())


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help=say("某个单位为什么得了这个分", "why one unit scored what it did"),
        description=say(
            "打印 UNIT 的得分明细：每个指标的数值、适用的规则，以及得分、失分和满分，"
            "然后是调整项和否决项；各项贡献之和等于总分。也可写入 OUT。",
            "Print UNIT's breakdown: each indicator's value, the rule that applied and the "
            "points earned, lost and available, then the adjustments and vetoes; the "
            "contributions add up to the total. Optionally write it to OUT.",
        ),
    )
    add_data_args(p)
    p.add_argument(
        "unit", metavar="UNIT", help=say("单位编号（或不重复的单位名称）", "unit id (or a unique unit name)")
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help=say(
            "同时把明细写入 OUT（.csv、.xlsx 或 .parquet）", "also write the breakdown to OUT (.csv, .xlsx or .parquet)"
        ),
    )
    add_previous_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    if args.output:
        output_format(args.parser, args.output)
    result = score_or_report(args.rubric, args.data, args.sheet, args)
    if result is None:
        print(not_written(args.output) if args.output else say("没有给出明细。", "nothing explained."), file=sys.stderr)
        return 1
    table = result.explain(args.unit)
    uid = table.attrs["unit"]
    row = result.table[result.table[result.id_column] == uid].iloc[0]
    name = f" {row[result.rubric.unit.name_column]}" if result.rubric.unit.name_column else ""
    total, rank, tier = fmt_points(row["total"]), row["rank"], row["tier"] or "—"
    print(
        say(
            f"{uid}{name}：总分 {total}，排名 {rank}，等级 {tier}",
            f"{uid}{name}: total {total}, rank {rank}, tier {tier}",
        )
    )
    shown = _for_people(table[list(SHOWN)])
    with pd.option_context(
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.width",
        200,
        "display.max_colwidth",
        60,
        "display.unicode.east_asian_width",
        True,  # columns line up under Chinese text
    ):
        print(shown.astype(object).where(shown.notna(), "").to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    total_text = fmt_points(table["contribution"].sum())
    print(say(f"各项贡献合计：{total_text}", f"sum of contributions: {total_text}"))
    if args.output:
        civscore.write_table(_for_people(table), args.output, sheet=say("得分明细", "explain"))
        print(say(f"得分明细已写入 {args.output}", f"breakdown written to {args.output}"))
    return 0
