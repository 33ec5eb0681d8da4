"""One scored indicator (指标) and its bands, as the rubric file writes them (rubric-contract
section 1); the rules beyond types are in :mod:`civscore.rubric.indicator_rules`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

import civscore.methods  # noqa: F401  (walking the package registers every scoring method)
from civscore.methods.registry import names
from civscore.rubric.expr import Expression, parse_or_explain
from civscore.rubric.expr import parse_once as parse
from civscore.rubric.indicator_rules import indicator_rule_problems, resolve_percentages
from civscore.words import say

MissingPolicy = Literal["zero", "error", "exclude", "mean"]
ID_PATTERN = r"^[A-Za-z0-9_-]+$"
Points = Annotated[float, Field(allow_inf_nan=False)]
_POINTS_OR_PERCENT_SCHEMA = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^\d+(\.\d+)?%$", "description": "a percentage of the indicator's points"},
    ]
}
# in the file a number or "66%"; in the model always points (percentages are resolved on loading)
PointsOrPercent = Annotated[float, Field(allow_inf_nan=False), WithJsonSchema(_POINTS_OR_PERCENT_SCHEMA)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


class Band(Strict):
    """One band (分档): points earned when the value is at least / at most a threshold."""

    at_least: Points | None = None
    at_most: Points | None = None
    points: PointsOrPercent

    @model_validator(mode="after")
    def _one_threshold(self) -> Band:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError(
                say(
                    "每个分档必须恰好写 at_least 或 at_most 中的一个", "a band needs exactly one of at_least or at_most"
                )
            )
        return self

    @property
    def threshold(self) -> float:
        if self.at_least is not None:
            return self.at_least
        if self.at_most is not None:
            return self.at_most
        raise ValueError("a band needs exactly one of at_least or at_most")


class Indicator(Strict):
    """One scored indicator (指标)."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    name: str
    value: str = Field(description="Expression over data columns (rubric-contract section 2).")
    method: str = Field(
        description="The scoring method (contract section 3); civscore.methods has one module per method.",
        json_schema_extra=lambda schema: schema.update(enum=list[JsonValue](names())),
    )
    points: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    source: str | None = Field(None, description="How evidence is gathered, e.g. 材料审核 / 问卷调查 / 实地考察.")
    missing: MissingPolicy | None = None
    description: str | None = None
    evidence: list[str] | None = Field(
        None, description="Keywords naming facts in narrative work reports that support this indicator."
    )
    zero: Points | None = Field(None, description="linear: the value that earns 0 points.")
    full: Points | None = Field(None, description="linear: the value that earns full points.")
    bands: list[Band] | None = Field(None, min_length=1)
    otherwise: PointsOrPercent | None = Field(None, description="bands: points when no band is met (default 0).")
    per_item: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    map: dict[str, PointsOrPercent] | None = Field(
        None, min_length=1, description="categorical: label -> points (or a percentage of the points: 66%)."
    )
    only_if: str | None = Field(
        None,
        description="A gate (没有……的，此项不得分): where this condition is false or missing the "
        "indicator earns 0 although it applies (its points stay in the unit's base).",
    )
    range: Annotated[list[Points], Field(min_length=2, max_length=2)] | None = Field(
        None,
        description="[lo, hi]: the value must lie in this range (inclusive); a value outside is a data error.",
    )

    _expr: Expression | None = PrivateAttr(None)
    _gate: Expression | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _percentages(cls, data: Any) -> Any:
        """Points written as "66%" become P x 66 / 100 (section 9); out-of-range ones are
        reported by the method rules, with the percentage as written."""
        return resolve_percentages(data)

    @field_validator("value")
    @classmethod
    def _value_parses(cls, v: str) -> str:
        parse_or_explain(v, "value")
        return v

    @field_validator("only_if")
    @classmethod
    def _gate_parses(cls, v: str | None) -> str | None:
        if v is not None:
            parse_or_explain(v, "when")
        return v

    @field_validator("method", mode="before")
    @classmethod
    def _method_known(cls, v: Any) -> Any:
        known = names()
        if isinstance(v, str) and v in known:
            return v
        # worded as pydantic words a Literal, so the loader reports it like every other choice
        expected = ", ".join(repr(n) for n in known[:-1]) + f" or {known[-1]!r}"
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})

    @model_validator(mode="after")
    def _method_rules(self) -> Indicator:
        problems = indicator_rule_problems(self.__dict__)
        if problems:
            raise ValueError(say("；", "; ").join(f"{key}: {msg}" if key else msg for key, msg in problems))
        self._expr = parse(self.value, "value")
        return self

    @property
    def expression(self) -> Expression:
        """The parsed ``value`` expression."""
        # read from pydantic's dict of private attributes: `self._expr` goes through
        # BaseModel.__getattr__ (~1 us), and a check of 100 indicators reads this ~500 times
        private = self.__pydantic_private__
        assert private is not None
        expr = private["_expr"]
        if expr is None:
            expr = private["_expr"] = parse(self.value, "value")
        return expr

    @property
    def gate(self) -> Expression | None:
        """The parsed ``only_if`` condition, if the indicator has one."""
        if self.only_if is None:
            return None
        if self._gate is None:
            self._gate = parse(self.only_if, "when")
        return self._gate
