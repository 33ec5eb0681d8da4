"""`civscore score RUBRIC DATA -o OUT`: validate, score and rank, write the result."""

from __future__ import annotations

import argparse

import civscore
from civscore.cli.common import (
    add_data_args,
    add_issuer_arg,
    add_output_arg,
    add_previous_arg,
    add_problems_arg,
    output_format,
    score_inputs,
)
from civscore.words import say

ORDER = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help=say("检查、打分并排名", "validate, score and rank"),
        description=say(
            "按 RUBRIC 检查 DATA，为每个单位打分、排名，写出 OUT。",
            "Validate DATA against RUBRIC, score and rank every unit, write OUT.",
        ),
    )
    add_data_args(p)
    add_output_arg(
        p,
        say(
            "结果文件；扩展名决定格式：.csv、.xlsx 或 .parquet",
            "result file; the extension picks the format: .csv, .xlsx or .parquet",
        ),
    )
    add_previous_arg(p)
    add_issuer_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    output_format(args.parser, args.output)
    result = score_inputs(args)
    if result is None:
        return 1
    rubric = result.rubric
    result.write(args.output)
    beside = civscore.points_beside(result, args.output)
    if beside is not None:
        units, indicators = result.points.shape
        print(
            say(
                f"指标得分（{units:,} 个单位 × {indicators:,} 项）超出工作簿便于使用的大小，另存为 {beside}",
                f"the points per indicator ({units:,} units × {indicators:,}) are too many for a workbook: "
                f"written to {beside}",
            )
        )
    tiers = result.table["tier"].value_counts()
    shown = [f"{t.name} {int(tiers.get(t.name, 0))}" for t in rubric.tiers]
    n = len(result.table)
    print(
        say(
            f"已按 {rubric.name} {rubric.version} 为 {n} 个单位打分 → {args.output}"
            + (f"（{'，'.join(shown)}）" if shown else ""),
            f"scored {n} units with {rubric.name} {rubric.version} → {args.output}"
            + (f" ({', '.join(shown)})" if shown else ""),
        )
    )
    return 0
