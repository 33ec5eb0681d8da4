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
)

ORDER = 1  # the place in `civscore --help`


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a rubric, and data against it",
        description="Check RUBRIC and, if given, DATA against it. Exit 0 when valid, 1 when not.",
    )
    add_data_args(p, data_required=False)
    add_previous_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    rubric = civscore.load_rubric(args.rubric)
    n_ind = sum(1 for _ in rubric.iter_indicators())
    if not args.data:
        print(
            f"{args.rubric}: OK — {rubric.name} {rubric.version}: {n_ind} indicators, "
            f"{len(rubric.vetoes)} vetoes, {len(rubric.tiers)} tiers"
        )
        return 0
    data = civscore.read_data(args.data, rubric, sheet=args.sheet)
    report = civscore.validate(data, rubric, previous=previous_of(args, rubric))
    if report.ok:
        print_notes(report)
        print(f"{args.data}: OK — {report.n_units} units satisfy {rubric.name} {rubric.version}")
        return 0
    print_report(report, args)
    return 1
