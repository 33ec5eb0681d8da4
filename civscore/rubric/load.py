"""Load a rubric file safely and report every problem with its file, line and key path.

:mod:`civscore.rubric.yaml_tree` reads the file into a plain tree with the line of every key;
this module checks that tree against the model (:mod:`civscore.rubric.model`) and the rules
that need the whole file (unique and reserved ids, points adding up, weights, columns read two
ways), and words pydantic's errors as the contract's messages.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from pydantic import BaseModel, ValidationError

from civscore.errors import RubricError, RubricProblem
from civscore.rubric.indicator_rules import indicator_rule_problems
from civscore.rubric.model import (
    Band,
    Bonus,
    Dimension,
    Indicator,
    Rubric,
    Tier,
    Unit,
    Veto,
    is_close,
)
from civscore.rubric.records import ColumnCheck, Measure, RecordTable, measure_rule_problems
from civscore.rubric.yaml_tree import Path_, Walker, YamlProblem, compose, decode, format_path, line_of, read_bytes
from civscore.words import fmt, say


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
    owners = _owner_paths(raw)
    problems.extend(_duplicate_ids(owners, label, lines))
    problems.extend(_dimension_weights(raw, owners, label, lines))
    problems.extend(_reserved_ids(raw, owners, label, lines))
    problems.extend(_points_add_up(raw, label, lines))
    problems.extend(_method_rules(raw, owners, label, lines))
    problems.extend(_measure_problems(raw, owners, label, lines))
    rubric: Rubric | None = None
    try:
        rubric = Rubric.model_validate(raw)
    except ValidationError as exc:
        # the model's method-rule errors repeat what _method_rules said item by item; skip them
        # only where _method_rules did speak (it sees raw values, which may not be numbers yet)
        indicator_paths = {
            o.path for o in owners if o.kind in ("indicator", "bonus") and indicator_rule_problems(_get(raw, o.path))
        } | {o.path for o in owners if o.kind == "measure" and measure_rule_problems(_get(raw, o.path))}
        # a value the YAML walker already refused (e.g. a disallowed tag) is not reported twice
        refused = {p.path for p in walker.problems}
        translated = _translate(exc, label, lines, skip_value_errors_at=indicator_paths)
        problems.extend(p for p in translated if p.path not in refused)
    if rubric is not None:
        problems.extend(_column_conflicts(rubric, owners, label, lines))
    if problems or rubric is None:
        named = [_with_owner(p, owners) for p in _dedupe(problems)]
        raise RubricError(sorted(named, key=lambda p: p.line or 0))
    rubric._path = label
    rubric._sha256 = hashlib.sha256(data).hexdigest()
    return rubric


def _with_owner(problem: RubricProblem, owners: list[_Owner]) -> RubricProblem:
    """Name the indicator, veto or dimension a problem sits in (contract section 10):
    ``dimensions[0].indicators[2] (vio).bands``. The deepest owner whose path starts the
    problem's path is named; an owner without a usable id is skipped."""
    best: tuple[str, str] | None = None
    for owner in owners:
        if not isinstance(owner.id, str) or not owner.id:
            continue
        at = format_path(owner.path)
        rest = problem.path[len(at) :]
        if problem.path.startswith(at) and (not rest or rest[0] in ".[") and (best is None or len(at) > len(best[0])):
            best = (at, owner.id)
    if best is None:
        return problem
    return dataclasses.replace(problem, owner_path=best[0], owner=best[1])


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


@dataclass
class _Owner:
    id: Any
    path: Path_
    kind: str  # dimension | indicator | bonus | veto | measure


def _owner_paths(raw: dict) -> list[_Owner]:
    owners: list[_Owner] = []

    def dims(items: Any, path: Path_) -> None:
        for i, d in enumerate(items if isinstance(items, list) else []):
            if not isinstance(d, dict):
                continue
            here = path + (i,)
            owners.append(_Owner(d.get("id"), here, "dimension"))
            for j, ind in enumerate(d.get("indicators") or [] if isinstance(d.get("indicators"), list) else []):
                if isinstance(ind, dict):
                    owners.append(_Owner(ind.get("id"), here + ("indicators", j), "indicator"))
            dims(d.get("dimensions"), here + ("dimensions",))

    dims(raw.get("dimensions"), ("dimensions",))
    bonus = raw.get("bonus")
    if isinstance(bonus, dict) and isinstance(bonus.get("indicators"), list):
        for j, ind in enumerate(bonus["indicators"]):
            if isinstance(ind, dict):
                owners.append(_Owner(ind.get("id"), ("bonus", "indicators", j), "bonus"))
    if isinstance(raw.get("vetoes"), list):
        for j, veto in enumerate(raw["vetoes"]):
            if isinstance(veto, dict):
                owners.append(_Owner(veto.get("id"), ("vetoes", j), "veto"))
    if isinstance(raw.get("measures"), list):
        for j, measure in enumerate(raw["measures"]):
            if isinstance(measure, dict):
                owners.append(_Owner(measure.get("id"), ("measures", j), "measure"))
    return owners


def _duplicate_ids(owners: list[_Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    seen: dict[str, _Owner] = {}
    problems = []
    for owner in owners:
        if not isinstance(owner.id, str):
            continue
        key = _id_key(owner.id)
        if key in seen:
            first = seen[key]
            where = format_path(first.path)
            line = line_of(first.path + ("id",), lines)
            if first.id == owner.id:
                message = say(
                    f"id `{owner.id}` 已在 {where}（第 {line} 行）使用；文件中每个 id 必须唯一",
                    f"id `{owner.id}` is already used at {where} (line {line}); every id must be unique in the file",
                )
            else:
                message = say(
                    f"id `{owner.id}` 与 {where}（第 {line} 行）的 `{first.id}` 只差空格、全角/半角或不可见字符；"
                    "文件中每个 id 都必须唯一",
                    f"id `{owner.id}` is the same as `{first.id}` at {where} (line {line}) but for spaces, "
                    "full-width/half-width or invisible characters; every id must be unique in the file",
                )
            problems.append(
                RubricProblem(label, line_of(owner.path + ("id",), lines), format_path(owner.path + ("id",)), message)
            )
        else:
            seen[key] = owner
    return problems


def _id_key(text: str) -> str:
    """An id as people see it: NFKC, no zero-width or control characters, trimmed."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) not in ("Cf", "Cc")
    ).strip()


# The result table's own columns (contract section 5 and 6): a dimension id equal to one of them
# would overwrite it (a dimension `rank` replaced the ranking), so they are refused as its id.
RESERVED_IDS = ("rank", "total", "base", "bonus", "tier", "disqualified", "vetoes", "coverage")


def _reserved_ids(raw: dict, owners: list[_Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    given = raw.get("unit")
    unit: dict = given if isinstance(given, dict) else {}
    groups = unit.get("group_columns")
    unit_columns = {str(g): "group" for g in (groups if isinstance(groups, list) else [])}
    for key, what in (("name_column", "name"), ("id_column", "id")):
        if isinstance(unit.get(key), str):
            unit_columns[unit[key]] = what
    problems = []
    for owner in owners:
        if not isinstance(owner.id, str):
            continue
        key = _id_key(owner.id)
        # dimension ids become result columns; indicator ids head the points sheet beside the
        # id and name columns; veto ids only label vetoes
        if owner.kind == "dimension" and (key in RESERVED_IDS or key.startswith("rank_in_")):
            names = ", ".join(RESERVED_IDS) + ", rank_in_*"
            message = say(
                f"id `{owner.id}` 是结果表自带的列名（{names}），请换一个 id",
                f"id `{owner.id}` is the name of a result column ({names}); choose another id",
            )
        elif owner.kind != "veto" and key in {_id_key(c) for c in unit_columns}:
            column = next(c for c in unit_columns if _id_key(c) == key)
            what = unit_columns[column]
            message = say(
                f"id `{owner.id}` 与单位的{dict(id='代码', name='名称', group='分组')[what]}列 `{column}` 同名，"
                "结果表里二者会互相覆盖；请换一个 id",
                f"id `{owner.id}` is the name of the unit {what} column `{column}`; in the result table one "
                "would overwrite the other; choose another id",
            )
        else:
            continue
        path = owner.path + ("id",)
        problems.append(RubricProblem(label, line_of(path, lines), format_path(path), message))
    return problems


def _number(x: Any) -> TypeGuard[int | float]:
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an integer too large for a float
        return False


def _dimension_weights(raw: dict, owners: list[_Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    """Dimension weights (contract section 9): top level only, on every dimension or on none,
    adding up to total_points."""
    problems = []
    for owner in owners:
        if owner.kind == "dimension" and len(owner.path) > 2 and "weight" in _get(raw, owner.path):
            at = owner.path + ("weight",)
            problems.append(
                RubricProblem(
                    label,
                    line_of(at, lines),
                    format_path(at),
                    say(
                        "weight 只能写在一级（顶层）维度上；下级维度按其指标分值计入",
                        "weight is allowed on top-level dimensions only; "
                        "a sub-dimension counts by its indicator points",
                    ),
                )
            )
    top = [(o, _get(raw, o.path)) for o in owners if o.kind == "dimension" and len(o.path) == 2]
    weighted = [(o, d) for o, d in top if d.get("weight") is not None]
    if not weighted:
        return problems
    if len(weighted) < len(top):
        have = ", ".join(str(o.id) for o, _ in weighted)
        for owner, d in top:
            if d.get("weight") is None:
                problems.append(
                    RubricProblem(
                        label,
                        line_of(owner.path, lines),
                        format_path(owner.path),
                        say(
                            f"没有 weight，但 {have} 有；要么每个一级维度都写 weight，要么都不写",
                            f"has no weight, but {have} {'has one' if len(weighted) == 1 else 'have one'}; "
                            "give every top-level dimension a weight, or none",
                        ),
                    )
                )
        return problems
    weights = [d.get("weight") for _, d in weighted]
    total = raw.get("total_points")
    if not _number(total) or not all(_number(w) for w in weights):
        return problems  # the model reports the malformed values themselves
    added, T = float(sum(weights)), float(total)  # _number() checked both
    if not is_close(added, T):
        problems.append(
            RubricProblem(
                label,
                line_of(("total_points",), lines),
                "total_points",
                say(
                    f"一级维度的权重之和为 {fmt(added)}，不等于 total_points {fmt(T)}",
                    f"the top-level dimension weights add up to {fmt(added)}, not total_points {fmt(T)}",
                ),
            )
        )
    return problems


def _points_add_up(raw: dict, label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    dims = raw.get("dimensions")
    if isinstance(dims, list) and any(isinstance(d, dict) and d.get("weight") is not None for d in dims):
        return []  # weighted: the weights add up to total_points, the points inside need not
    total = raw.get("total_points")
    points = []
    for owner in _owner_paths(raw):
        if owner.kind != "indicator":
            continue
        ind = _get(raw, owner.path)
        points.append(ind.get("points"))
    if not _number(total) or not points or not all(_number(p) for p in points):
        return []  # the model reports the malformed values themselves
    base = float(sum(points))
    if is_close(base, float(total)):
        return []
    return [
        RubricProblem(
            label,
            line_of(("total_points",), lines),
            "total_points",
            say(
                f"基础指标分值合计为 {base:g}，与 total_points {float(total):g} 不符（加分指标不计入）",
                f"base indicator points add up to {base:g}, not total_points {float(total):g} "
                f"(bonus indicators are not counted)",
            ),
        )
    ]


def _get(raw: Any, path: Path_) -> Any:
    for part in path:
        raw = raw[part]
    return raw


def _column_conflicts(rubric: Rubric, owners: list[_Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    path_of = {o.id: o.path for o in owners if o.kind != "dimension"}
    uses = rubric.column_uses()
    problems = []
    for column, kinds in rubric.columns().items():
        if "text" in kinds and kinds & {"number", "boolean"}:
            text_users = sorted({owner for col, kind, owner in uses if col == column and kind == "text"})
            other = sorted({owner for col, kind, owner in uses if col == column and kind != "text"})
            at = path_of.get(other[0], ()) if other else ()
            problems.append(
                RubricProblem(
                    label,
                    line_of(at, lines),
                    format_path(at),
                    say(
                        f"列 `{column}` 被 {'、'.join(text_users)} 当作文本使用，"
                        f"又被 {'、'.join(other)} 当作数字或是/否使用；一列只能是其中一种",
                        f"column `{column}` is used as text by {', '.join(text_users)} "
                        f"and as a number or yes/no by {', '.join(other)}; a column can only be one",
                    ),
                )
            )
    return problems


# --- pydantic errors in plain words ---------------------------------------------------------


def _method_rules(raw: dict, owners: list[_Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    problems = []
    for owner in owners:
        if owner.kind not in ("indicator", "bonus"):
            continue
        for key, message in indicator_rule_problems(_get(raw, owner.path)):
            path = owner.path + tuple(_split_key(key))
            problems.append(RubricProblem(label, line_of(path, lines), format_path(path), message))
    return problems


def _measure_problems(raw: dict, owners: list[_Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    """Section 8's rules that need the whole file: declared tables, ids that clash with unit columns."""
    records = raw.get("records")
    tables = set(records) if isinstance(records, dict) else set()
    unit: dict = raw["unit"] if isinstance(raw.get("unit"), dict) else {}
    groups = unit.get("group_columns")
    unit_columns = {unit.get("id_column"), unit.get("name_column")} | set(groups if isinstance(groups, list) else [])
    derived: dict[str, str] = {}  # the measures table's `<id>_n` and `<id>_se` columns
    for owner in owners:
        if owner.kind == "measure" and isinstance(owner.id, str):
            derived[f"{owner.id}_n"] = derived[f"{owner.id}_se"] = owner.id
    problems = []
    for owner in owners:
        if owner.kind != "measure":
            continue
        measure = _get(raw, owner.path)

        def problem(key: str, message: str, owner: _Owner = owner) -> None:
            path = owner.path + (key,) if key else owner.path
            problems.append(RubricProblem(label, line_of(path, lines), format_path(path), message))

        for key, message in measure_rule_problems(measure):
            problem(key, message)
        table = measure.get("from")
        if isinstance(table, str) and table not in tables:
            declared = ", ".join(sorted(tables)) or say("（未声明任何记录表）", "(none declared)")
            problem(
                "from",
                say(
                    f"记录表 {table!r} 没有在 records: 中声明；已声明：{declared}",
                    f"record table {table!r} is not declared under records:; declared: {declared}",
                ),
            )
        if isinstance(owner.id, str) and owner.id in derived:
            problem(
                "id",
                say(
                    f"度量 id {owner.id!r} 与度量 {derived[owner.id]} 的样本量或标准误列同名",
                    f"measure id {owner.id!r} is the name of measure {derived[owner.id]}'s n or standard error column",
                ),
            )
        if isinstance(owner.id, str) and owner.id in unit_columns:
            problem(
                "id",
                say(
                    f"度量 id {owner.id!r} 与单位表的列同名（unit 中已用作 id、名称或分组列）",
                    f"measure id {owner.id!r} is also a unit-table column named under unit:",
                ),
            )
    return problems


def _split_key(key: str) -> list[str | int]:
    """'bands[1].points' -> ['bands', 1, 'points']."""
    parts: list[str | int] = []
    for piece in filter(None, key.replace("]", "").replace("[", ".").split(".")):
        parts.append(int(piece) if piece.isdigit() else piece)
    return parts


def _translate(
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
                problems.append(RubricProblem(label, line_of(loc, lines), format_path(loc), text))
                continue
        if kind == "value_error" and loc in skip_value_errors_at:
            continue  # the method rules, already reported item by item by _method_rules
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
        problems.append(RubricProblem(label, line_of(where, lines), format_path(where), text))
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


def _dedupe(problems: list[RubricProblem]) -> list[RubricProblem]:
    seen = set()
    out = []
    for p in problems:
        key = (p.line, p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
