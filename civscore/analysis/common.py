"""What the analyses share: finding a unit by id, and an indicator's value column as text."""

from __future__ import annotations

import difflib
from collections.abc import Hashable
from typing import TYPE_CHECKING, TypeAlias, cast

import numpy as np
import pandas as pd

from civscore.errors import CivscoreError
from civscore.methods import method_of
from civscore.methods.base import EPS, NONE  # the tolerance and "no value" analyses share
from civscore.rubric.model import Indicator
from civscore.scoring.scored import Scored
from civscore.words import say

if TYPE_CHECKING:
    from pandas._typing import Scalar

# A unit's id: a label of the id column, i.e. a scalar (what pandas' .loc takes)
UnitId: TypeAlias = "Scalar"


class UnknownUnitError(CivscoreError, KeyError):
    """A unit id that is not in the result; the message lists close matches."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def value_column(result: Scored, ind: Indicator) -> np.ndarray:
    """The indicator's values for display: float, text label, or True/False for boolean."""
    v = result.values[ind.id]
    reads = method_of(ind).reads
    if reads == "text":
        return v.astype(object).where(v.notna(), None).to_numpy(dtype=object)
    arr = v.to_numpy(dtype=float)
    if reads == "boolean":
        out = np.where(np.isnan(arr), NONE, arr != 0).astype(object)
        return out
    return arr.astype(object)


def resolve_unit(result: Scored, unit_id: Hashable) -> UnitId:
    """The id label of ``unit_id`` in ``result`` (an id, its text form, or a unique unit name).

    Raises :class:`UnknownUnitError` listing close matches among ids and names.
    """
    ids = result.points.index
    if unit_id in ids:
        return cast("UnitId", unit_id)  # one of the index's labels
    text = str(unit_id).strip()
    as_text = pd.Index([str(i) for i in ids])
    hits = np.flatnonzero(as_text == text)
    if hits.size == 1:
        return ids[hits[0]]
    name_col = result.rubric.unit.name_column
    names: list[str] = []
    if name_col:
        table = result.table.set_index(result.id_column)
        names = [str(n) for n in table[name_col].tolist()]
        by_name = table.index[table[name_col].astype(str).to_numpy() == text]
        if len(by_name) == 1:
            return by_name[0]
    choices = list(dict.fromkeys([*as_text, *names]))
    close = difflib.get_close_matches(text, choices, n=5, cutoff=0.5)
    raise UnknownUnitError(
        say(
            f"没有单位 {text!r}：这份 {len(ids)} 个单位的结果中没有这个{result.id_column}（或单位名称）"
            + (f"；相近的有：{'、'.join(close)}" if close else ""),
            f"unknown unit {text!r}: no {result.id_column} (or unit name) in this result of {len(ids)} units"
            + (f"; close matches: {', '.join(close)}" if close else ""),
        )
    )


__all__ = ["EPS", "NONE", "UnitId", "UnknownUnitError", "resolve_unit", "value_column"]
