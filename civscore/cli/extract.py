"""`civscore extract`: work reports (工作总结) -> a candidate data sheet to review, then score."""

from __future__ import annotations

import argparse

import civscore
from civscore.cli.common import add_output_arg, output_format
from civscore.words import say

ORDER = 8


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help=say(
            "从工作总结中读出量化事实，生成待核对的数据表",
            "read quantified facts from work reports into a candidate data sheet",
        ),
        description=say(
            "读取 REPORTS（纯文本工作总结，UTF-8 或 GBK；单位编号取自“社区代码：SQ003”这样的开头行，"
            "否则取文件名）中的量化表述，写出 OUT：每份总结一行；对每个带 `evidence:` 关键词的指标，"
            "写出找到的数值、出处句子（<列>_来源）和标记（<列>_核对：多个匹配 / 冲突）。"
            "冲突的数值留空。核对并补全后，再用 `civscore score` 打分。",
            "Read the quantified claims in REPORTS (plain-text 工作总结, UTF-8 or GBK; the unit id "
            "comes from a header line such as '社区代码：SQ003', else the file name) and write OUT: "
            "one row per report; for each rubric indicator with `evidence:` keywords the value found, "
            "the sentence it came from (<column>_来源) and a flag (<column>_核对: 多个匹配 / 冲突). "
            "Conflicts are left empty. Review and complete the sheet, then `civscore score` it.",
        ),
    )
    p.add_argument(
        "--rubric",
        required=True,
        metavar="RUBRIC",
        help=say("指标带有 `evidence:` 的测评体系 YAML", "rubric YAML whose indicators carry `evidence:`"),
    )
    p.add_argument("reports", nargs="+", metavar="REPORTS", help=say("工作总结文件（.txt）", "report files (.txt)"))
    add_output_arg(
        p,
        say(
            "候选数据表；扩展名决定格式：.csv、.xlsx 或 .parquet",
            "candidate sheet; the extension picks the format: .csv, .xlsx or .parquet",
        ),
    )
    p.add_argument(
        "--evidence-only",
        action="store_true",
        help=say(
            "只输出有材料依据的列（默认：评分细则的其他列也列出，留空待填）",
            "only the evidence columns (default: also every other rubric column, empty, to fill in)",
        ),
    )
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    output_format(args.parser, args.output)
    rubric = civscore.load_rubric(args.rubric)
    sheet = civscore.candidate_sheet(args.reports, rubric, template=not args.evidence_only)
    civscore.write_candidates(sheet, args.output)
    counts = civscore.candidate_counts(sheet, rubric)
    print(
        say(
            f"已按 {rubric.name} {rubric.version} 的 {counts.columns} 个证据指标读取 {len(sheet)} 份总结："
            f"找到 {counts.filled} 个数值，{counts.conflicts} 处冲突、{counts.multiple} 处多个匹配待核对"
            f" → {args.output}",
            f"read {len(sheet)} reports against {counts.columns} evidence indicators of {rubric.name} "
            f"{rubric.version}: {counts.filled} values found, {counts.conflicts} conflicts "
            f"and {counts.multiple} multiple matches to check → {args.output}",
        )
    )
    return 0
