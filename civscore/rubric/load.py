"""Load a rubric file safely and report every problem with its file, line and key path.

:mod:`civscore.rubric.yaml_tree` reads the file into a plain tree with the line of every key;
this module checks that tree against the model (:mod:`civscore.rubric.model`) and the rules
that need the whole file (:mod:`civscore.rubric.file_checks`), and words pydantic's errors as
the contract's messages (:mod:`civscore.rubric.pydantic_words`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from civscore.errors import RubricError, RubricProblem
from civscore.rubric.file_checks import column_conflicts, owner_paths, value_at, whole_file_problems, with_owner
from civscore.rubric.indicator_rules import indicator_rule_problems
from civscore.rubric.model import Rubric
from civscore.rubric.pydantic_words import dedupe, translate
from civscore.rubric.records import measure_rule_problems
from civscore.rubric.yaml_tree import Walker, YamlProblem, compose, decode, read_bytes
from civscore.words import say


def load_rubric(path: str | Path) -> Rubric:
    """Load and check a rubric file; raise :class:`civscore.RubricError` listing every problem."""
    path = Path(path)
    label = str(path)
    try:
        raw_bytes = read_bytes(path)
    except YamlProblem as exc:
        raise RubricError([RubricProblem(label, None, "", str(exc))]) from None
    return parse_rubric_bytes(raw_bytes, label)


def parse_rubric_text(text: str, label: str = "<rubric>") -> Rubric:
    """Check a rubric given as YAML text (``label`` names it in messages)."""
    return parse_rubric_bytes(text.encode("utf-8"), label)


def parse_rubric_bytes(data: bytes, label: str) -> Rubric:
    problems: list[RubricProblem] = []
    try:
        text = decode(data)
        node = compose(text)
    except YamlProblem as exc:
        raise RubricError([RubricProblem(label, exc.line, "", str(exc))]) from None
    walker = Walker(label)
    try:
        raw = walker.convert(node, (), 0)
    except YamlProblem as exc:
        raise RubricError([RubricProblem(label, exc.line, "", str(exc))]) from None
    problems.extend(walker.problems)
    if not isinstance(raw, dict):
        problems.append(
            RubricProblem(
                label,
                1,
                "",
                say(
                    "测评体系文件必须是由键组成的映射（id、name 等）",
                    "a rubric file must be a mapping of keys (id, name, ...)",
                ),
            )
        )
        raise RubricError(problems)
    lines = walker.lines
    owners = owner_paths(raw)
    problems.extend(whole_file_problems(raw, owners, label, lines))
    rubric: Rubric | None = None
    try:
        rubric = Rubric.model_validate(raw)
    except ValidationError as exc:
        # the model's method-rule errors repeat what the raw-tree rules (file_checks) said item by item;
        # skip them only where those rules did speak (they see raw values, which may not be numbers yet)
        indicator_paths = {
            o.path
            for o in owners
            if o.kind in ("indicator", "bonus") and indicator_rule_problems(value_at(raw, o.path))
        } | {o.path for o in owners if o.kind == "measure" and measure_rule_problems(value_at(raw, o.path))}
        # a value the YAML walker already refused (e.g. a disallowed tag) is not reported twice
        refused = {p.path for p in walker.problems}
        translated = translate(exc, label, lines, skip_value_errors_at=indicator_paths)
        problems.extend(p for p in translated if p.path not in refused)
    if rubric is not None:
        problems.extend(column_conflicts(rubric, owners, label, lines))
    if problems or rubric is None:
        named = [with_owner(p, owners) for p in dedupe(problems)]
        raise RubricError(sorted(named, key=lambda p: p.line or 0))
    rubric._path = label
    rubric._sha256 = hashlib.sha256(data).hexdigest()
    return rubric


def rubric_json_schema() -> dict[str, Any]:
    """A JSON Schema of the rubric format, for editors' autocompletion and checking."""
    schema = Rubric.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "civscore rubric"
    schema["description"] = say(
        "civscore 的创建测评体系；见 rubric-contract.md。",
        "A creation indicator system (测评体系) for civscore; see rubric-contract.md.",
    )
    return schema


def rubric_json_schema_text() -> str:
    """:func:`rubric_json_schema` as indented JSON text (Chinese kept as it is)."""
    return json.dumps(rubric_json_schema(), ensure_ascii=False, indent=2)


# --- reading --------------------------------------------------------------------------------
