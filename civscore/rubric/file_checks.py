"""The rubric rules that need the whole file (rubric-contract section 10): unique and reserved ids,
dimension weights, points adding up, each indicator's and measure's rules on the raw tree (so they
are reported even when another key of the same item is malformed), columns read two ways; and the
owner (indicator, veto, dimension) every problem is named after."""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from dataclasses import dataclass
from typing import Any, TypeGuard

from civscore.errors import RubricProblem
from civscore.rubric.indicator_rules import indicator_rule_problems
from civscore.rubric.model import Rubric, is_close
from civscore.rubric.pydantic_words import split_key
from civscore.rubric.records import measure_rule_problems
from civscore.rubric.yaml_tree import Path_, format_path, line_of, problem_at
from civscore.words import fmt, say


def whole_file_problems(raw: dict, owners: list[Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    """Every problem of the raw tree that the model alone cannot see, in the order they are checked."""
    return [
        *_duplicate_ids(owners, label, lines),
        *_dimension_weights(raw, owners, label, lines),
        *_reserved_ids(raw, owners, label, lines),
        *_points_add_up(raw, label, lines),
        *_method_rules(raw, owners, label, lines),
        *_measure_problems(raw, owners, label, lines),
    ]


@dataclass
class Owner:
    id: Any
    path: Path_
    kind: str  # dimension | indicator | bonus | veto | measure


def owner_paths(raw: dict) -> list[Owner]:
    owners: list[Owner] = []

    def dims(items: Any, path: Path_) -> None:
        for i, d in enumerate(items if isinstance(items, list) else []):
            if not isinstance(d, dict):
                continue
            here = path + (i,)
            owners.append(Owner(d.get("id"), here, "dimension"))
            for j, ind in enumerate(d.get("indicators") or [] if isinstance(d.get("indicators"), list) else []):
                if isinstance(ind, dict):
                    owners.append(Owner(ind.get("id"), here + ("indicators", j), "indicator"))
            dims(d.get("dimensions"), here + ("dimensions",))

    dims(raw.get("dimensions"), ("dimensions",))
    bonus = raw.get("bonus")
    if isinstance(bonus, dict) and isinstance(bonus.get("indicators"), list):
        for j, ind in enumerate(bonus["indicators"]):
            if isinstance(ind, dict):
                owners.append(Owner(ind.get("id"), ("bonus", "indicators", j), "bonus"))
    if isinstance(raw.get("vetoes"), list):
        for j, veto in enumerate(raw["vetoes"]):
            if isinstance(veto, dict):
                owners.append(Owner(veto.get("id"), ("vetoes", j), "veto"))
    if isinstance(raw.get("measures"), list):
        for j, measure in enumerate(raw["measures"]):
            if isinstance(measure, dict):
                owners.append(Owner(measure.get("id"), ("measures", j), "measure"))
    return owners


def _duplicate_ids(owners: list[Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    seen: dict[str, Owner] = {}
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
            problems.append(problem_at(label, lines, owner.path + ("id",), message))
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


def _reserved_ids(raw: dict, owners: list[Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
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
        problems.append(problem_at(label, lines, path, message))
    return problems


def _number(x: Any) -> TypeGuard[int | float]:
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an integer too large for a float
        return False


def _dimension_weights(raw: dict, owners: list[Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    """Dimension weights (contract section 9): top level only, on every dimension or on none,
    adding up to total_points."""
    problems = []
    for owner in owners:
        if owner.kind == "dimension" and len(owner.path) > 2 and "weight" in value_at(raw, owner.path):
            at = owner.path + ("weight",)
            problems.append(
                problem_at(
                    label,
                    lines,
                    at,
                    say(
                        "weight 只能写在一级（顶层）维度上；下级维度按其指标分值计入",
                        "weight is allowed on top-level dimensions only; "
                        "a sub-dimension counts by its indicator points",
                    ),
                )
            )
    top = [(o, value_at(raw, o.path)) for o in owners if o.kind == "dimension" and len(o.path) == 2]
    weighted = [(o, d) for o, d in top if d.get("weight") is not None]
    if not weighted:
        return problems
    if len(weighted) < len(top):
        have = ", ".join(str(o.id) for o, _ in weighted)
        for owner, d in top:
            if d.get("weight") is None:
                problems.append(
                    problem_at(
                        label,
                        lines,
                        owner.path,
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
            problem_at(
                label,
                lines,
                ("total_points",),
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
    for owner in owner_paths(raw):
        if owner.kind != "indicator":
            continue
        ind = value_at(raw, owner.path)
        points.append(ind.get("points"))
    if not _number(total) or not points or not all(_number(p) for p in points):
        return []  # the model reports the malformed values themselves
    base = float(sum(points))
    if is_close(base, float(total)):
        return []
    return [
        problem_at(
            label,
            lines,
            ("total_points",),
            say(
                f"基础指标分值合计为 {base:g}，与 total_points {float(total):g} 不符（加分指标不计入）",
                f"base indicator points add up to {base:g}, not total_points {float(total):g} "
                f"(bonus indicators are not counted)",
            ),
        )
    ]


def value_at(raw: Any, path: Path_) -> Any:
    for part in path:
        raw = raw[part]
    return raw


def column_conflicts(rubric: Rubric, owners: list[Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    path_of = {o.id: o.path for o in owners if o.kind != "dimension"}
    uses = rubric.column_uses()
    problems = []
    for column, kinds in rubric.columns().items():
        if "text" in kinds and kinds & {"number", "boolean"}:
            text_users = sorted({owner for col, kind, owner in uses if col == column and kind == "text"})
            other = sorted({owner for col, kind, owner in uses if col == column and kind != "text"})
            at = path_of.get(other[0], ()) if other else ()
            problems.append(
                problem_at(
                    label,
                    lines,
                    at,
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


def _method_rules(raw: dict, owners: list[Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
    problems = []
    for owner in owners:
        if owner.kind not in ("indicator", "bonus"):
            continue
        for key, message in indicator_rule_problems(value_at(raw, owner.path)):
            path = owner.path + tuple(split_key(key))
            problems.append(problem_at(label, lines, path, message))
    return problems


def _measure_problems(raw: dict, owners: list[Owner], label: str, lines: dict[Path_, int]) -> list[RubricProblem]:
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
        measure = value_at(raw, owner.path)

        def problem(key: str, message: str, owner: Owner = owner) -> None:
            path = owner.path + (key,) if key else owner.path
            problems.append(problem_at(label, lines, path, message))

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


def with_owner(problem: RubricProblem, owners: list[Owner]) -> RubricProblem:
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
