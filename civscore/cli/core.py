"""`civscore validate`, `civscore score` and `civscore schema`."""

from __future__ import annotations

import argparse

from civscore.cli.common import (
    add_data_args,
    add_previous_arg,
    add_problems_arg,
    output_format,
    previous_of,
    print_notes,
    print_report,
    score_inputs,
)
from civscore.readers.data import read_data
from civscore.rubric import load_rubric
from civscore.rubric.load import rubric_json_schema_text
from civscore.validation.check import check
from civscore.writers.output import write_result


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a rubric, and data against it",
        description="Check RUBRIC and, if given, DATA against it. Exit 0 when valid, 1 when not.",
    )
    add_data_args(p, data_required=False)
    add_previous_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run_validate)

    p = sub.add_parser(
        "score",
        help="validate, score and rank",
        description="Validate DATA against RUBRIC, score and rank every unit, write OUT.",
    )
    add_data_args(p)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="result file; the extension picks the format: .csv, .xlsx or .parquet",
    )
    add_previous_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run_score, parser=p)

    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of the rubric format",
        description="Print a JSON Schema of the rubric format for editors (e.g. the YAML "
        "language server: `# yaml-language-server: $schema=civscore-rubric.json`).",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE instead of printing it")
    p.set_defaults(run=run_schema)


def run_validate(args: argparse.Namespace) -> int:
    rubric = load_rubric(args.rubric)
    n_ind = sum(1 for _ in rubric.iter_indicators())
    if not args.data:
        print(
            f"{args.rubric}: OK — {rubric.name} {rubric.version}: {n_ind} indicators, "
            f"{len(rubric.vetoes)} vetoes, {len(rubric.tiers)} tiers"
        )
        return 0
    report = check(read_data(args.data, rubric, sheet=args.sheet), rubric, previous=previous_of(args, rubric)).report
    if report.ok:
        print_notes(report)
        print(f"{args.data}: OK — {report.n_units} units satisfy {rubric.name} {rubric.version}")
        return 0
    print_report(report, args)
    return 1


def run_score(args: argparse.Namespace) -> int:
    output_format(args.parser, args.output)
    result = score_inputs(args)
    if result is None:
        return 1
    rubric = result.rubric
    write_result(result, args.output)
    tiers = result.table["tier"].value_counts()
    shown = ", ".join(f"{t.name} {int(tiers.get(t.name, 0))}" for t in rubric.tiers)
    print(
        f"scored {len(result.table)} units with {rubric.name} {rubric.version} → {args.output}"
        + (f" ({shown})" if shown else "")
    )
    return 0


def run_schema(args: argparse.Namespace) -> int:
    text = rubric_json_schema_text()
    if args.output:
        from civscore.writers.atomic import write_atomic

        write_atomic(args.output, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
        print(f"schema written to {args.output}")
    else:
        print(text)
    return 0
