"""`civscore schema [-o FILE]`: the JSON Schema of the rubric format, for editors."""

from __future__ import annotations

import argparse

import civscore

ORDER = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of the rubric format",
        description="Print a JSON Schema of the rubric format for editors (e.g. the YAML "
        "language server: `# yaml-language-server: $schema=civscore-rubric.json`).",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE instead of printing it")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = civscore.rubric_json_schema_text()
    if args.output:
        civscore.write_text(args.output, text + "\n")
        print(f"schema written to {args.output}")
    else:
        print(text)
    return 0
