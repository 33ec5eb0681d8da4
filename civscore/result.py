"""The outcome of scoring: the result table plus the matrices it was derived from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from civscore.rubric.model import Rubric
from civscore.validate import ValidationReport


@dataclass(repr=False, eq=False)  # a repr or == would build and compare the large matrices
class Result:
    """A scored and ranked data set.

    ``table`` is the result table of rubric-contract section 6. The matrices are indexed by unit
    id with one column per indicator (base indicators in rubric order, then bonus):

    - ``points``: points earned after the missing-value policy (not rescaled)
    - ``applicable``: False where ``exclude`` left the indicator out of the unit's base
    - ``missing``: True where the indicator's value was missing
    - ``imputed``: True where ``mean`` filled the points in
    - ``values``: the evaluated indicator values (built on first use: ranking never needs it)
    - ``vetoes``: one column per veto, True where it was triggered
    """

    rubric: Rubric
    table: pd.DataFrame
    points: pd.DataFrame
    applicable: pd.DataFrame
    missing: pd.DataFrame
    imputed: pd.DataFrame
    values: pd.DataFrame
    vetoes: pd.DataFrame
    report: ValidationReport

    @property
    def id_column(self) -> str:
        return self.rubric.unit.id_column

    def write(self, path: str | Path) -> Path:
        """Write the result table to .csv (UTF-8 with BOM), .xlsx or .parquet, atomically."""
        from civscore.export import write_result

        return write_result(self, path)

    def explain(self, unit_id) -> pd.DataFrame:
        """One unit's breakdown per indicator; contributions add up to its total (civscore.explain)."""
        from civscore.explain import explain

        return explain(self, unit_id)

    def gaps(self, unit_id=None) -> pd.DataFrame:
        """The rectification list (整改清单): vetoes first, then lost points, largest first (civscore.gaps)."""
        from civscore.gaps import gaps

        return gaps(self, unit_id)

    def __repr__(self) -> str:
        return f"<civscore.Result: {len(self.table)} units scored with {self.rubric.id} {self.rubric.version}>"

    def _repr_html_(self) -> str:
        return self.table._repr_html_()


def _get_values(self: Result) -> pd.DataFrame:
    if callable(self._values):
        self._values = self._values()
    return self._values


def _set_values(self: Result, values: pd.DataFrame | Callable[[], pd.DataFrame]) -> None:
    self._values = values


# `values` stays an ordinary constructor argument (a DataFrame, or a function that builds one);
# assembling it for 200,000 units costs as much as the scoring, so it is deferred until read.
Result.values = property(_get_values, _set_values, doc="The evaluated indicator values, units x indicators.")
