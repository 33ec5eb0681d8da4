"""`civscore compare -r RUBRIC [-r RUBRIC] -d DATA [-d DATA] -o OUT`: two versions or two years."""

from __future__ import annotations

import argparse
import sys

import civscore
from civscore.cli.common import (
    add_output_arg,
    add_problems_arg,
    add_records_args,
    not_written,
    output_format,
    score_or_report,
)
from civscore.words import say

_KIND_ZH = {"rubric": "测评体系", "data": "数据", "both": "测评体系和数据"}  # what a comparison changed

ORDER = 6


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help=say("比较两个版本的测评体系，或两年的数据", "compare two rubric versions, or two years of data"),
        description=say(
            "打分两次并比较：给出两个测评体系和一个数据文件（新版测评体系），一个测评体系和两个数据文件"
            "（如两年），或各两个。每个单位一行：排名、总分及其变化，变化中“规则变化”和“数据变化”各占多少，"
            "以及带来变化的指标。",
            "Score twice and compare: give two rubrics and one data file (a new rubric "
            "version), one rubric and two data files (e.g. two years), or two of each. "
            "Writes one row per unit: ranks, totals, their change, its split into 'rule "
            "changed' and 'data changed', and the indicators that drove it.",
        ),
    )
    p.add_argument(
        "-r",
        "--rubric",
        action="append",
        required=True,
        metavar="RUBRIC",
        help=say(
            "测评体系文件；两个版本时给两次（先旧后新）",
            "rubric file; give it twice for two versions (before, then after)",
        ),
    )
    p.add_argument(
        "-d",
        "--data",
        action="append",
        required=True,
        metavar="DATA",
        help=say("数据文件；两年时给两次（先旧后新）", "data file; give it twice for two years (before, then after)"),
    )
    add_output_arg(
        p,
        say(
            "输出文件：.csv 或 .parquet（单位对比表），.xlsx（另含指标和维度工作表）",
            "output file: .csv or .parquet (the unit table), .xlsx (adds indicator and dimension sheets)",
        ),
    )
    p.add_argument(
        "--labels",
        nargs=2,
        metavar=("BEFORE", "AFTER"),
        help=say("前后两期的名称，例如 2024 2025", "names of the two sides, e.g. 2024 2025"),
    )
    p.add_argument(
        "--top",
        type=int,
        default=3,
        metavar="N",
        help=say("每个单位列出的主要变动指标数（默认 3）", "indicators listed per unit as drivers (default 3)"),
    )
    p.add_argument(
        "--sheet",
        metavar="NAME",
        help=say(
            ".xlsx 数据文件中要读取的工作表（默认：第一张可见工作表）；'*'：表头相同的各张可见工作表上下合并读取",
            "one sheet of .xlsx data files (default: the first visible sheet); '*': every visible sheet with "
            "the same header row, stacked",
        ),
    )
    p.add_argument(
        "--previous",
        action="append",
        metavar="FILE",
        help=say(
            "上一期的单位数据表，供 previous(列名) 读取；给一次两边共用，给两次依次对应前后两边",
            "the previous period's unit table read by previous(name); once for both sides, twice for before and after",
        ),
    )
    add_records_args(p)
    add_problems_arg(p)
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    parser = args.parser
    if len(args.rubric) > 2 or len(args.data) > 2:
        parser.error(
            say(
                "最多给出两个测评体系（-r）和两个数据文件（-d）",
                "give at most two rubrics (-r) and two data files (-d)",
            )
        )
    if len(args.rubric) == 1 and len(args.data) == 1:
        parser.error(
            say(
                "没有可比较的：请再给一个测评体系（-r）或一个数据文件（-d）",
                "nothing to compare: give a second rubric (-r) or a second data file (-d)",
            )
        )
    output_format(parser, args.output)
    if args.previous and len(args.previous) > 2:
        parser.error("give --previous at most twice (before, then after)")
    rubrics = args.rubric * (2 // len(args.rubric))
    datas = args.data * (2 // len(args.data))
    previous = (args.previous or [None]) * (2 // len(args.previous or [None]))
    results = []
    for rubric_path, data_path, before in zip(rubrics, datas, previous):
        result = score_or_report(rubric_path, data_path, args.sheet, args, previous=before)
        if result is None:
            print(not_written(args.output), file=sys.stderr)
            return 1
        results.append(result)
    comp = civscore.compare(results[0], results[1], labels=args.labels, top=args.top)
    civscore.write_comparison(comp, args.output)
    both = int((comp.units["status"] == "both").sum())
    only = comp.only_a or comp.only_b
    a, b = len(comp.only_a), len(comp.only_b)
    print(
        say(
            f"已比较 {both} 个单位（{_KIND_ZH.get(comp.kind, comp.kind)}变化）"
            + (f"；只在前者中：{a}，只在后者中：{b}" if only else "")
            + f" → {args.output}",
            f"compared {both} units ({comp.kind} changed)"
            + (f"; only before: {a}, only after: {b}" if only else "")
            + f" → {args.output}",
        )
    )
    return 0
