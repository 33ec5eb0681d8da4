"""`civscore extract`: work reports (工作总结) -> a candidate data sheet to review, then score."""

from __future__ import annotations

import argparse

from civscore.cli.common import output_format
from civscore.evidence.sheet import CHECK_SUFFIX, CONFLICT, MULTIPLE, candidate_sheet, evidence_columns
from civscore.rubric import load_rubric
from civscore.writers.output import write_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="read quantified facts from work reports into a candidate data sheet",
        description="Read the quantified claims in REPORTS (plain-text 工作总结, UTF-8 or GBK; the unit id "
        "comes from a header line such as '社区代码：SQ003', else the file name) and write OUT: "
        "one row per report; for each rubric indicator with `evidence:` keywords the value found, "
        "the sentence it came from (<column>_来源) and a flag (<column>_核对: 多个匹配 / 冲突). "
        "Conflicts are left empty. Review and complete the sheet, then `civscore score` it.",
    )
    p.add_argument("--rubric", required=True, metavar="RUBRIC", help="rubric YAML whose indicators carry `evidence:`")
    p.add_argument("reports", nargs="+", metavar="REPORTS", help="report files (.txt)")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="candidate sheet; the extension picks the format: .csv, .xlsx or .parquet",
    )
    p.add_argument(
        "--evidence-only",
        action="store_true",
        help="only the evidence columns (default: also every other rubric column, empty, to fill in)",
    )
    p.set_defaults(run=run_extract, parser=p)


def run_extract(args: argparse.Namespace) -> int:
    output_format(args.parser, args.output)
    rubric = load_rubric(args.rubric)
    columns = evidence_columns(rubric)
    sheet = candidate_sheet(args.reports, rubric, template=not args.evidence_only)
    write_table(sheet, args.output, sheet="candidates")
    checks = sheet[[c.column + CHECK_SUFFIX for c in columns]]
    filled = int(sheet[[c.column for c in columns]].notna().sum().sum())
    print(
        f"read {len(sheet)} reports against {len(columns)} evidence indicators of {rubric.name} "
        f"{rubric.version}: {filled} values found, {int((checks == CONFLICT).sum().sum())} conflicts "
        f"and {int((checks == MULTIPLE).sum().sum())} multiple matches to check → {args.output}"
    )
    return 0
