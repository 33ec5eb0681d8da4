"""The typed rubric model (rubric-contract section 1), with every per-item rule of the contract.

Checks that need the whole file (unique ids, points adding up) live in :mod:`civscore.rubric.load`
so that they run even when some item is malformed.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from civscore.methods.registry import method_of
from civscore.rubric.expr import Expression, parse_or_explain
from civscore.rubric.expr import parse_once as parse
from civscore.rubric.indicator import ID_PATTERN, Band, Indicator, MissingPolicy, Strict
from civscore.rubric.records import Measure, RecordTable
from civscore.words import say

__all__ = [
    "Band",
    "Bonus",
    "CapEffect",
    "DeductEffect",
    "Dimension",
    "Indicator",
    "Rubric",
    "Tier",
    "Unit",
    "Veto",
    "is_close",
]

# (rubric, method, arguments) -> (the rubric, the answer) while facts_once() runs; the rubric is
# held so that its id is not reused by another one meanwhile
_FACTS: ContextVar[dict[tuple, tuple[Any, Any]] | None] = ContextVar("civscore rubric facts", default=None)
_Fact = TypeVar("_Fact", bound=Callable[..., Any])


@contextmanager
def facts_once() -> Iterator[None]:
    """Inside, each rubric works out what its expressions read (:meth:`Rubric.column_uses`,
    :meth:`Rubric.arithmetic_columns`, :meth:`Rubric.label_columns`) once, however often it is
    asked: a check asks from several steps, and each walk of every expression is ~0.5 ms for
    100 indicators (issue 16). Outside, every call walks them again, so a rubric changed between
    two checks is never answered from the walk of the first."""
    if _FACTS.get() is not None:
        yield
        return
    token = _FACTS.set({})
    try:
        yield
    finally:
        _FACTS.reset(token)


def _fact(method: _Fact) -> _Fact:
    """``method``'s answer kept while :func:`facts_once` runs; each caller gets its own copy."""

    @functools.wraps(method)
    def kept(self: Any, *args: Any, **kwargs: Any) -> Any:
        memo = _FACTS.get()
        if memo is None:
            return method(self, *args, **kwargs)
        key = (id(self), method.__name__, args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = (self, method(self, *args, **kwargs))
        return copy.copy(memo[key][1])

    return kept  # type: ignore[return-value]


class Dimension(Strict):
    """A group of indicators (一级/二级指标); may nest."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    name: str
    description: str | None = None
    weight: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None,
        description="Top-level dimensions only, on every one or none: the dimension's share of "
        "total_points (e.g. 材料审核 40 / 实地考察 40 / 问卷调查 20); the weights add up to "
        "total_points and the indicator points inside need not.",
    )
    indicators: list[Indicator] = Field(default_factory=list)
    dimensions: list[Dimension] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> Dimension:
        if not self.indicators and not self.dimensions:
            raise ValueError(
                say(
                    "维度需要 `indicators`、`dimensions`，或两者都有",
                    "a dimension needs `indicators`, `dimensions`, or both",
                )
            )
        return self

    def iter_indicators(self, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Indicator]]:
        """Yield (dimension path, indicator) for every indicator under this dimension."""
        here = path + (self.id,)
        for ind in self.indicators:
            yield here, ind
        for sub in self.dimensions:
            yield from sub.iter_indicators(here)


class CapEffect(Strict):
    cap: Annotated[float, Field(ge=0, allow_inf_nan=False)]


class DeductEffect(Strict):
    deduct: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Veto(Strict):
    """A one-vote veto (一票否决), gate or penalty."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    name: str
    when: str = Field(description="Condition over data columns (rubric-contract section 2).")
    effect: Literal["fail"] | CapEffect | DeductEffect
    description: str | None = None

    _expr: Expression | None = PrivateAttr(None)

    @field_validator("when")
    @classmethod
    def _when_parses(cls, v: str) -> str:
        parse_or_explain(v, "when")
        return v

    @field_validator("effect", mode="wrap")
    @classmethod
    def _effect_words(cls, v: Any, handler: Any) -> Any:
        try:
            return handler(v)
        except Exception:
            raise ValueError(
                say(
                    f"effect 必须是 `fail`、`{{cap: N}}`（N >= 0）或 `{{deduct: N}}`（N > 0），不能是 {v!r}",
                    f"effect must be `fail`, `{{cap: N}}` (N >= 0) or `{{deduct: N}}` (N > 0), not {v!r}",
                )
            ) from None

    @property
    def expression(self) -> Expression:
        if self._expr is None:
            self._expr = parse(self.when, "when")
        return self._expr

    @property
    def kind(self) -> str:
        """'fail', 'cap' or 'deduct'."""
        return "fail" if self.effect == "fail" else "cap" if isinstance(self.effect, CapEffect) else "deduct"


class Tier(Strict):
    name: str
    min: Annotated[float, Field(allow_inf_nan=False)]


class Bonus(Strict):
    """Characteristic indicators (特色指标), added on top of the base under a cap."""

    cap: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    indicators: list[Indicator] = Field(min_length=1)


class Unit(Strict):
    id_column: str = Field(min_length=1)
    name_column: str | None = None
    group_columns: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct(self) -> Unit:
        cols = [c for c in (self.id_column, self.name_column, *self.group_columns) if c]
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            raise ValueError(
                say(f"列被指定了不止一次：{'、'.join(dup)}", f"columns named more than once: {', '.join(dup)}")
            )
        return self


class Rubric(Strict):
    """A creation indicator system (测评体系) loaded from YAML."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    name: str
    version: str
    description: str | None = None
    unit: Unit
    total_points: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    missing: MissingPolicy = "zero"
    tiers: list[Tier] = Field(default_factory=list)
    veto_tier: str | None = None
    dimensions: list[Dimension] = Field(min_length=1)
    bonus: Bonus | None = None
    vetoes: list[Veto] = Field(default_factory=list)
    records: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")], RecordTable] = Field(
        default_factory=dict, description="record tables (many rows per unit), rubric-contract section 8"
    )
    measures: list[Measure] = Field(default_factory=list, description="unit-level aggregates of record tables")

    _path: str | None = PrivateAttr(None)
    _sha256: str | None = PrivateAttr(None)

    @field_validator("tiers")
    @classmethod
    def _tier_order(cls, tiers: list[Tier]) -> list[Tier]:
        mins = [t.min for t in tiers]
        if any(b >= a for a, b in itertools.pairwise(mins)):
            raise ValueError(
                say(
                    "tiers 必须从高到低排列，`min` 严格递减",
                    "tiers must be listed highest first with strictly decreasing `min`",
                )
            )
        names = [t.name for t in tiers]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(
                say(f"等级名称重复：{'、'.join(dup)}", f"tier names used more than once: {', '.join(dup)}")
            )
        return tiers

    @field_validator("veto_tier")
    @classmethod
    def _veto_tier_known(cls, veto_tier: str | None, info: ValidationInfo) -> str | None:
        # a field validator (tiers are checked first) so that the message points at veto_tier's line
        tiers = info.data.get("tiers")
        if veto_tier is not None and tiers is not None and veto_tier not in {t.name for t in tiers}:
            raise ValueError(
                say(
                    f"veto_tier {veto_tier!r} 不是 tiers 中的等级（{'、'.join(t.name for t in tiers)}）",
                    f"veto_tier {veto_tier!r} is not one of the tiers ({', '.join(t.name for t in tiers)})",
                )
            )
        return veto_tier

    # --- views used by the engine -------------------------------------------------------------

    @property
    def sha256(self) -> str | None:
        """The SHA-256 of the rubric file's bytes as loaded (None for a rubric built in code)."""
        return self._sha256

    @property
    def path(self) -> str | None:
        """The file the rubric was loaded from, if any."""
        return self._path

    def base_indicators(self) -> list[tuple[tuple[str, ...], Indicator]]:
        """(dimension path, indicator) for every base indicator, in file order."""
        return [pair for dim in self.dimensions for pair in dim.iter_indicators()]

    def bonus_indicators(self) -> list[Indicator]:
        return list(self.bonus.indicators) if self.bonus else []

    def iter_indicators(self) -> Iterator[Indicator]:
        """Every indicator, base then bonus."""
        for _, ind in self.base_indicators():
            yield ind
        yield from self.bonus_indicators()

    def measure_ids(self) -> list[str]:
        """The ids of the measures, which expressions read as unit-table columns."""
        return [m.id for m in self.measures]

    def missing_policy(self, indicator: Indicator) -> str:
        return indicator.missing or self.missing

    @property
    def weighted(self) -> bool:
        """True when the top-level dimensions carry weights (contract section 9)."""
        return any(d.weight is not None for d in self.dimensions)

    def dimension_weights(self) -> dict[str, float]:
        """Top-level dimension id -> weight; empty when the rubric is not weighted."""
        if not self.weighted:
            return {}
        return {d.id: float(d.weight or 0.0) for d in self.dimensions}

    def dimension_points(self) -> dict[str, float]:
        """Top-level dimension id -> P_d, the points of all its indicators."""
        out = {d.id: 0.0 for d in self.dimensions}
        for path, ind in self.base_indicators():
            out[path[0]] += ind.points
        return out

    def gates(self) -> list[tuple[Indicator, Expression]]:
        """Every indicator with an ``only_if``, and its parsed condition."""
        return [(ind, ind.gate) for ind in self.iter_indicators() if ind.gate is not None]

    def uses_previous(self) -> bool:
        """True when some expression reads the previous period's table (``previous(name)``)."""
        return any(expr.uses_previous for expr in self._expressions())

    def previous_columns(self) -> dict[str, set[str]]:
        """Every column read through ``previous(name)``, with the kinds of value needed."""
        kinds: dict[str, set[str]] = {}
        for expr in self._expressions():
            for col, ks in expr.previous_columns.items():
                kinds.setdefault(col, set()).update(ks)
        return kinds

    @_fact
    def arithmetic_columns(self, previous: bool = False) -> set[str]:
        """Columns that are operands of arithmetic somewhere (yes/no data count 1 / 0 there)."""
        out: set[str] = set()
        for expr in self._expressions():
            out |= expr.previous_arithmetic if previous else expr.arithmetic
        return out

    @_fact
    def label_columns(self, label: str) -> set[str]:
        """Columns where ``label`` (e.g. 不适用) is read as a label of its own: read bare by a
        categorical indicator whose map has it, or compared with it as text (``g == "不适用"``)."""
        out = {
            str(ind.expression.bare_column)
            for ind in self.iter_indicators()
            if ind.expression.bare_column and label in method_of(ind).labels(ind)
        }
        for expr in self._expressions():
            out |= _compared_with(expr.root, label)
        return out

    def _expressions(self) -> Iterator[Expression]:
        for ind in self.iter_indicators():
            yield ind.expression
            if ind.gate is not None:
                yield ind.gate
        for veto in self.vetoes:
            yield veto.expression

    @property
    def effective_veto_tier(self) -> str:
        """Tier given to a unit failed by a veto: `veto_tier`, else the last tier, else empty."""
        if self.veto_tier is not None:
            return self.veto_tier
        return self.tiers[-1].name if self.tiers else ""

    @property
    def bonus_cap(self) -> float:
        return self.bonus.cap if self.bonus else 0.0

    @_fact
    def column_uses(self) -> list[tuple[str, str, str]]:
        """(column, kind of value needed, indicator or veto id) for every column an expression reads.

        A column read bare by an indicator takes the kind of data its method reads (yes/no for
        boolean, text for categorical); everything else read by a `value` needs numbers.
        """
        uses: list[tuple[str, str, str]] = []
        for ind in self.iter_indicators():
            expr = ind.expression
            col = expr.bare_column
            reads = method_of(ind).reads
            if col is not None and reads != "number":
                uses.append((col, reads, ind.id))
                continue
            uses.extend((c, k, ind.id) for c, ks in expr.columns.items() for k in ks)
        for ind, gate in self.gates():
            uses.extend((c, k, ind.id) for c, ks in gate.columns.items() for k in ks)
        for veto in self.vetoes:
            uses.extend((c, k, veto.id) for c, ks in veto.expression.columns.items() for k in ks)
        return uses

    def columns(self) -> dict[str, set[str]]:
        """Every data column the rubric's expressions read, with the kinds of value needed."""
        kinds: dict[str, set[str]] = {}
        for col, kind, _ in self.column_uses():
            kinds.setdefault(col, set()).add(kind)
        return kinds


Dimension.model_rebuild()


def _compared_with(node: Any, literal: str) -> set[str]:
    """Columns compared with the text ``literal`` (== or !=) anywhere under ``node``."""
    out: set[str] = set()
    if node.op in ("==", "!=") and any(a.op == "str" and a.const == literal for a in node.args):
        out |= {str(a.name) for a in node.args if a.op == "col"}
    for arg in node.args:
        out |= _compared_with(arg, literal)
    return out


def is_close(a: float, b: float) -> bool:
    """Points compared as an analyst would add them up by hand."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
