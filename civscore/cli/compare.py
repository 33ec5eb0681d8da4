"""`civscore compare -r RUBRIC [-r RUBRIC] -d DATA [-d DATA] -o OUT`: two versions or two years."""

from __future__ import annotations

import argparse
import sys

import civscore
from civscore.cli.common import add_output_arg, add_problems_arg, output_format, score_or_report
from civscore.words import say

ORDER = 6


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare two rubric versions, or two years of data",
        description="Score twice and compare: give two rubrics and one data file (a new rubric "
        "version), one rubric and two data files (e.g. two years), or two of each. "
        "Writes one row per unit: ranks, totals, their change, its split into 'rule "
        "changed' and 'data changed', and the indicators that drove it.",
    )
    p.add_argument(
        "-r",
        "--rubric",
        action="append",
        required=True,
        metavar="RUBRIC",
        help="rubric file; give it twice for two versions (before, then after)",
    )
    p.add_argument(
        "-d",
        "--data",
        action="append",
        required=True,
        metavar="DATA",
        help="data file; give it twice for two years (before, then after)",
    )
    add_output_arg(p, "output file: .csv or .parquet (the unit table), .xlsx (adds indicator and dimension sheets)")
    p.add_argument("--labels", nargs=2, metavar=("BEFORE", "AFTER"), help="names of the two sides, e.g. 2024 2025")
    p.add_argument("--top", type=int, default=3, metavar="N", help="indicators listed per unit as drivers (default 3)")
    p.add_argument(
        "--sheet",
        metavar="NAME",
        help="one sheet of .xlsx data files (default: the first visible sheet); '*': every visible sheet with "
        "the same header row, stacked",
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
    add_problems_arg(p)
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    parser = args.parser
    if len(args.rubric) > 2 or len(args.data) > 2:
        parser.error("give at most two rubrics (-r) and two data files (-d)")
    if len(args.rubric) == 1 and len(args.data) == 1:
        parser.error("nothing to compare: give a second rubric (-r) or a second data file (-d)")
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
            print(f"{args.output} was not written.", file=sys.stderr)
            return 1
        results.append(result)
    comp = civscore.compare(results[0], results[1], labels=args.labels, top=args.top)
    civscore.write_comparison(comp, args.output)
    both = int((comp.units["status"] == "both").sum())
    extra = ""
    if comp.only_a or comp.only_b:
        extra = f"; only before: {len(comp.only_a)}, only after: {len(comp.only_b)}"
    print(f"compared {both} units ({comp.kind} changed){extra} → {args.output}")
    return 0
