"""What the sub-commands share: their common arguments, loading inputs and printing problem reports.

Like every module of this package it calls only the public API (``civscore.*``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

import civscore
from civscore.words import say

MAX_PRINTED_PROBLEMS = 200


def add_data_args(parser: argparse.ArgumentParser, data_required: bool = True) -> None:
    parser.add_argument("rubric", metavar="RUBRIC", help=say("测评体系文件（.yaml）", "rubric file (.yaml)"))
    parser.add_argument(
        "data",
        metavar="DATA",
        nargs=None if data_required else "?",
        help=say(
            "数据文件：.csv（UTF-8 / GBK）、.xlsx 或 .parquet", "data file: .csv (UTF-8 / GBK), .xlsx or .parquet"
        ),
    )
    parser.add_argument(
        "--sheet",
        metavar="NAME",
        help=say(
            ".xlsx 数据文件中要读取的工作表（默认：第一张可见工作表）；'*'：表头相同的各张可见工作表"
            "上下合并读取（如每个街道一张表）",
            "one sheet of an .xlsx data file (default: the first visible sheet); '*': every visible sheet with "
            "the same header row, stacked (one sheet per 街道)",
        ),
    )
    add_records_args(parser)


def add_records_args(parser: argparse.ArgumentParser, records_help: str | None = None) -> None:
    """``--records NAME=FILE`` (once per record table the rubric declares) and the engine choice;
    ``records_help`` replaces the help of --records (compare takes it per side)."""
    parser.add_argument(
        "--records",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help=records_help
        or say(
            "评分标准声明的记录表（问卷答案、检查点位等）：.csv、.xlsx、.parquet，或 .parquet 文件的文件夹或通配符；"
            "每个记录表给一次",
            "a record table of the rubric (survey answers, inspection points...): .csv, .xlsx, .parquet, "
            "or a folder or glob of .parquet files; once per table the rubric declares",
        ),
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help=say(
            "汇总记录表的引擎：duckdb（进程内，默认）或 spark（需安装 civscore[spark]）",
            "where records are aggregated: duckdb (in-process, default) or spark (needs civscore[spark])",
        ),
    )
    parser.add_argument(
        "--spark-master",
        metavar="URL",
        help=say(
            "--engine spark 的 Spark master（默认 local[*]，或环境变量 SPARK_REMOTE）",
            "Spark master for --engine spark (default local[*], or SPARK_REMOTE)",
        ),
    )


def given_records(args: argparse.Namespace, times: int = 1) -> dict[str, list[str]]:
    """The files of ``--records NAME=FILE`` by NAME, in the order given; a malformed item, or a
    NAME given more than ``times`` times, exits 2 before any work."""
    parser = args.parser
    given: dict[str, list[str]] = {}
    for item in getattr(args, "records", None) or []:
        name, sep, path = item.partition("=")
        name = name.strip()
        if not sep or not name or not path:
            parser.error(
                say(f"--records 须写成 NAME=FILE，不能是 {item!r}", f"--records needs NAME=FILE, not {item!r}")
            )
        given.setdefault(name, []).append(path)
        if len(given[name]) > times:
            parser.error(
                say(f"--records {name}=... 给了两次", f"--records {name}=... is given twice")
                if times == 1
                else say(
                    f"--records {name}=... 最多给 {times} 次", f"--records {name}=... is given more than {times} times"
                )
            )
    return given


def engine_options(args: argparse.Namespace) -> dict:
    """``engine`` and ``spark_master`` for the API; --spark-master without --engine spark exits 2."""
    engine = getattr(args, "engine", "duckdb")
    master = getattr(args, "spark_master", None)
    if engine != "spark" and master:
        args.parser.error(
            say("--spark-master 只能与 --engine spark 一起使用", "--spark-master applies only with --engine spark")
        )
    return {"engine": engine, "spark_master": master}


def record_options(args: argparse.Namespace, rubric: civscore.Rubric) -> dict:
    """``records``, ``engine`` and ``spark_master`` for the API, from --records NAME=FILE; wrong
    usage (a malformed, repeated, undeclared or missing NAME) exits 2 before any work."""
    records = {name: paths[0] for name, paths in given_records(args).items()}
    options = engine_options(args)
    try:
        civscore.check_record_names(rubric, records)
    except civscore.RecordsUsage as exc:
        args.parser.error(str(exc))
    return {"records": records, **options} if rubric.records else {}


def add_output_arg(parser: argparse.ArgumentParser, help: str) -> None:
    """The required ``-o OUT`` of a command that writes a file."""
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help=help)


def add_previous_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--previous",
        metavar="FILE",
        help=say(
            "上一期的单位数据表（.csv、.xlsx 或 .parquet），供评分细则中的 previous(列名) 读取",
            "the previous period's unit table (.csv, .xlsx or .parquet), read by previous(name) in the rubric",
        ),
    )


def previous_of(args: argparse.Namespace, rubric: civscore.Rubric) -> pd.DataFrame | None:
    """The table given with ``--previous``, read like the data (None when not given)."""
    path = getattr(args, "previous", None)
    return civscore.read_data(path, rubric) if path else None


def add_issuer_arg(parser: argparse.ArgumentParser) -> None:
    """``--issuer TEXT``: the 制表单位 printed on the hand-outs a command writes, over CIVSCORE_ISSUER
    (the command runs inside ``civscore.using_issuer``)."""
    parser.add_argument(
        "--issuer",
        metavar="TEXT",
        type=_issuer_text,
        help=say(
            "印在表格和文档上的制表单位（默认：环境变量 CIVSCORE_ISSUER，未设置时留空待填）",
            "the issuing body (制表单位) printed on the tables and documents (default: CIVSCORE_ISSUER, "
            "else a blank to fill in by hand)",
        ),
    )


MAX_ISSUER = 100


def _issuer_text(text: str) -> str:
    """One printable line: a 制表单位 is a name, and a control character would damage the workbook."""
    text = text.strip()
    if not text or len(text) > MAX_ISSUER or any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in text):
        raise argparse.ArgumentTypeError(
            say(
                f"制表单位须是一行不超过 {MAX_ISSUER} 个字符的文字，不能是 {text!r}",
                f"the issuing body must be one line of at most {MAX_ISSUER} characters, not {text!r}",
            )
        )
    return text


def add_problems_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--problems",
        metavar="FILE",
        type=_table_path,
        help=say(
            "同时把发现的每个问题写入 FILE（.csv、.xlsx 或 .parquet）",
            "also write every problem found to FILE (.csv, .xlsx or .parquet)",
        ),
    )


def _table_path(path: str) -> str:
    """An output path whose extension picks a table format; else a usage error (exit 2)."""
    try:
        civscore.check_output_path(path)
    except civscore.UnsupportedFormat as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


# Attributes of the parsed command line that name files read, and files written.
INPUT_ARGS = ("rubric", "data", "reports", "previous", "records", "notebook")
OUTPUT_ARGS = ("output", "problems")


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that is a folder, a pipe or device, or an input file."""
    inputs = [p for name in INPUT_ARGS for p in _paths(getattr(args, name, None))]
    # --records NAME=FILE: the file is the input
    inputs = [p.partition("=")[2] if p in (getattr(args, "records", None) or []) else p for p in inputs]
    outputs = [p for name in OUTPUT_ARGS for p in _paths(getattr(args, name, None))]
    if getattr(args, "command", None) == "report" and getattr(args, "output", None):
        folder = Path(args.output_dir) if getattr(args, "output_dir", None) else Path(args.output).parent
        outputs += [str(folder / "ranking.csv"), str(folder / "ranking.xlsx")]
    for out in outputs:
        civscore.check_output_target(out, inputs)


def _paths(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def output_format(parser: argparse.ArgumentParser, path: str, formats: tuple[str, ...] | None = None) -> str:
    """Check an output path's extension up front; wrong usage exits 2 before any work."""
    try:
        return civscore.check_output_path(path, formats) if formats else civscore.check_output_path(path)
    except civscore.UnsupportedFormat as exc:
        parser.error(str(exc))
        raise  # unreachable: parser.error exits


def load_inputs(args: argparse.Namespace) -> tuple[civscore.Rubric, pd.DataFrame]:
    """The rubric and the data of a command whose DATA argument is required."""
    rubric = civscore.load_rubric(args.rubric)
    return rubric, civscore.read_data(args.data, rubric, sheet=args.sheet)


def check_or_report(args: argparse.Namespace, rubric: civscore.Rubric, data: pd.DataFrame) -> civscore.Checked | None:
    """Validate for a command that writes ``args.output``: the checked data, or None after
    printing every problem and saying that nothing was written."""
    checked = civscore.check(data, rubric, previous=previous_of(args, rubric), **record_options(args, rubric))
    if checked.report.ok:
        print_notes(checked.report)
        return checked
    print_report(checked.report, args, stream=sys.stderr)
    print(not_written(args.output), file=sys.stderr)
    return None


def score_inputs(args: argparse.Namespace) -> civscore.Result | None:
    """Read, validate (once) and score ``args.rubric`` and ``args.data`` for a command that
    writes ``args.output``; None after reporting every problem."""
    rubric, data = load_inputs(args)
    checked = check_or_report(args, rubric, data)
    return None if checked is None else civscore.score(data, rubric, checked=checked)


def score_or_report(
    rubric: str | civscore.Rubric,
    data_path: str,
    sheet: str | None,
    args: argparse.Namespace,
    previous: str | None = None,
    records: dict | None = None,
) -> civscore.Result | None:
    """Load, validate (once) and score; print the report and return None when the data is invalid.
    ``previous`` overrides ``--previous`` and ``records`` the options of --records (compare gives
    each side its own)."""
    if not isinstance(rubric, civscore.Rubric):
        rubric = civscore.load_rubric(rubric)
    data = civscore.read_data(data_path, rubric, sheet=sheet)
    before = civscore.read_data(previous, rubric) if previous else previous_of(args, rubric)
    options = record_options(args, rubric) if records is None else records
    checked = civscore.check(data, rubric, previous=before, **options)
    if not checked.report.ok:
        print_report(checked.report, args, stream=sys.stderr)
        return None
    print_notes(checked.report)
    return civscore.score(data, rubric, checked=checked)


def print_report(report: civscore.ValidationReport, args: argparse.Namespace, stream=None) -> None:
    """Print every problem (a summary by column and rule when there are very many)."""
    stream = stream or sys.stdout
    lines = report.lines()
    source, n, units = report.source or say("数据", "data"), len(lines), report.n_units
    print(
        say(f"{source}：{units} 个单位中发现 {n} 个问题", f"{source}: {n} problem(s) found in {units} units"),
        file=stream,
    )
    for line in lines[:MAX_PRINTED_PROBLEMS]:
        print(line, file=stream)
    if len(lines) > MAX_PRINTED_PROBLEMS:
        more = len(lines) - MAX_PRINTED_PROBLEMS
        print(
            say(
                f"……另有 {more} 个。按列和规则汇总的全部问题：",
                f"... and {more} more. All problems by column and rule:",
            ),
            file=stream,
        )
        print("\n".join(report.summary().splitlines()[1:]), file=stream)
        if not getattr(args, "problems", None):
            print(
                say(
                    "用 --problems FILE 可把全部问题写入文件。", "Use --problems FILE to write every problem to a file."
                ),
                file=stream,
            )
    print_notes(report, stream)
    if getattr(args, "problems", None):
        civscore.write_problems(report.problems, args.problems)
        print(say(f"全部问题已写入 {args.problems}", f"every problem written to {args.problems}"), file=stream)


def print_notes(report: civscore.ValidationReport, stream=None) -> None:
    """Say how the data was read where civscore had to interpret it (stderr unless told)."""
    for line in report.note_lines():
        print(line, file=stream or sys.stderr)


def not_written(path: str) -> str:
    """The last line after problems: the output a command was asked for was not written."""
    return say(f"未写出 {path}。", f"{path} was not written.")
