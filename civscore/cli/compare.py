"""`civscore compare -r RUBRIC [-r RUBRIC] -d DATA [-d DATA] -o OUT`: two versions or two years."""

from __future__ import annotations

import argparse
import sys

import civscore
from civscore.cli.common import (
    add_issuer_arg,
    add_output_arg,
    add_problems_arg,
    add_records_args,
    engine_options,
    given_records,
    not_written,
    output_format,
    score_or_report,
)
from civscore.words import say

_KIND_ZH = {"rubric": "测评体系", "data": "数据", "both": "测评体系和数据"}  # what a comparison changed

ORDER = 6

_SIDE_ZH, _SIDE_EN = ("前者", "后者"), ("before", "after")


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
    add_records_args(
        p,
        say(
            "记录表（问卷答案、检查点位等）：.csv、.xlsx、.parquet，或 .parquet 文件的文件夹或通配符；每个测评体系"
            "取它声明的记录表；给一次两边共用，同一记录表给两次依次对应前后两边（如两年的问卷）",
            "a record table (survey answers, inspection points...): .csv, .xlsx, .parquet, or a folder or glob "
            "of .parquet files; each rubric takes the tables it declares; once for both sides, or the same NAME "
            "twice for before and after (e.g. two years of answers)",
        ),
    )
    add_issuer_arg(p)
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
        parser.error(say("--previous 最多给两次（先旧后新）", "give --previous at most twice (before, then after)"))
    loaded = [civscore.load_rubric(path) for path in args.rubric]
    rubrics = loaded * (2 // len(loaded))
    datas = args.data * (2 // len(args.data))
    previous = (args.previous or [None]) * (2 // len(args.previous or [None]))
    records = side_records(args, rubrics)
    results = []
    for rubric, data_path, before, options in zip(rubrics, datas, previous, records):
        result = score_or_report(rubric, data_path, args.sheet, args, previous=before, records=options)
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


def side_records(args: argparse.Namespace, rubrics: list[civscore.Rubric]) -> list[dict]:
    """The record options of each side (before, after), from --records NAME=FILE.

    Each rubric takes the record tables it declares. A NAME given once serves every side whose
    rubric declares it; given twice, the first file is the before side's and the second the
    after side's. Wrong usage exits 2 before any work, every problem in one message: a NAME
    that neither rubric declares, a NAME a side needs and was not given (naming that side's
    rubric), a NAME given twice that only one side declares.
    """
    parser = args.parser
    given = given_records(args, times=2)
    options = engine_options(args)
    paths = args.rubric * (2 // len(args.rubric))
    one_rubric = len(args.rubric) == 1
    declared = [set(r.records) for r in rubrics]
    problems = []
    for name, files in given.items():
        sides = [i for i in (0, 1) if name in declared[i]]
        if not sides:
            problems.append(_undeclared(name, paths, declared, one_rubric))
        elif len(files) == 2 and len(sides) == 1:
            i = sides[0]
            problems.append(
                say(
                    f"记录表 {name} 只有{_SIDE_ZH[i]}的测评体系 {paths[i]} 声明，--records {name}=... 只能给一次",
                    f"record table {name} is declared only by the {_SIDE_EN[i]} rubric {paths[i]}: "
                    f"give --records {name}=... once",
                )
            )
    for i in (0, 1) if not one_rubric else (0,):
        for name in sorted(declared[i] - set(given)):
            problems.append(
                say(f"测评体系 {paths[i]}", f"the rubric {paths[i]}")
                + ("" if one_rubric else say(f"（{_SIDE_ZH[i]}）", f" ({_SIDE_EN[i]})"))
                + say(
                    f"需要记录表 {name}：请给出 --records {name}=FILE",
                    f" needs record table {name}: add --records {name}=FILE",
                )
            )
    if problems:
        parser.error(say("；", "; ").join(problems))
    if len(args.data) == 2:
        for name, files in given.items():
            if len(files) == 1 and all(name in d for d in declared):
                print(
                    say(
                        f"注意：记录表 {name} 的文件 {files[0]} 用于前后两边；两期各有记录时，请给两次 "
                        f"--records {name}=FILE（先旧后新）",
                        f"note: record table {name}: {files[0]} is used for both sides; when each period "
                        f"has its own records, give --records {name}=FILE twice (before, then after)",
                    ),
                    file=sys.stderr,
                )
    return [
        {"records": {n: f[i] if len(f) == 2 else f[0] for n, f in given.items() if n in declared[i]}, **options}
        if rubrics[i].records
        else {}
        for i in (0, 1)
    ]


def _undeclared(name: str, paths: list[str], declared: list[set[str]], one_rubric: bool) -> str:
    def known(i: int) -> str:
        return ", ".join(sorted(declared[i])) or say("（无）", "(none)")

    if one_rubric:
        return say(
            f"记录表 {name!r} 未在测评体系 {paths[0]} 中声明（已声明：{known(0)}）",
            f"record table {name!r} is not declared by the rubric {paths[0]} (declared: {known(0)})",
        )
    return say(
        f"记录表 {name!r} 两个测评体系都没有声明（{paths[0]} 声明：{known(0)}；{paths[1]} 声明：{known(1)}）",
        f"record table {name!r} is declared by neither rubric ({paths[0]} declares: {known(0)}; "
        f"{paths[1]}: {known(1)})",
    )
