"""The pandera schema built from a rubric: a value that can be built, printed and reused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

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

if TYPE_CHECKING:
    import pandera.pandas as pa


@dataclass(frozen=True)
class Rule:
    """One rule a column's cells must keep: its words (the report's rule text) and the cells
    that break it, computed over the whole column at once."""

    error: str | Callable[[], str]  # or what says it: worded only for a column that breaks a rule
    cells: Callable[[pd.Series], np.ndarray]

    @property
    def words(self) -> str:
        """The rule's words in the current language."""
        return self.error if isinstance(self.error, str) else self.error()


def pandera():
    """pandera's pandas API, imported when a schema is first built: clean data never needs it
    (check() computes every rule itself, and pandera only words the cells that break one)."""
    from civscore._light_import import import_without_pyspark

    import_without_pyspark("pandera", "pandera.pandas")
    import pandera.pandas

    return pandera.pandas


def _check(rule: Rule) -> pa.Check:
    # ignore_na=False: our checks see the whole column, so parsed masks line up with its index
    pa = pandera()
    return pa.Check(lambda s: pd.Series(~rule.cells(s), index=s.index), error=rule.words, ignore_na=False)


def schema_of(rules: dict[str, list[Rule]], name: str) -> pa.DataFrameSchema:
    """The pandera schema that checks each column against its rules, in order."""
    pa = pandera()
    columns = {col: pa.Column(nullable=True, checks=[_check(r) for r in rs]) for col, rs in rules.items()}
    return pa.DataFrameSchema(columns, name=name, strict=False)


def schema_name(rubric: Rubric) -> str:
    return f"civscore rubric {rubric.id} {rubric.version}"


def build_schema(rubric: Rubric, cache: ColumnCache | None = None) -> pa.DataFrameSchema:
    """The pandera schema a data set must satisfy for ``rubric``.

    With a ``cache``, the checks share its parsed columns with scoring; without one, each check
    parses its column itself (for printing or reusing the schema on its own).
    """
    return schema_of(column_rules(rubric, cache), schema_name(rubric))


def column_rules(rubric: Rubric, cache: ColumnCache | None = None) -> dict[str, list[Rule]]:
    """Every column the rubric reads -> the rules its cells must keep, in the report's order.

    The rules of one kind of column (number, yes/no, text) are the same few for every column of
    that kind; only a rule whose words name an indicator (missing: error, a method's values) is
    an indicator's own. Each rule reads the column's parsed cells, so the cost is a few
    whole-column passes per column, whatever the number of rules.
    """
    # the cache was made for this rubric: its kinds and count columns are the rubric's
    kinds = cache.kinds if cache is not None else rubric_kinds(rubric)
    counts = cache.counts if cache is not None else count_columns(rubric)

    def parsed(name: str, s: pd.Series) -> Parsed:
        return cache[name] if cache is not None else parse_column(s, kinds[name], name in counts)

    def errors(name: str, s: pd.Series) -> np.ndarray:
        if cache is None:
            return excel_errors(s)
        if kinds.get(name, "text") == "text":
            return cache.excel_errors(name)
        # an Excel error value never reads as a number or yes/no: look among the bad cells only
        return once("errors", name, lambda: _at(s, excel_errors, parsed(name, s).bad))

    unit = rubric.unit

    def labels(s: pd.Series) -> pd.Series:
        return cache.unit_labels(unit.id_column) if cache is not None else unit_labels(s)

    done: dict[tuple[str, str], np.ndarray] = {}  # two rules of a column share a step's cells

    def once(step: str, name: str, cells: Callable[[], np.ndarray]) -> np.ndarray:
        if cache is None:
            return cells()
        if (step, name) not in done:
            done[step, name] = cells()
        return done[step, name]

    def blank(name: str, s: pd.Series) -> np.ndarray:
        return once("blank", name, lambda: typed_blank(s))

    def repeated(s: pd.Series) -> np.ndarray:
        return once("repeated", id_col, lambda: _repeated(labels(s)))

    def error_rule(name: str) -> Rule:
        return Rule(excel_error_rule, lambda s: errors(name, s))

    def blank_rule(name: str, words: str) -> Rule:
        return Rule(words, lambda s: blank(name, s))

    id_col = unit.id_column
    rules: dict[str, list[Rule]] = {
        id_col: [
            error_rule(id_col),
            Rule(say("单位编号不能为空", "unit id must not be empty"), lambda s: blank(id_col, s) & ~errors(id_col, s)),
            Rule(
                say(
                    "单位编号不能为空：它只含不可见字符或控制字符",
                    "unit id must not be empty: it holds only invisible or control characters",
                ),
                lambda s: labels(s).isna().to_numpy() & ~blank(id_col, s),
            ),
            Rule(
                say("单位编号不能重复", "unit id must be unique"),
                lambda s: _duplicates(labels(s), repeated(s), s, alike=True),
            ),
            Rule(
                say(
                    "单位编号不能重复：忽略全角/半角、空格和不可见字符后，它与另一行的编号相同",
                    "unit id must be unique: it equals another row's id once full-width/half-width, "
                    "spaces and invisible characters are ignored",
                ),
                lambda s: _duplicates(labels(s), repeated(s), s, alike=False),
            ),
        ]
    }
    if unit.name_column:
        rules[unit.name_column] = [error_rule(unit.name_column)]
    for g in unit.group_columns:
        rules[g] = [
            error_rule(g),
            blank_rule(g, say(f"不能为空：单位按 {g} 分组排名", f"must not be empty: units are ranked within {g}")),
        ]
    users = _users(rubric)
    for name, kind in kinds.items():
        own = [] if name in rules else [error_rule(name)]
        own += _kind_rules(kind, name, parsed, errors)
        for ind in users.get(name, []):
            own += _indicator_rules(rubric, ind, name, parsed, errors)
        rules[name] = rules.get(name, []) + own  # a unit column may also be read by an expression
    return rules


def _kind_rules(kind: str, name: str, parsed, errors) -> list[Rule]:
    """The rules every column of this kind keeps. A bad cell is rare, so each rule looks at the
    bad cells only (a date? a yes/no word?) and costs nothing on a clean column."""

    def bad(s: pd.Series, dates: bool) -> np.ndarray:
        return _bad(parsed(name, s), s, dates=dates)

    def not_errors(s: pd.Series, cells: np.ndarray) -> np.ndarray:
        return cells & ~errors(name, s) if cells.any() else cells

    if kind == "quantity":
        # a yes/no word among numbers: say that yes/no counts only for a whole column
        def number(s: pd.Series) -> np.ndarray:
            cells = not_errors(s, bad(s, dates=False))
            return cells & ~_at(s, yes_no_words, cells)

        def yes_no(s: pd.Series) -> np.ndarray:
            cells = parsed(name, s).bad
            return _at(s, yes_no_words, cells)

        return [
            Rule(lambda: str(kind_rule(kind, yes_no=False)), number),
            Rule(lambda: str(kind_rule(kind)), yes_no),
            Rule(date_rule, lambda s: bad(s, dates=True)),
        ]
    if kind == "number":
        return [
            Rule(lambda: str(kind_rule(kind)), lambda s: not_errors(s, bad(s, dates=False))),
            Rule(date_rule, lambda s: bad(s, dates=True)),
        ]
    if kind == "boolean":
        return [Rule(lambda: str(kind_rule(kind)), lambda s: not_errors(s, parsed(name, s).bad))]
    return []


def _at(s: pd.Series, test: Callable[[pd.Series], np.ndarray], cells: np.ndarray) -> np.ndarray:
    """``test`` (cell by cell: yes_no_words, excel_errors) of the ``cells`` rows of ``s``, else False."""
    out = np.zeros(len(s), bool)
    rows = np.flatnonzero(cells)
    if rows.size:
        out[rows] = test(s.iloc[rows])
    return out


def _repeated(labels: pd.Series) -> np.ndarray:
    """Rows whose id another row also has."""
    return labels.duplicated(keep=False).to_numpy() & labels.notna().to_numpy()


def _duplicates(labels: pd.Series, dup: np.ndarray, typed: pd.Series, alike: bool) -> np.ndarray:
    """Of the rows whose id another row also has (``dup``), those whose ids were typed the same
    (``alike``, after trimming), or else those that differ as typed (ＳＱ００１ and SQ001) and
    only normalising joins them."""
    if not dup.any():
        return dup
    shown = typed_ids(typed)
    pairs = pd.DataFrame({"id": labels[dup].astype(str).to_numpy(), "typed": shown[dup].to_numpy()})
    differ = (pairs.groupby("id")["typed"].transform("nunique") > 1).to_numpy()
    out = np.zeros(len(labels), bool)
    out[np.flatnonzero(dup)] = ~differ if alike else differ
    return out


def _indicator_rules(rubric: Rubric, ind: Indicator, name: str, parsed, errors) -> list[Rule]:
    rules = []
    if rubric.missing_policy(ind) == "error":
        rules.append(
            Rule(
                say(
                    f"不能为空：指标 {ind.id} 设置了 missing: error",
                    f"must not be empty: indicator {ind.id} uses missing: error",
                ),
                lambda s: parsed(name, s).missing,
            )
        )
    method = method_of(ind)
    rule = method.value_rule(ind)
    if ind.expression.bare_column == name and rule is not None:

        def invalid(s: pd.Series) -> np.ndarray:
            cells = method.invalid(parsed(name, s).method_input(), ind)
            return cells & ~errors(name, s) if cells.any() else cells

        rules.append(Rule(rule, invalid))
    return rules


def _users(rubric: Rubric) -> dict[str, list[Indicator]]:
    users: dict[str, list[Indicator]] = {}
    for ind in rubric.iter_indicators():
        for col in ind.expression.columns:
            users.setdefault(col, []).append(ind)
    return users
