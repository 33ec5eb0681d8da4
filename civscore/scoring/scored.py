"""Scored: the frozen record of one scoring run — the result table and every matrix behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import pandas as pd

from civscore.rubric.model import Rubric
from civscore.validation.report import ValidationReport

# the units x indicators matrices made on first read (see Scored.build_matrices)
MATRICES = ("points", "missing", "not_applicable", "gated")


@dataclass(frozen=True, repr=False, eq=False)  # a repr or == would build and compare the large matrices
class Scored:
    """A scored and ranked data set, as the engine left it.

    ``table`` is the result table of rubric-contract section 6. The matrices are indexed by unit
    id with one column per indicator (base indicators in rubric order, then bonus):

    - ``points``: points earned after the missing-value policy (not rescaled)
    - ``applicable``: False where ``exclude`` left the indicator out of the unit's base
    - ``missing``: True where the indicator's value was missing
    - ``imputed``: True where ``mean`` filled the points in
    - ``not_applicable``: True where a 不适用 cell made the indicator not apply (section 9)
    - ``gated``: True where the indicator's ``only_if`` was not met, so it earned 0 although
      it applies (section 9)
    - ``previous``: the previous period's values read by ``previous(name)``, units x columns
      (None when the rubric does not use it); ``current``: this period's values of the same
      columns, where the unit table has them, so both years can be shown side by side
    - ``values``: the evaluated indicator values (built on first use: ranking never needs it)
    - ``vetoes``: one column per veto, True where it was triggered
    - ``stages``: per unit, every stage of contract section 5 (see :data:`STAGES`), so that
      explanations read the engine's numbers instead of replaying its order of operations;
      in a weighted rubric ``earned`` and ``applicable_points`` are section 9's
      sum W_d E_d / A_d and sum W_d over the dimensions that apply, so base = earned * T / applicable
    """

    rubric: Rubric
    table: pd.DataFrame
    vetoes: pd.DataFrame
    report: ValidationReport
    stages: pd.DataFrame
    previous: pd.DataFrame | None
    current: pd.DataFrame | None
    # the matrices of MATRICES by name: the totals are added up without keeping them (issue 16:
    # ~900 MB of fresh pages at 1M units), so they are made on first read, from the same values
    # by the same steps (civscore.scoring.points_pass)
    build_matrices: Callable[[], dict[str, pd.DataFrame]] = field(repr=False)
    # assembling the values for 200,000 units costs as much as the scoring: deferred until read
    build_values: Callable[[], pd.DataFrame] = field(repr=False)
    # two more units x indicators bool matrices that follow from the masks and the policies;
    # ranking never reads them, so they are made on first use (issue 16: memory at 1M units)
    build_applicable: Callable[[], pd.DataFrame] = field(repr=False)
    build_imputed: Callable[[], pd.DataFrame] = field(repr=False)
    # contract section 8: per unit, each measure with its n and standard error (None when the
    # rubric has no record tables); attrs["sources"] names each record table's file
    measures: pd.DataFrame | None = None

    @cached_property
    def points(self) -> pd.DataFrame:
        """Points earned after the missing-value policy (not rescaled), units x indicators."""
        return self.build_matrices()["points"]

    @cached_property
    def missing(self) -> pd.DataFrame:
        """True where the indicator's value was missing."""
        return self.build_matrices()["missing"]

    @cached_property
    def not_applicable(self) -> pd.DataFrame:
        """True where a 不适用 cell made the indicator not apply (section 9)."""
        return self.build_matrices()["not_applicable"]

    @cached_property
    def gated(self) -> pd.DataFrame:
        """True where the indicator's ``only_if`` was not met: it earned 0 although it applies."""
        return self.build_matrices()["gated"]

    @cached_property
    def values(self) -> pd.DataFrame:
        """The evaluated indicator values, units x indicators."""
        return self.build_values()

    @cached_property
    def applicable(self) -> pd.DataFrame:
        """False where 不适用 or ``exclude`` left the indicator out of the unit's base."""
        return self.build_applicable()

    @cached_property
    def imputed(self) -> pd.DataFrame:
        """True where ``mean`` filled the points in."""
        return self.build_imputed()

    @property
    def id_column(self) -> str:
        return self.rubric.unit.id_column

    def restrict(self, ids: list) -> Scored:
        """The same run seen for some units only (every matrix is per unit: nothing is recomputed)."""
        table = self.table[self.table[self.id_column].isin(ids)]
        values, applicable, imputed = self.values.loc[ids], self.applicable.loc[ids], self.imputed.loc[ids]
        matrices = {name: getattr(self, name).loc[ids] for name in MATRICES}
        return replace(
            self,
            table=table,
            build_matrices=lambda: matrices,
            build_applicable=lambda: applicable,
            build_imputed=lambda: imputed,
            previous=self.previous.loc[ids] if self.previous is not None else None,
            current=self.current.loc[ids] if self.current is not None else None,
            vetoes=self.vetoes.loc[ids],
            stages=self.stages.loc[ids],
            build_values=lambda: values,
        )
