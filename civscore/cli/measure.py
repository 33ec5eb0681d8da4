"""`civscore measure RUBRIC [DATA] --records NAME=FILE ... -o OUT`: the unit-level measures."""

from __future__ import annotations

import argparse
import sys

import civscore
from civscore.cli.common import (
    add_data_args,
    add_output_arg,
    add_problems_arg,
    not_written,
    output_format,
    print_report,
    record_options,
)
from civscore.words import say

ORDER = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "measure",
        help=say(
            "把记录表（问卷答案、检查点位）汇总为单位的度量",
            "aggregate record tables (survey answers, inspection points) into unit-level measures",
        ),
        description=say(
            "检查 RUBRIC 的记录表（--records NAME=FILE，每个记录表一次）并写出度量：单位 id 列，然后每个度量的 "
            "<id>、<id>_n，均值（mean）和比例（share）另有 <id>_se；DATA 的每个单位一行（无 DATA 时为记录中出现的每个"
            "单位 id），按 id 排序。",
            "Check the record tables of RUBRIC (--records NAME=FILE, once per table) and write "
            "the measures: the unit id column, then per measure <id>, <id>_n and, for mean and share, "
            "<id>_se; one row per unit of DATA (without DATA: per unit id found in the records), sorted by id.",
        ),
    )
    add_data_args(p, data_required=False)
    add_output_arg(p, say("度量文件：.csv、.xlsx 或 .parquet", "measures file: .csv, .xlsx or .parquet"))
    add_problems_arg(p)
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    output_format(args.parser, args.output)
    rubric = civscore.load_rubric(args.rubric)
    if not rubric.records:
        args.parser.error(
            say(
                f"{args.rubric} 没有声明记录表（records:），没有可汇总的内容",
                f"{args.rubric} declares no record tables (records:), so there is nothing to measure",
            )
        )
    options = record_options(args, rubric)
    data = civscore.read_data(args.data, rubric, sheet=args.sheet) if args.data else None
    try:
        table = civscore.measure(rubric, units=data, **options)
    except civscore.ValidationError as exc:
        print_report(exc.report, args, stream=sys.stderr)
        print(not_written(args.output), file=sys.stderr)
        return 1
    civscore.write_table(table, args.output, sheet="measures")
    basis = args.data or say("记录中出现的单位", "the unit ids found in the records")
    print(
        say(
            f"{len(table)} 个单位（{basis}）× {len(rubric.measures)} 个度量 → {args.output}",
            f"{len(table)} units ({basis}) x {len(rubric.measures)} measures → {args.output}",
        )
    )
    return 0
