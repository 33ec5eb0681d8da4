"""`civscore validate RUBRIC [DATA]`: check a rubric, and data against it."""

from __future__ import annotations

import argparse

import civscore
from civscore.cli.common import (
    add_data_args,
    add_previous_arg,
    add_problems_arg,
    previous_of,
    print_notes,
    print_report,
    record_options,
)
from civscore.words import say

ORDER = 1  # the place in `civscore --help`


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help=say("检查测评体系，以及按它检查数据", "check a rubric, and data against it"),
        description=say(
            "检查 RUBRIC，如给出 DATA 则按 RUBRIC 检查它。无问题时退出码为 0，有问题时为 1。",
            "Check RUBRIC and, if given, DATA against it. Exit 0 when valid, 1 when not.",
        ),
    )
    add_data_args(p, data_required=False)
    add_previous_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    rubric = civscore.load_rubric(args.rubric)
    n_ind = sum(1 for _ in rubric.iter_indicators())
    if not args.data and args.records:  # the records alone
        return _validate_records(args, rubric, record_options(args, rubric))
    if not args.data:
        print(
            say(
                f"{args.rubric}：没有问题 — {rubric.name} {rubric.version}：{n_ind} 个指标，"
                f"{len(rubric.vetoes)} 个否决项，{len(rubric.tiers)} 个等级",
                f"{args.rubric}: OK — {rubric.name} {rubric.version}: {n_ind} indicators, "
                f"{len(rubric.vetoes)} vetoes, {len(rubric.tiers)} tiers",
            )
        )
        return 0
    options = record_options(args, rubric)
    data = civscore.read_data(args.data, rubric, sheet=args.sheet)
    report = civscore.validate(data, rubric, previous=previous_of(args, rubric), **options)
    if report.ok:
        print_notes(report)
        print(
            say(
                f"{args.data}：没有问题 — {report.n_units} 个单位符合 {rubric.name} {rubric.version}",
                f"{args.data}: OK — {report.n_units} units satisfy {rubric.name} {rubric.version}",
            )
        )
        return 0
    print_report(report, args)
    return 1


def _validate_records(args: argparse.Namespace, rubric: civscore.Rubric, options: dict) -> int:
    """`validate RUBRIC --records ...` without DATA: the records alone (any unit id is known)."""
    try:
        table = civscore.measure(rubric, **options)
    except civscore.ValidationError as exc:
        print_report(exc.report, args)
        return 1
    print(
        say(
            f"记录表没有问题：{len(table)} 个单位，{len(rubric.measures)} 个度量",
            f"records OK: {len(table)} units, {len(rubric.measures)} measures",
        )
    )
    return 0
