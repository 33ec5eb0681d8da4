"""`civscore score RUBRIC DATA -o OUT`: validate, score and rank, write the result."""

from __future__ import annotations

import argparse

from civscore.cli.common import (
    add_data_args,
    add_output_arg,
    add_previous_arg,
    add_problems_arg,
    output_format,
    score_inputs,
)

ORDER = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="validate, score and rank",
        description="Validate DATA against RUBRIC, score and rank every unit, write OUT.",
    )
    add_data_args(p)
    add_output_arg(p, "result file; the extension picks the format: .csv, .xlsx or .parquet")
    add_previous_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    output_format(args.parser, args.output)
    result = score_inputs(args)
    if result is None:
        return 1
    rubric = result.rubric
    result.write(args.output)
    tiers = result.table["tier"].value_counts()
    shown = ", ".join(f"{t.name} {int(tiers.get(t.name, 0))}" for t in rubric.tiers)
    print(
        f"scored {len(result.table)} units with {rubric.name} {rubric.version} → {args.output}"
        + (f" ({shown})" if shown else "")
    )
    return 0
