"""Result: the public face of a scoring run, with the steps that build on it attached.

The engine returns a frozen :class:`~civscore.scoring.scored.Scored`; :class:`Result` adds the
verbs an analyst calls on it (``write``, ``explain``, ``gaps``), as great_tables' GT attaches its
steps. Everything below imports ``Scored``, never this module, so imports run one way only.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import fields
from pathlib import Path

import pandas as pd

from civscore.analysis.explain import explain as _explain
from civscore.analysis.gaps import gaps as _gaps
from civscore.errors import ValidationError
from civscore.rubric.model import Rubric
from civscore.scoring import engine as engine_
from civscore.scoring.scored import Scored
from civscore.validation.check import Checked
from civscore.writers.output import write_result


class Result(Scored):
    """A scored and ranked data set (see :class:`~civscore.scoring.scored.Scored` for its parts)."""

    @classmethod
    def of(cls, scored: Scored) -> Result:
        """Wrap the engine's record without copying any matrix."""
        if isinstance(scored, cls):
            return scored
        return cls(**{f.name: getattr(scored, f.name) for f in fields(Scored)})

    def write(self, path: str | Path) -> Path:
        """Write the result table to .csv (UTF-8 with BOM), .xlsx or .parquet, atomically."""
        return write_result(self, path)

    def explain(self, unit_id: Hashable) -> pd.DataFrame:
        """One unit's breakdown per indicator; contributions add up to its total (civscore.explain)."""
        return _explain(self, unit_id)

    def gaps(self, unit_id: Hashable | None = None) -> pd.DataFrame:
        """The rectification list (整改清单): vetoes first, then lost points, largest first (civscore.gaps)."""
        return _gaps(self, unit_id)

    def __repr__(self) -> str:
        return f"<civscore.Result: {len(self.table)} units scored with {self.rubric.id} {self.rubric.version}>"

    def _repr_html_(self) -> str:
        return self.table._repr_html_()  # type: ignore[operator]  # pandas-stubs lack DataFrame._repr_html_


def score(
    data: pd.DataFrame,
    rubric: Rubric,
    previous: pd.DataFrame | str | Path | None = None,
    *,
    checked: Checked | None = None,
    records: Mapping[str, str | Path | pd.DataFrame] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> Result:
    """Validate ``data`` against ``rubric``, then score and rank every unit (contract section 7).

    ``previous`` is the previous period's unit table (a DataFrame or a .csv / .xlsx / .parquet
    path) that ``previous(name)`` reads (contract section 9). ``checked``: what
    :func:`civscore.check` returned for this ``data`` and ``rubric`` (with ``previous`` and
    ``records``), so that data already validated is not validated again.

    A rubric with record tables (section 8) needs ``records``: one path (.csv, .xlsx, .parquet,
    a folder or glob of .parquet files) or DataFrame per declared table, e.g.
    ``records={"survey": "问卷.csv"}``; ``engine`` is "duckdb" (default) or "spark"
    (``spark_master``: a cluster's URL; default local[*] or SPARK_REMOTE). The measures, with
    their n and standard error, are on ``result.measures``.

    Raises :class:`civscore.ValidationError` (carrying the full report) when the data or the
    records have problems. ``data`` is never modified.
    """
    if checked is None:
        return Result.of(
            engine_.score(data, rubric, previous=previous, records=records, engine=engine, spark_master=spark_master)
        )
    if checked.report.n_units != len(data):
        raise ValueError(f"checked describes {checked.report.n_units} units, the data has {len(data)}")
    if not checked.report.ok:
        raise ValidationError(checked.report)
    return Result.of(engine_.score_checked(data, rubric, checked))
