"""`civscore schema [-o FILE]`: the JSON Schema of the rubric format, for editors."""

from __future__ import annotations

import argparse

import civscore
from civscore.words import say

ORDER = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schema",
        help=say("输出测评体系格式的 JSON Schema", "print the JSON Schema of the rubric format"),
        description=say(
            "输出测评体系格式的 JSON Schema，供编辑器使用（如 YAML 语言服务器："
            "`# yaml-language-server: $schema=civscore-rubric.json`）。",
            "Print a JSON Schema of the rubric format for editors (e.g. the YAML "
            "language server: `# yaml-language-server: $schema=civscore-rubric.json`).",
        ),
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=say("把 Schema 写入 FILE，而不是打印出来", "write the schema to FILE instead of printing it"),
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = civscore.rubric_json_schema_text()
    if args.output:
        civscore.write_text(args.output, text + "\n")
        print(say(f"Schema 已写入 {args.output}", f"schema written to {args.output}"))
    else:
        print(text)
    return 0
