"""`civscore explain`, `civscore gaps` and `civscore compare`."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from civscore.analysis.explain import explain
from civscore.analysis.gaps import gaps
from civscore.cli.common import (
    add_data_args,
    add_previous_arg,
    add_problems_arg,
    output_format,
    previous_of,
    print_notes,
    print_report,
)
from civscore.readers.data import read_data
from civscore.rubric import load_rubric
from civscore.scoring.engine import score_checked
from civscore.scoring.scored import Scored
from civscore.tables.gaps import write_gaps
from civscore.validation.check import check
from civscore.words import fmt_points, say
from civscore.writers.output import RESULT_FORMATS, write_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="why one unit scored what it did",
        description="Print UNIT's breakdown: each indicator's value, the rule that applied and the "
        "points earned, lost and available, then the adjustments and vetoes; the "
        "contributions add up to the total. Optionally write it to OUT.",
    )
    add_data_args(p)
    p.add_argument("unit", metavar="UNIT", help="unit id (or a unique unit name)")
    p.add_argument("-o", "--output", metavar="OUT", help="also write the breakdown to OUT (.csv, .xlsx or .parquet)")
    add_previous_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run_explain, parser=p)

    p = sub.add_parser(
        "gaps",
        help="rectification list (整改清单): what each unit must fix, and the gain",
        description="Score DATA with RUBRIC and write, for every unit, the items where it lost "
        "points (vetoes first, then largest loss first) with the concrete next step and "
        "its gain. An .xlsx OUT has one print-ready sheet per group (e.g. per 街道).",
    )
    add_data_args(p)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="output file: .xlsx (one sheet per group), .docx (one page per unit), .csv or .parquet (one table)",
    )
    p.add_argument(
        "--by", metavar="COLUMN", help="column whose values get a sheet each (default: the rubric's first group column)"
    )
    p.add_argument("--unit", metavar="ID", help="only this unit")
    add_previous_arg(p)
    add_problems_arg(p)
    p.set_defaults(run=run_gaps, parser=p)

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
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="output file: .csv or .parquet (the unit table), .xlsx (adds indicator and dimension sheets)",
    )
    p.add_argument("--labels", nargs=2, metavar=("BEFORE", "AFTER"), help="names of the two sides, e.g. 2024 2025")
    p.add_argument("--top", type=int, default=3, metavar="N", help="indicators listed per unit as drivers (default 3)")
    p.add_argument(
        "--sheet",
        metavar="NAME",
        help="one sheet of .xlsx data files (default: every visible sheet with the same header row, stacked)",
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
    p.set_defaults(run=run_compare, parser=p)


def _score(
    rubric_path: str, data_path: str, sheet: str | None, args: argparse.Namespace, previous: str | None = None
) -> Scored | None:
    """Load, validate and score; print the report and return None when the data is invalid.
    ``previous`` overrides ``--previous`` (compare gives each side its own)."""
    rubric = load_rubric(rubric_path)
    data = read_data(data_path, rubric, sheet=sheet)
    before = read_data(previous, rubric) if previous else previous_of(args, rubric)
    checked = check(data, rubric, previous=before)
    if not checked.report.ok:
        print_report(checked.report, args, stream=sys.stderr)
        return None
    print_notes(checked.report)
    return score_checked(data, rubric, checked)


def run_explain(args: argparse.Namespace) -> int:
    if args.output:
        output_format(args.parser, args.output)
    result = _score(args.rubric, args.data, args.sheet, args)
    if result is None:
        print(f"{args.output} was not written." if args.output else "nothing explained.", file=sys.stderr)
        return 1
    table = explain(result, args.unit)
    uid = table.attrs["unit"]
    row = result.table[result.table[result.id_column] == uid].iloc[0]
    name = f" {row[result.rubric.unit.name_column]}" if result.rubric.unit.name_column else ""
    print(f"{uid}{name}: total {fmt_points(row['total'])}, rank {row['rank']}, tier {row['tier'] or '—'}")
    shown = table[["kind", "item", "value", "rule", "earned", "available", "lost", "contribution", "note"]]
    with pd.option_context(
        "display.max_rows", None, "display.max_columns", None, "display.width", 200, "display.max_colwidth", 60
    ):
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.2f}", na_rep=""))
    print(f"sum of contributions: {fmt_points(table['contribution'].sum())}")
    if args.output:
        write_table(table, args.output, sheet="explain")
        print(f"breakdown written to {args.output}")
    return 0


def run_gaps(args: argparse.Namespace) -> int:
    suffix = output_format(args.parser, args.output, (*RESULT_FORMATS, ".docx"))
    if args.by is not None:
        unit = load_rubric(args.rubric).unit
        choices = [c for c in (unit.id_column, unit.name_column, *unit.group_columns) if c]
        if args.by not in choices:  # wrong usage: say so (exit 2) before any scoring
            args.parser.error(
                f"--by {args.by!r} is not a unit column of the rubric; choose one of: {', '.join(choices)}"
            )
    result = _score(args.rubric, args.data, args.sheet, args)
    if result is None:
        print(f"{args.output} was not written.", file=sys.stderr)
        return 1
    table = gaps(result, args.unit)
    n_units = table[result.id_column].nunique()
    n_veto = int(table["kind"].str.startswith("veto").sum())
    if suffix == ".xlsx":
        _, sheets = write_gaps(result, table, args.output, by=args.by)
        where = f"{len(sheets)} sheet(s): {', '.join(sheets)}, plus 说明"
    elif suffix == ".docx":
        from civscore.writers.docx import write_gaps_docx

        write_gaps_docx(result, table, args.output)
        where = "one section per unit"
    else:
        write_table(table, args.output, sheet="gaps")
        where = "one table"
    print(f"{len(table)} items for {n_units} units ({n_veto} veto item(s)) → {args.output} ({where})")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from civscore.analysis.compare import compare
    from civscore.tables.compare import write_comparison

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
        result = _score(rubric_path, data_path, args.sheet, args, previous=before)
        if result is None:
            print(f"{args.output} was not written.", file=sys.stderr)
            return 1
        results.append(result)
    comp = compare(results[0], results[1], labels=args.labels, top=args.top)
    write_comparison(comp, args.output)
    both = int((comp.units["status"] == "both").sum())
    extra = ""
    if comp.only_a or comp.only_b:
        extra = f"; only before: {len(comp.only_a)}, only after: {len(comp.only_b)}"
    print(f"compared {both} units ({comp.kind} changed){extra} → {args.output}")
    return 0
