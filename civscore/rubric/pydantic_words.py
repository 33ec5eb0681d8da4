"""pydantic's validation errors worded as the contract's messages (Chinese by default), each with
its file, line and key path."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from civscore.errors import RubricProblem
from civscore.rubric.model import Band, Bonus, Dimension, Indicator, Rubric, Tier, Unit, Veto
from civscore.rubric.records import ColumnCheck, Measure, RecordTable
from civscore.rubric.yaml_tree import Path_, problem_at
from civscore.words import say


def split_key(key: str) -> list[str | int]:
    """'bands[1].points' -> ['bands', 1, 'points']."""
    parts: list[str | int] = []
    for piece in filter(None, key.replace("]", "").replace("[", ".").split(".")):
        parts.append(int(piece) if piece.isdigit() else piece)
    return parts


def translate(
    exc: ValidationError, label: str, lines: dict[Path_, int], skip_value_errors_at: set[Path_]
) -> list[RubricProblem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part in _UNION_TAGS))
        kind = err["type"]
        if "[key]" in loc:  # a mapping key itself is wrong (a record table's name)
            loc = tuple(part for part in loc if part != "[key]")
            if kind == "string_pattern_mismatch":
                text = say(
                    f"记录表名 {_shown(err.get('input'))} 只能用字母、数字和 '_'",
                    f"record table name {_shown(err.get('input'))} may only use letters, digits and '_'",
                )
                problems.append(problem_at(label, lines, loc, text))
                continue
        if kind == "value_error" and loc in skip_value_errors_at:
            continue  # the method rules, already reported item by item by file_checks
        msg = err["msg"]
        value = err.get("input")
        where = loc
        if kind == "missing":
            where = loc[:-1]
            text = say(f"缺少必需的键 `{loc[-1]}`", f"required key `{loc[-1]}` is missing")
        elif kind == "extra_forbidden":
            key = loc[-1]
            allowed = _allowed_keys(loc[:-1])
            close = difflib.get_close_matches(str(key), allowed, n=1)
            if close:
                hint = say(f"（是不是 `{close[0]}`？）", f" (did you mean `{close[0]}`?)")
            else:
                hint = (
                    say(f"（可用的键：{'、'.join(allowed)}）", f" (allowed: {', '.join(allowed)})") if allowed else ""
                )
            text = say(f"未知的键 `{key}`{hint}", f"unknown key `{key}`{hint}")
        elif kind == "value_error":
            text = msg.removeprefix("Value error, ")
        elif kind == "string_pattern_mismatch":
            text = say(
                f"{_shown(value)} 只能包含字母、数字、'-' 和 '_'",
                f"{_shown(value)} may only use letters, digits, '-' and '_'",
            )
        elif kind == "literal_error":
            expected = msg.removeprefix("Input should be ")
            listed = expected.replace("', '", "'、'").replace("' or '", "' 或 '")
            text = say(
                f"必须是 {listed}，不能是 {_shown(value)}",
                f"must be {expected}, not {_shown(value)}",
            )
        elif kind in ("float_parsing", "int_parsing", "float_type", "int_type"):
            text = say(f"必须是数字，不能是 {_shown(value)}", f"must be a number, not {_shown(value)}")
        else:
            text = say(
                _PYDANTIC_ZH.get(kind, msg).format(**_plain_numbers(err.get("ctx", {})))
                + (f"，不能是 {_shown(value)}" if value is not None else ""),
                msg.replace("Input should be", "must be") + (f", not {_shown(value)}" if value is not None else ""),
            )
        problems.append(problem_at(label, lines, where, text))
    return problems


def _shown(value: Any, limit: int = 80) -> str:
    """A value quoted for a message, shortened so that a pasted paragraph stays readable."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# pydantic's other messages in Chinese (by error type; {…} from the error's context)
_PYDANTIC_ZH = {
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "必须大于或等于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "必须小于或等于 {le}",
    "finite_number": "必须是有限的数字",
    "string_type": "必须是文本",
    "list_type": "必须是列表",
    "dict_type": "必须是映射（键: 值）",
    "model_type": "必须是映射（键: 值）",
    "model_attributes_type": "必须是映射（键: 值）",
    "too_short": "至少需要 {min_length} 项",
    "string_too_short": "至少需要 {min_length} 个字符",
    "bool_type": "必须是 true 或 false",
    "bool_parsing": "必须是 true 或 false",
}


def _plain_numbers(ctx: dict[str, Any]) -> dict[str, Any]:
    """pydantic's limits as typed (0, not 0.0)."""
    return {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}


_UNION_TAGS = {"literal['fail']", "CapEffect", "DeductEffect", "function-wrap[_effect_words()]"}


def _allowed_keys(loc: Path_) -> list[str]:
    if loc[:1] == ("records",):  # records: {NAME: {unit_column, key, columns: {COLUMN: {values, min, max}}}}
        return sorted(RecordTable.model_fields if len(loc) == 2 else ColumnCheck.model_fields)
    if loc[:1] == ("measures",):
        return sorted(f.alias or name for name, f in Measure.model_fields.items())
    last_key = next((p for p in reversed(loc) if isinstance(p, str)), None)
    by_parent: dict[str | None, type[BaseModel]] = {
        None: Rubric,
        "dimensions": Dimension,
        "indicators": Indicator,
        "bands": Band,
        "vetoes": Veto,
        "tiers": Tier,
        "bonus": Bonus,
        "unit": Unit,
    }
    cls = by_parent.get(last_key)
    return sorted(cls.model_fields) if cls else []


def dedupe(problems: list[RubricProblem]) -> list[RubricProblem]:
    seen = set()
    out = []
    for p in problems:
        key = (p.line, p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
