"""The pandera schema built from a rubric: a value that can be built, printed and reused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from civscore.methods import method_of
from civscore.rubric.model import Indicator, Rubric
from civscore.validation.cells import (
    DATE_RULE,
    KIND_RULES,
    PARSERS,
    ColumnCache,
    Parsed,
    _bad,
    kind_rule,
    rubric_kinds,
    unit_labels,
    yes_no_words,
)


def _check(fn, error: str) -> pa.Check:
    # ignore_na=False: our checks see the whole column, so parsed masks line up with its index
    return pa.Check(fn, error=error, ignore_na=False)


def _ok(mask: np.ndarray, s: pd.Series) -> pd.Series:
    return pd.Series(~mask, index=s.index)


def build_schema(rubric: Rubric, cache: ColumnCache | None = None) -> pa.DataFrameSchema:
    """The pandera schema a data set must satisfy for ``rubric``.

    With a ``cache``, the checks share its parsed columns with scoring; without one, each check
    parses its column itself (for printing or reusing the schema on its own).
    """
    kinds = rubric_kinds(rubric)

    def parsed(name: str, s: pd.Series) -> Parsed:
        return cache[name] if cache is not None else PARSERS[kinds[name]](s)

    unit = rubric.unit

    def labels(s: pd.Series) -> pd.Series:
        return cache.unit_labels(unit.id_column) if cache is not None else unit_labels(s)

    columns: dict[str, pa.Column] = {
        unit.id_column: pa.Column(
            nullable=True,
            checks=[
                _check(lambda s: ~_blank(s), "unit id must not be empty"),
                _check(lambda s: ~labels(s).duplicated(keep=False) | _blank(s), "unit id must be unique"),
            ],
        )
    }
    if unit.name_column:
        columns[unit.name_column] = pa.Column(nullable=True)
    for g in unit.group_columns:
        columns[g] = pa.Column(
            nullable=True,
            checks=_check(lambda s: ~_blank(s), f"must not be empty: units are ranked within {g}"),
        )
    users = _users(rubric)
    for name, kind in kinds.items():
        checks = []
        if kind == "quantity":
            # a yes/no word among numbers: say that yes/no counts only for a whole column
            checks.append(
                _check(
                    lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=False) & ~yes_no_words(s), s),
                    error=KIND_RULES["number"],
                )
            )
            checks.append(
                _check(lambda s, n=name: _ok(parsed(n, s).bad & yes_no_words(s), s), error=str(kind_rule(kind)))
            )
            checks.append(_check(lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=True), s), error=DATE_RULE))
        elif kind == "number":
            checks.append(_check(lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=False), s), error=KIND_RULES[kind]))
            checks.append(_check(lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=True), s), error=DATE_RULE))
        elif kind in KIND_RULES:
            checks.append(_check(lambda s, n=name: _ok(parsed(n, s).bad, s), error=KIND_RULES[kind]))
        for ind in users.get(name, []):
            checks.extend(_indicator_checks(rubric, ind, name, parsed))
        if name in columns:  # a unit column also read by an expression
            columns[name] = pa.Column(nullable=True, checks=list(columns[name].checks) + checks)
        else:
            columns[name] = pa.Column(nullable=True, checks=checks)
    return pa.DataFrameSchema(columns, name=f"civscore rubric {rubric.id} {rubric.version}", strict=False)


def _indicator_checks(rubric: Rubric, ind: Indicator, name: str, parsed) -> list[pa.Check]:
    checks = []
    bare = ind.expression.bare_column == name
    if rubric.missing_policy(ind) == "error":
        checks.append(
            _check(
                lambda s, n=name: _ok(parsed(n, s).missing, s),
                error=f"must not be empty: indicator {ind.id} uses missing: error",
            )
        )
    method = method_of(ind)
    rule = method.value_rule(ind)
    if bare and rule is not None:
        checks.append(
            _check(lambda s, n=name, i=ind: _ok(method.invalid(parsed(n, s).method_input(), i), s), error=rule)
        )
    return checks


def _users(rubric: Rubric) -> dict[str, list[Indicator]]:
    users: dict[str, list[Indicator]] = {}
    for ind in rubric.iter_indicators():
        for col in ind.expression.columns:
            users.setdefault(col, []).append(ind)
    return users


def _blank(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.isna()
    return s.isna() | (s.astype("string").str.strip() == "").fillna(True)
