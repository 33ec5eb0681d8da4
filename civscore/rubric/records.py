"""Record tables and the unit-level measures computed from them (rubric-contract section 8).

Survey answers, surveyor scores and sampled inspection points arrive as many rows per unit. A
rubric declares each such table under ``records:`` and the aggregates of it under ``measures:``;
a measure is then read by indicator expressions exactly like a column of the unit table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from civscore.rubric.expr import Expression, parse_or_explain, shown
from civscore.rubric.expr import parse_once as parse
from civscore.words import say

Aggregate = Literal["count", "sum", "mean", "share", "min", "max", "median", "distinct"]
AGGREGATES: tuple[str, ...] = ("count", "sum", "mean", "share", "min", "max", "median", "distinct")
WEIGHTED = frozenset({"sum", "mean", "share"})
WITH_ERROR = frozenset({"mean", "share"})  # these carry a standard error per unit
ZERO_WHEN_EMPTY = frozenset({"count", "sum", "distinct"})
TABLE_PATTERN = r"^[A-Za-z0-9_]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class ColumnCheck(_Strict):
    """Checks on one column of every record: a vocabulary, or an inclusive range of numbers."""

    values: list[str] | None = Field(None, min_length=1, description="the text a cell may hold")
    min: Annotated[float, Field(allow_inf_nan=False)] | None = None
    max: Annotated[float, Field(allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _sensible(self) -> ColumnCheck:
        if self.values is None and self.min is None and self.max is None:
            raise ValueError(say("需要 values、min 或 max 之一", "needs `values`, `min` or `max`"))
        if self.values is not None and (self.min is not None or self.max is not None):
            raise ValueError(
                say(
                    "values 与 min/max 不能同时用于一列（一列要么是文字，要么是数）",
                    "`values` and `min`/`max` cannot be combined (a column is either text or numbers)",
                )
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(
                say(f"min {self.min:g} 大于 max {self.max:g}", f"min {self.min:g} is above max {self.max:g}")
            )
        return self


class RecordTable(_Strict):
    """A table of records, many per unit: ``--records NAME=FILE`` gives its file."""

    unit_column: str = Field(min_length=1, description="the column holding the unit id of each record")
    key: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="column(s) unique per record"
    )
    columns: dict[str, ColumnCheck] = Field(default_factory=dict, description="checks on every record")


class Measure(_Strict):
    """A unit-level quantity aggregated from a record table; expressions read it by its id."""

    id: str = Field(min_length=1, description="the column name expressions use")
    name: str | None = None
    from_: str = Field(alias="from", description="the record table")
    aggregate: Aggregate
    of: str | None = Field(None, description="expression over record columns (required except for count)")
    where: str | None = Field(None, description="condition: only records where it holds contribute")
    weight: str | None = Field(None, description="a column of weights > 0; only for sum, mean, share")
    min_records: Annotated[int, Field(ge=1)] | None = None
    description: str | None = None

    _of: Expression | None = PrivateAttr(None)
    _where: Expression | None = PrivateAttr(None)

    @field_validator("id")
    @classmethod
    def _id_is_a_name(cls, v: str) -> str:
        if "`" in v:
            raise ValueError(say("度量 id 不能含反引号 `", "a measure id cannot contain a backtick"))
        return v

    @field_validator("of")
    @classmethod
    def _of_parses(cls, v: str | None) -> str | None:
        if v is not None:
            _parse_or_explain(v, "value")
        return v

    @field_validator("where")
    @classmethod
    def _where_parses(cls, v: str | None) -> str | None:
        if v is not None:
            _parse_or_explain(v, "when")
        return v

    @model_validator(mode="after")
    def _aggregate_rules(self) -> Measure:
        problems = measure_rule_problems(self.model_dump(by_alias=True))
        if problems:
            raise ValueError("; ".join(f"{key}: {msg}" if key else msg for key, msg in problems))
        return self

    @property
    def table(self) -> str:
        """The record table the measure is computed from."""
        return self.from_

    @property
    def of_expression(self) -> Expression | None:
        if self._of is None and self.of is not None:
            self._of = parse(self.of, "value")
        return self._of

    @property
    def where_expression(self) -> Expression | None:
        if self._where is None and self.where is not None:
            self._where = parse(self.where, "when")
        return self._where

    @property
    def has_error(self) -> bool:
        """Whether the measure carries a standard error (mean and share do)."""
        return self.aggregate in WITH_ERROR

    def record_columns(self) -> dict[str, set[str]]:
        """Record columns read by ``of``, ``where`` and ``weight``, with the kinds of value needed."""
        kinds: dict[str, set[str]] = {}
        for expr in (self.of_expression, self.where_expression):
            if expr is not None:
                for col, ks in expr.columns.items():
                    kinds.setdefault(col, set()).update(ks)
        if self.weight:
            kinds.setdefault(self.weight, set()).add("number")
        return kinds


def _parse_or_explain(source: str, context: Literal["value", "when"]) -> Expression:
    expr = parse_or_explain(source, context)
    if expr.uses_previous:
        raise ValueError(
            say(
                f"表达式 {shown(source)} 使用了 previous()：记录表没有上一期，度量只能读本期的记录",
                f"expression {shown(source)} uses previous(): records have no previous period",
            )
        )
    return expr


def measure_rule_problems(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The aggregate rules of section 8 as (key, message) pairs, on a raw mapping or a model dump.

    The loader runs them on the raw YAML too, so that they are reported even when another key
    of the same measure is malformed.
    """
    aggregate = raw.get("aggregate")
    if not isinstance(aggregate, str) or aggregate not in AGGREGATES:
        return []
    problems: list[tuple[str, str]] = []
    if aggregate != "count" and raw.get("of") is None:
        problems.append(
            ("", say(f"aggregate {aggregate} 需要 `of`（对哪个量汇总）", f"aggregate {aggregate} needs `of`"))
        )
    if raw.get("weight") is not None and aggregate not in WEIGHTED:
        problems.append(
            (
                "weight",
                say(
                    f"`weight` 只能用于 sum、mean、share，不能用于 {aggregate}",
                    f"`weight` applies only to sum, mean and share, not to {aggregate}",
                ),
            )
        )
    return problems
