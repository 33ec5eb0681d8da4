"""`civscore extract`: work reports (工作总结) -> a candidate data sheet to review, then score."""

from __future__ import annotations

import argparse

import civscore
from civscore.cli.common import add_output_arg, output_format

ORDER = 8


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
    add_output_arg(p, "candidate sheet; the extension picks the format: .csv, .xlsx or .parquet")
    p.add_argument(
        "--evidence-only",
        action="store_true",
        help="only the evidence columns (default: also every other rubric column, empty, to fill in)",
    )
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    output_format(args.parser, args.output)
    rubric = civscore.load_rubric(args.rubric)
    sheet = civscore.candidate_sheet(args.reports, rubric, template=not args.evidence_only)
    civscore.write_table(sheet, args.output, sheet="candidates")
    counts = civscore.candidate_counts(sheet, rubric)
    print(
        f"read {len(sheet)} reports against {counts.columns} evidence indicators of {rubric.name} "
        f"{rubric.version}: {counts.filled} values found, {counts.conflicts} conflicts "
        f"and {counts.multiple} multiple matches to check → {args.output}"
    )
    return 0
