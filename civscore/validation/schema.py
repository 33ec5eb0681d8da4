"""The pandera schema built from a rubric: a value that can be built, printed and reused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from civscore.methods import method_of
from civscore.rubric.model import Indicator, Rubric
from civscore.validation.cells import (
    ColumnCache,
    Parsed,
    _bad,
    count_columns,
    date_rule,
    excel_error_rule,
    excel_errors,
    kind_rule,
    parse_column,
    rubric_kinds,
    typed_blank,
    typed_ids,
    unit_labels,
    yes_no_words,
)
from civscore.words import say


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
    counts = count_columns(rubric)

    def parsed(name: str, s: pd.Series) -> Parsed:
        return cache[name] if cache is not None else parse_column(s, kinds[name], name in counts)

    def errors(name: str, s: pd.Series) -> np.ndarray:
        return cache.excel_errors(name) if cache is not None else excel_errors(s)

    unit = rubric.unit

    def labels(s: pd.Series) -> pd.Series:
        return cache.unit_labels(unit.id_column) if cache is not None else unit_labels(s)

    def error_check(name: str) -> pa.Check:
        return _check(lambda s: _ok(errors(name, s), s), excel_error_rule())

    id_col = unit.id_column
    columns: dict[str, pa.Column] = {
        id_col: pa.Column(
            nullable=True,
            checks=[
                error_check(id_col),
                _check(
                    lambda s: _ok(typed_blank(s) & ~errors(id_col, s), s),
                    say("单位编号不能为空", "unit id must not be empty"),
                ),
                _check(
                    lambda s: _ok(labels(s).isna().to_numpy() & ~typed_blank(s), s),
                    say(
                        "单位编号不能为空：它只含不可见字符或控制字符",
                        "unit id must not be empty: it holds only invisible or control characters",
                    ),
                ),
                _check(
                    lambda s: _ok(_duplicates(labels(s), s, alike=True), s),
                    say("单位编号不能重复", "unit id must be unique"),
                ),
                _check(
                    lambda s: _ok(_duplicates(labels(s), s, alike=False), s),
                    say(
                        "单位编号不能重复：忽略全角/半角、空格和不可见字符后，它与另一行的编号相同",
                        "unit id must be unique: it equals another row's id once full-width/half-width, "
                        "spaces and invisible characters are ignored",
                    ),
                ),
            ],
        )
    }
    if unit.name_column:
        columns[unit.name_column] = pa.Column(nullable=True, checks=[error_check(unit.name_column)])
    for g in unit.group_columns:
        columns[g] = pa.Column(
            nullable=True,
            checks=[
                error_check(g),
                _check(
                    lambda s: _ok(typed_blank(s), s),
                    say(f"不能为空：单位按 {g} 分组排名", f"must not be empty: units are ranked within {g}"),
                ),
            ],
        )
    users = _users(rubric)
    for name, kind in kinds.items():
        checks = [] if name in columns else [error_check(name)]
        if kind == "quantity":
            # a yes/no word among numbers: say that yes/no counts only for a whole column
            checks.append(
                _check(
                    lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=False) & ~yes_no_words(s) & ~errors(n, s), s),
                    error=str(kind_rule(kind, yes_no=False)),
                )
            )
            checks.append(
                _check(lambda s, n=name: _ok(parsed(n, s).bad & yes_no_words(s), s), error=str(kind_rule(kind)))
            )
            checks.append(_check(lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=True), s), error=date_rule()))
        elif kind == "number":
            checks.append(
                _check(
                    lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=False) & ~errors(n, s), s),
                    error=str(kind_rule(kind)),
                )
            )
            checks.append(_check(lambda s, n=name: _ok(_bad(parsed(n, s), s, dates=True), s), error=date_rule()))
        elif kind == "boolean":
            checks.append(
                _check(lambda s, n=name: _ok(parsed(n, s).bad & ~errors(n, s), s), error=str(kind_rule(kind)))
            )
        for ind in users.get(name, []):
            checks.extend(_indicator_checks(rubric, ind, name, parsed, errors))
        if name in columns:  # a unit column also read by an expression
            columns[name] = pa.Column(nullable=True, checks=list(columns[name].checks) + checks)
        else:
            columns[name] = pa.Column(nullable=True, checks=checks)
    return pa.DataFrameSchema(columns, name=f"civscore rubric {rubric.id} {rubric.version}", strict=False)


def _duplicates(labels: pd.Series, typed: pd.Series, alike: bool) -> np.ndarray:
    """Rows whose id another row also has. ``alike``: the ids were typed the same (after
    trimming); otherwise: they differ as typed (ＳＱ００１ and SQ001) and only normalising joins them."""
    dup = labels.duplicated(keep=False).to_numpy() & labels.notna().to_numpy()
    if not dup.any():
        return dup
    shown = typed_ids(typed)
    pairs = pd.DataFrame({"id": labels[dup].astype(str).to_numpy(), "typed": shown[dup].to_numpy()})
    differ = (pairs.groupby("id")["typed"].transform("nunique") > 1).to_numpy()
    out = np.zeros(len(labels), bool)
    out[np.flatnonzero(dup)] = ~differ if alike else differ
    return out


def _indicator_checks(rubric: Rubric, ind: Indicator, name: str, parsed, errors) -> list[pa.Check]:
    checks = []
    bare = ind.expression.bare_column == name
    if rubric.missing_policy(ind) == "error":
        checks.append(
            _check(
                lambda s, n=name: _ok(parsed(n, s).missing, s),
                error=say(
                    f"不能为空：指标 {ind.id} 设置了 missing: error",
                    f"must not be empty: indicator {ind.id} uses missing: error",
                ),
            )
        )
    method = method_of(ind)
    rule = method.value_rule(ind)
    if bare and rule is not None:
        checks.append(
            _check(
                lambda s, n=name, i=ind: _ok(method.invalid(parsed(n, s).method_input(), i) & ~errors(n, s), s),
                error=rule,
            )
        )
    return checks


def _users(rubric: Rubric) -> dict[str, list[Indicator]]:
    users: dict[str, list[Indicator]] = {}
    for ind in rubric.iter_indicators():
        for col in ind.expression.columns:
            users.setdefault(col, []).append(ind)
    return users
