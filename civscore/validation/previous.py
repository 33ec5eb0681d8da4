"""The previous period's unit table (``previous(name)``, contract section 9), matched to this period's units.

Units are matched by id, compared as in the unit table (trimmed text; ``1001`` typed as a number
equals ``"1001"``). A unit absent from the previous table, a missing cell and a 不适用 cell all
give a missing previous value. Cells that cannot be read, a missing id column or column, and
blank or repeated ids are problems of the previous table, reported with its own file and rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civscore.rubric.model import Rubric
from civscore.validation.cells import ColumnCache, kind_rule, parse_text, previous_kinds, yes_no_words
from civscore.words import say


@dataclass
class PreviousTable:
    """The previous period's columns aligned to this period's units, and the problems found."""

    frame: pd.DataFrame
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    found: np.ndarray | None = None  # per current unit: present in the previous table
    problems: list[dict] = field(default_factory=list)

    @property
    def source(self) -> str | None:
        return self.frame.attrs.get("source")

    @property
    def first_row(self) -> int | None:
        return self.frame.attrs.get("first_row")


def match_previous(previous: pd.DataFrame, rubric: Rubric, current_ids: pd.Series) -> PreviousTable:
    """Align every column that ``previous(name)`` reads to the units of ``current_ids``."""
    frame = previous.reset_index(drop=True)
    frame.attrs.update(previous.attrs)
    table = PreviousTable(frame)
    n = len(current_ids)
    kinds = previous_kinds(rubric)
    id_col = rubric.unit.id_column
    for col in [id_col, *kinds]:
        if col not in frame.columns:
            needed = (
                say("用于按单位编号对应上一期的值", "needed to match units by id")
                if col == id_col
                else say(f"previous({col}) 需要", f"needed by previous({col})")
            )
            table.problems.append(
                dict(
                    row=None,
                    column=col,
                    value=None,
                    rule=say(
                        f"上一期数据缺少此列（{needed}）",
                        f"column is missing from the previous period's table ({needed})",
                    ),
                )
            )
    cache = ColumnCache(frame, {c: k for c, k in kinds.items() if c in frame.columns})
    for col, kind in cache.kinds.items():
        parsed = cache[col]
        words = yes_no_words(frame[col]) if parsed.bad.any() else parsed.bad
        for i in np.flatnonzero(parsed.bad):
            rule = kind_rule(kind, yes_no=bool(words[i]))
            table.problems.append(dict(row=int(i), column=col, value=frame[col].iloc[i], rule=rule))
    if id_col in frame.columns:
        keys = parse_text(frame[id_col]).values
        blank = pd.isna(keys)
        repeated = pd.Series(keys).duplicated(keep=False).to_numpy() & ~blank
        for i in np.flatnonzero(blank):
            table.problems.append(
                dict(row=int(i), column=id_col, value=None, rule=say("单位编号不能为空", "unit id must not be empty"))
            )
        for i in np.flatnonzero(repeated):
            table.problems.append(
                dict(
                    row=int(i),
                    column=id_col,
                    value=keys[i],
                    rule=say("单位编号不能重复（上一期数据）", "unit id must be unique (previous period's table)"),
                )
            )
        first = ~blank & ~pd.Series(keys).duplicated(keep="first").to_numpy()
        rows = np.flatnonzero(first)  # a repeated id is a problem above; match its first row
        index = pd.Index(keys[first])
        at = index.get_indexer(parse_text(pd.Series(current_ids)).values)
        found = at >= 0
        positions = np.where(found, rows[np.where(found, at, 0)] if rows.size else 0, 0)
    else:
        found = np.zeros(n, bool)
        positions = np.zeros(n, int)
    table.found = found
    for col, kind in kinds.items():
        if col not in cache.kinds:
            text = kind == "text"
            table.columns[col] = np.full(n, None if text else np.nan, dtype=object if text else float)
            continue
        values = cache[col].values
        if values.size == 0:
            taken = np.full(n, None if kind == "text" else np.nan, dtype=values.dtype)
        else:
            taken = values[positions].copy()
        taken[~found] = None if kind == "text" else np.nan
        table.columns[col] = taken
    return table
