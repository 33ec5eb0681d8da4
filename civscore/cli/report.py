"""`civscore report RUBRIC DATA -o report.html`: the report notebook rendered as a self-contained HTML page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import civscore
from civscore.cli.common import (
    add_data_args,
    add_issuer_arg,
    add_output_arg,
    add_previous_arg,
    add_problems_arg,
    check_or_report,
    output_format,
    record_options,
    score_inputs,
)
from civscore.words import say

ORDER = 7


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help=say(
            "生成 HTML 测评报告（排名、等级、图表）和排名文件",
            "write an HTML report (ranking, tiers, charts) and the ranking files",
        ),
        description=say(
            "按 RUBRIC 校验 DATA，然后用它们运行报告笔记本（notebooks/01_evaluate.ipynb），"
            "写出一个独立的 HTML 页面（隐藏代码，内嵌图表）。笔记本同时把 ranking.csv 和 ranking.xlsx"
            "（与 `civscore score` 相同的文件）写入 --output-dir（默认：HTML 文件所在文件夹）。"
            "测评体系声明了记录表时用 --records 给出，笔记本用 --engine 指定的引擎汇总，报告写明记录文件和引擎。"
            "评分细则用到上一期数据（previous(列名)）时，用 --previous 给出上一期的单位数据表，报告写明读取的文件。"
            "--issuer 给出 ranking.xlsx 和 Word 通报上的制表单位。"
            "OUT 为 .docx 时写出 Word 版通报。",
            "Validate DATA against RUBRIC, then run the report notebook (notebooks/01_evaluate.ipynb) "
            "with them and write a self-contained HTML page (code hidden, charts embedded). "
            "The notebook also writes ranking.csv and ranking.xlsx, the same files as `civscore score`, "
            "into --output-dir (default: the folder of the HTML file). A rubric's record tables are given with "
            "--records and aggregated in the notebook by the --engine given; the report names the files and the "
            "engine. A rubric that reads the previous period (previous(name)) needs --previous with that period's "
            "unit table; the report names the file it read. --issuer gives the issuing body (制表单位) printed on "
            "ranking.xlsx and the Word 通报. With a .docx OUT, the 通报 as Word.",
        ),
    )
    add_data_args(p)
    add_output_arg(
        p,
        say(
            "要写出的报告：.html（含图表的完整报告）或 .docx（Word 版通报）",
            "the report to write: .html (the full report with charts) or .docx (the 通报 as a Word document)",
        ),
    )
    p.add_argument(
        "--output-dir",
        metavar="DIR",
        help=say(
            "ranking.csv 和 ranking.xlsx 的输出文件夹（默认：HTML 文件所在文件夹）",
            "folder for ranking.csv and ranking.xlsx (default: the folder of HTML)",
        ),
    )
    add_previous_arg(p)
    add_issuer_arg(p)
    add_problems_arg(p)
    p.add_argument("--notebook", metavar="IPYNB", help=argparse.SUPPRESS)  # another template, for testing
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    word = output_format(args.parser, args.output, (".html", ".docx")) == ".docx"
    rubric = civscore.load_rubric(args.rubric)
    previous_given(args, rubric)
    if word:
        return run_word_report(args)
    if args.sheet:
        # papermill passes plain paths to the notebook; a sheet choice would be lost silently
        args.parser.error(
            say(
                "`report` 不支持 --sheet；请把该工作表另存为单独的 .xlsx 或 .csv",
                "--sheet is not supported by `report`; save the sheet as its own .xlsx or .csv",
            )
        )
    # Validate here first: a bad file gets the same plain report as `civscore validate` in a
    # second, instead of a failed notebook cell after the kernel has started. With --engine spark
    # the notebook's kernel aggregates the records on Spark again (its own session).
    data = civscore.read_data(args.data, rubric)
    options = record_options(args, rubric)
    if check_or_report(args, rubric, data) is None:
        return 1
    if rubric.uses_previous():
        options["previous"] = args.previous
    try:
        files = civscore.render_report(
            args.rubric, args.data, args.output, output_dir=args.output_dir, notebook=args.notebook, **options
        )
    except civscore.ReportError as exc:
        print(
            say(
                f"civscore report: {exc}。未写出 {args.output}。",
                f"civscore report: {exc}. {args.output} was not written.",
            ),
            file=sys.stderr,
        )
        return 1
    csv, xlsx = Path(files.ranking_csv), Path(files.ranking_xlsx)
    print(
        say(
            f"已按 {rubric.name} {rubric.version} 为 {len(data)} 个单位生成报告 → {files.html}"
            f"（另有 {csv} 和 {xlsx}；用时 {files.seconds:.1f} 秒）",
            f"report for {len(data)} units with {rubric.name} {rubric.version} → {files.html} "
            f"(also {csv} and {xlsx}; {files.seconds:.1f} s)",
        )
    )
    return 0


def run_word_report(args: argparse.Namespace) -> int:
    """The 通报 as Word: title, summary, tiers, vetoes, per-group 整改 highlights, the ranking."""
    result = score_inputs(args)
    if result is None:
        return 1
    civscore.write_report_docx(result, args.output)
    rubric = result.rubric
    n = len(result.table)
    print(
        say(
            f"{n} 个单位的通报（{rubric.name} {rubric.version}）→ {args.output}",
            f"通报 for {n} units with {rubric.name} {rubric.version} → {args.output}",
        )
    )
    return 0


def previous_given(args: argparse.Namespace, rubric: civscore.Rubric) -> None:
    """A rubric that reads ``previous(name)`` needs --previous: without it, exit 2 naming the
    rubric and where it reads the previous period, before any data is read or a kernel started.
    (Validation would find it too, but as a problem of the data file, after the reading.)"""
    if args.previous and not rubric.uses_previous():
        print(
            say(
                f"civscore report：测评体系 {args.rubric} 没有用到 previous(列名)，"
                f"--previous {args.previous} 不参与计分",
                f"civscore report: the rubric {args.rubric} has no previous(name); --previous {args.previous} "
                "takes no part in the scores",
            ),
            file=sys.stderr,
        )
    if args.previous or not rubric.uses_previous():
        return
    items = [(ind.id, ind.expression) for ind in rubric.iter_indicators()]
    items += [(ind.id, ind.gate) for ind in rubric.iter_indicators() if ind.gate is not None]
    items += [(veto.id, veto.expression) for veto in rubric.vetoes]
    uses = [(owner, expr.source) for owner, expr in items if expr.uses_previous]
    args.parser.error(
        say(
            f"测评体系 {args.rubric}（{rubric.name}，版本 {rubric.version}）用到了上一期的数据："
            + "；".join(f"{owner}（{source}）" for owner, source in uses)
            + f"。请用 --previous FILE 给出上一期的单位数据表（.csv、.xlsx 或 .parquet）。未写出 {args.output}。",
            f"the rubric {args.rubric} ({rubric.name}, version {rubric.version}) reads the previous period: "
            + "; ".join(f"{owner} ({source})" for owner, source in uses)
            + f". Give the previous period's unit table (.csv, .xlsx or .parquet) with --previous FILE. "
            f"{args.output} was not written.",
        )
    )
