"""`civscore gaps RUBRIC DATA -o OUT`: the rectification list (整改清单) of every unit."""

from __future__ import annotations

import argparse
import sys

import civscore
from civscore.cli.common import (
    add_data_args,
    add_issuer_arg,
    add_output_arg,
    add_previous_arg,
    add_problems_arg,
    output_format,
    score_or_report,
)
from civscore.words import say

ORDER = 5


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gaps",
        help=say(
            "整改清单：每个单位要整改什么，能提高多少分",
            "rectification list (整改清单): what each unit must fix, and the gain",
        ),
        description=say(
            "按 RUBRIC 为 DATA 打分，并为每个单位写出失分的项目（否决项在前，其余按失分从大到小），"
            "附具体的下一步和可提高的分数。.xlsx 的 OUT 每个分组（如每个街道）一个可直接打印的工作表。",
            "Score DATA with RUBRIC and write, for every unit, the items where it lost "
            "points (vetoes first, then largest loss first) with the concrete next step and "
            "its gain. An .xlsx OUT has one print-ready sheet per group (e.g. per 街道).",
        ),
    )
    add_data_args(p)
    add_output_arg(
        p,
        say(
            "输出文件：.xlsx（每个分组一张工作表）、.docx（每个单位一页）、.csv 或 .parquet（一张表）",
            "output file: .xlsx (one sheet per group), .docx (one page per unit), .csv or .parquet (one table)",
        ),
    )
    p.add_argument(
        "--by",
        metavar="COLUMN",
        help=say(
            "按此列的取值分工作表（默认：评分细则的第一个分组列）",
            "column whose values get a sheet each (default: the rubric's first group column)",
        ),
    )
    p.add_argument("--unit", metavar="ID", help=say("只列出这个单位", "only this unit"))
    add_previous_arg(p)
    add_issuer_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    suffix = output_format(args.parser, args.output, (*civscore.RESULT_FORMATS, ".docx"))
    if args.by is not None:
        unit = civscore.load_rubric(args.rubric).unit
        choices = [c for c in (unit.id_column, unit.name_column, *unit.group_columns) if c]
        if args.by not in choices:  # wrong usage: say so (exit 2) before any scoring
            args.parser.error(
                say(
                    f"--by {args.by!r} 不是测评体系中的单位列；请从以下选择：{'、'.join(choices)}",
                    f"--by {args.by!r} is not a unit column of the rubric; choose one of: {', '.join(choices)}",
                )
            )
    result = score_or_report(args.rubric, args.data, args.sheet, args)
    if result is None:
        print(say(f"未写出 {args.output}。", f"{args.output} was not written."), file=sys.stderr)
        return 1
    table = result.gaps(args.unit)
    n_units = table[result.id_column].nunique()
    n_veto = int(table["kind"].str.startswith("veto").sum())
    if suffix == ".xlsx":
        _, sheets = civscore.write_gaps(result, table, args.output, by=args.by)
        where = say(
            f"{len(sheets)} 个工作表：{'、'.join(sheets)}，另加“说明”",
            f"{len(sheets)} sheet(s): {', '.join(sheets)}, plus 说明",
        )
    elif suffix == ".docx":
        civscore.write_gaps_docx(result, table, args.output)
        where = say("每个单位一节", "one section per unit")
    else:
        civscore.write_table(table, args.output, sheet="gaps")
        where = say("一张表", "one table")
    print(
        say(
            f"{n_units} 个单位共 {len(table)} 项（其中否决项 {n_veto} 项）→ {args.output}（{where}）",
            f"{len(table)} items for {n_units} units ({n_veto} veto item(s)) → {args.output} ({where})",
        )
    )
    return 0
