"""The pass over the evaluated values that gives every indicator its points, a block of rows at a time.

Two ways through the same steps (issue 16):

- :meth:`PointsPass.sums` adds the points up (E, each dimension's sum, the bonus points and
  the cells that leave the unit's base) without keeping them: each block of a column is
  scored into a scratch buffer that stays in the core's cache. That is all the totals and the
  ranking need, and at 1M units it spares the ~900 MB of fresh units x indicators matrices
  whose pages the kernel hands over one fault at a time (1-3 s on the 2-core machines).
- :meth:`PointsPass.matrices` writes the points and the masks into the units x indicators
  matrices the result shows (``points``, ``missing``, ``not_applicable``, ``gated``), with the
  same sums; the engine makes them when something first reads them.

Both run the same operations on the same cells in the same order, so the points a result
shows are the ones its totals were added from, to the last bit (tests/test_points_pass.py).
Blocks are rows of their own: they run side by side in threads (:mod:`civscore.parallel`),
each writing its own rows of every array, so the bits do not depend on the threads either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from civscore.methods import points_for
from civscore.parallel import each
from civscore.rubric.model import Indicator, Rubric
from civscore.scoring.missing import column_mean, excluded_into, fill_column, fill_with_mean
from civscore.validation.check import Checked

# rows scored at a time: one block of a column (512 KB of points) stays in cache through its steps
BLOCK_ROWS = 65_536


@dataclass
class Sums:
    """What the totals need from the points, for ``n`` units."""

    sums: dict[str, np.ndarray]  # "" = E, the earned base points; then one per dimension id
    bonus: np.ndarray  # units x bonus indicators: the earned bonus points, column-major
    excluded: np.ndarray  # units x len(columns): True where the indicator is out of the unit's base
    columns: list[int]  # the base columns in which some unit's indicator is out of its base


@dataclass
class Matrices:
    """The units x indicators matrices a result shows, column-major, and the sums beside them."""

    points: np.ndarray
    missing: np.ndarray
    not_applicable: np.ndarray
    gated: np.ndarray
    sums: dict[str, np.ndarray]


class PointsPass:
    """Every indicator of ``rubric`` (base in file order, then bonus) on the values ``checked``
    holds: what each pass reads, worked out once."""

    def __init__(self, rubric: Rubric, checked: Checked, n: int, sum_dimensions: bool = True) -> None:
        base = rubric.base_indicators()
        self.indicators = [ind for _, ind in base] + rubric.bonus_indicators()
        self.policies = [rubric.missing_policy(ind) for ind in self.indicators]
        self.k = len(base)
        self.n = n
        self.inputs = [method_input(ind, checked) for ind in self.indicators]
        self.nas = [checked.not_applicable.get(ind.id) for ind in self.indicators]
        self.gates = [checked.gates.get(ind.id) for ind in self.indicators]
        self.any_na = any(na is not None and bool(na.any()) for na in self.nas)
        self.blocks = [slice(start, min(start + BLOCK_ROWS, n)) for start in range(0, n, BLOCK_ROWS)]
        # "" = E, the earned base points; then one per dimension (weighted rubrics sum per
        # dimension in aggregate() instead). Each sum starts as a copy of its first column
        # (0 + x is not always x: -0.0) and adds the others in order.
        dim_of = [path[0] for path, _ in base]
        self.adds_to = [("", dim_of[j]) if j < self.k and sum_dimensions else () for j in range(len(self.indicators))]
        self.first: dict[str, int] = {}
        for j, keys in enumerate(self.adds_to):
            for key in keys:
                self.first.setdefault(key, j)

    def raw(
        self,
        j: int,
        rows: slice,
        col: np.ndarray,
        missing: np.ndarray,
        gated: np.ndarray,
        not_applicable: np.ndarray | None = None,
    ) -> np.ndarray:
        """Indicator j's points on ``rows`` into ``col``: NaN where 不适用 or missing, 0 where its
        gate is closed. ``missing`` gets the missing cells; ``gated`` the closed gates (only
        written when the indicator has a gate); ``not_applicable``, when given, the 不适用 cells."""
        points_for(self.indicators[j], self.inputs[j][rows], out=col)
        np.isnan(col, out=missing)
        na, gate = self.nas[j], self.gates[j]
        na_rows = None
        if na is not None:
            # section 9's order: 不适用 leaves the indicator out; else a closed gate earns 0 (it
            # applies, whether or not the value is there); else the missing policy
            na_rows = na[rows]
            if not_applicable is not None:
                not_applicable[:] = na_rows
            missing &= ~na_rows
            col[na_rows] = np.nan
        if gate is not None:
            np.logical_not(gate[rows], out=gated)
            if na_rows is not None:
                gated &= ~na_rows
            col[gated] = 0.0
        return col

    def _add(self, j: int, rows: slice, col: np.ndarray, sums: dict[str, np.ndarray]) -> None:
        for key in self.adds_to[j]:
            if self.first[key] == j:
                sums[key][rows] = col
            else:
                sums[key][rows] += col

    def _new_sums(self) -> dict[str, np.ndarray]:
        return {key: np.empty(self.n) for key in self.first}

    def matrices(self) -> Matrices:
        """The points and masks as units x indicators matrices, and the sums."""
        shape = (self.n, len(self.indicators))
        points = np.empty(shape, order="F")
        missing = np.empty(shape, dtype=bool, order="F")
        # zeros: pages a rubric without 不适用 or gates never touches cost no memory
        not_applicable = np.zeros(shape, bool, order="F")
        gated = np.zeros(shape, bool, order="F")

        def raw(j: int, rows: slice) -> np.ndarray:
            na = not_applicable[rows, j] if self.nas[j] is not None else None
            return self.raw(j, rows, points[rows, j], missing[rows, j], gated[rows, j], na)

        means = [j for j, policy in enumerate(self.policies) if policy == "mean"]
        if means:  # a mean is over the whole column: those come first
            each(lambda rows: [raw(j, rows) for j in means], self.blocks)
            for j in means:
                fill_column(points[:, j], "mean", self.nas[j])
        sums = self._new_sums()

        def block(rows: slice) -> None:
            for j, policy in enumerate(self.policies):
                if policy == "mean":
                    col = points[rows, j]
                else:
                    col = raw(j, rows)
                    # without 不适用 or a gate, the NaN cells are exactly the missing ones just found
                    plain = self.nas[j] is None and self.gates[j] is None
                    fill_column(col, policy, None, nan=missing[rows, j] if plain else None)
                self._add(j, rows, col, sums)

        each(block, self.blocks)
        return Matrices(points, missing, not_applicable, gated, sums)

    def sums(self) -> Sums:
        """The sums, the bonus points and the excluded cells, keeping no units x indicators
        float matrix: what :meth:`matrices` would give, to the same bits."""
        n, k = self.n, self.k
        means = self._means()
        sums = self._new_sums()
        bonus = np.empty((n, len(self.indicators) - k), order="F")
        # the base columns where a cell can leave the unit's base: ``exclude``, or 不适用 cells
        candidates = [j for j in range(k) if self.policies[j] == "exclude" or (self.any_na and self.nas[j] is not None)]
        out = np.zeros((n, len(candidates)), bool, order="F")
        slot = {j: c for c, j in enumerate(candidates)}

        def block(rows: slice) -> None:
            m = rows.stop - rows.start
            col, missing, gated = np.empty(m), np.empty(m, bool), np.empty(m, bool)
            for j, policy in enumerate(self.policies):
                self.raw(j, rows, col, missing, gated)
                if policy == "mean":
                    # the whole column's fill (see _means), on these rows
                    na = self.nas[j]
                    fill_with_mean(col, means[j], None if na is None else na[rows])
                else:
                    plain = self.nas[j] is None and self.gates[j] is None
                    fill_column(col, policy, None, nan=missing if plain else None)
                if j in slot:
                    filled = missing if self.gates[j] is None else missing & ~gated  # no closed gate
                    na = self.nas[j] if self.any_na else None
                    excluded_into(out[rows, slot[j]], filled, policy, None if na is None else na[rows])
                if j >= k:
                    bonus[rows, j - k] = col
                self._add(j, rows, col, sums)

        each(block, self.blocks)
        columns = [j for j in candidates if out[:, slot[j]].any()]
        if len(columns) < len(candidates):
            picked = np.empty((n, len(columns)), bool, order="F")
            for c, j in enumerate(columns):
                picked[:, c] = out[:, slot[j]]
            out = picked
        return Sums(sums, bonus, out, columns)

    def _means(self) -> dict[int, float | None]:
        """Per ``mean`` column: the mean :func:`fill_column` fills its missing cells with, None
        when it has none to fill. Each column is scored whole once more for it, into one
        reused buffer (a mean is over the whole column)."""
        means: dict[int, float | None] = {}
        columns = [j for j, policy in enumerate(self.policies) if policy == "mean"]
        column = np.empty(self.n if columns else 0)
        for j in columns:

            def raw(rows: slice, j: int = j) -> None:
                m = rows.stop - rows.start
                self.raw(j, rows, column[rows], np.empty(m, bool), np.empty(m, bool))

            each(raw, self.blocks)
            means[j] = column_mean(column, self.nas[j])
        return means


def method_input(ind: Indicator, checked: Checked) -> np.ndarray | pd.Categorical:
    """The indicator's evaluated value; a bare text column comes with the labels already coded
    by validation, so the categorical method does not hash 200,000 strings a second time."""
    column = ind.expression.bare_column
    parsed = checked.cache.parsed(column) if column is not None else None
    if parsed is not None and parsed.codes is not None:
        return parsed.method_input()
    return checked.values[ind.id]
