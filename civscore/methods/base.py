"""What a scoring method is (contract section 3): one object holding everything the method means.

A method module subclasses :class:`Method` and registers one instance with
:func:`civscore.methods.registry.register`. The rest of civscore asks the registry, never the
method's name: the rubric model for the keys and their rules, validation for the kind of data
read and the values allowed, the engine for points, explain for the rule text, gaps for the next
step of the 整改清单, compare for the rule summary, evidence for the thresholds.

Methods sit below the rubric model (the model validates indicators through them), so they see an
indicator through :class:`IndicatorLike`, the part of :class:`civscore.rubric.model.Indicator`
they read, and raw rubric mappings through :func:`number_at`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeVar

import numpy as np
import pandas as pd

from civscore.words import fmt_all, fmt_points, quantity_label, say

if TYPE_CHECKING:  # methods load while the rubric package does (the model validates through them)
    from civscore.rubric.expr import Expression

# The kind of data a method reads from a bare column: numbers, yes/no, or text labels.
Reads = Literal["number", "boolean", "text"]
# numbers as float64 (NaN missing); a bare text column as an object array or a pandas Categorical
Values = np.ndarray | pd.Categorical
# A next step over units: op ('>=', '<=', '==', '<', '>' or '' when none earns more), target,
# after (the indicator's points after the step) and text (the step in words, without the gain)
Steps = dict[str, np.ndarray]
T = TypeVar("T")


class BandLike(Protocol):
    """The part of :class:`civscore.rubric.model.Band` a method reads."""

    @property
    def at_least(self) -> float | None: ...
    @property
    def at_most(self) -> float | None: ...
    @property
    def points(self) -> float: ...
    @property
    def threshold(self) -> float: ...


class IndicatorLike(Protocol):
    """The part of :class:`civscore.rubric.model.Indicator` a method reads."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def points(self) -> float: ...
    @property
    def zero(self) -> float | None: ...
    @property
    def full(self) -> float | None: ...
    @property
    def bands(self) -> Sequence[BandLike] | None: ...
    @property
    def otherwise(self) -> float | None: ...
    @property
    def per_item(self) -> float | None: ...
    @property
    def map(self) -> Mapping[str, float] | None: ...
    @property
    def expression(self) -> Expression: ...


class Method:
    """One scoring method. Subclasses set the class attributes and implement the hooks."""

    name: ClassVar[str]
    # its row in contract section 3's table: messages and documents list the methods in this order
    order: ClassVar[int]
    needs: ClassVar[frozenset[str]] = frozenset()  # rubric keys the method requires
    accepts: ClassVar[frozenset[str]] = frozenset()  # optional rubric keys
    reads: ClassVar[Reads] = "number"
    # the keys of one indicator under this method (points included): documents and the
    # registry's contract test (tests/test_registries.py) use it
    example: ClassVar[dict[str, Any]] = {}

    @property
    def keys(self) -> frozenset[str]:
        """Every rubric key of this method."""
        return self.needs | self.accepts

    def check(self, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The method's own rules on an indicator's keys, as (key, message) pairs.

        ``raw`` is the indicator as written (a mapping of possibly malformed values) or a
        validated indicator's fields; the keys it needs are present.
        """
        return []

    def points(self, values: Values, ind: IndicatorLike, out: np.ndarray | None = None) -> np.ndarray:
        """Points per unit, NaN where the value is missing (vectorised over units).

        ``out``: a float64 array of ``len(values)`` (a column of the engine's points matrix)
        to write the points into, and return; without it a fresh array is returned. Both give
        the same bits: the engine writes every method's points straight into its matrix, so a
        units x indicators run makes no column-sized temporaries (issue 16).
        """
        raise NotImplementedError

    def value_rule(self, ind: IndicatorLike) -> str | None:
        """The rule the method puts on its values, as a data problem states it (None: no rule)."""
        return None

    def invalid(self, values: Values, ind: IndicatorLike) -> np.ndarray:
        """Per unit, whether the value breaks :meth:`value_rule` (missing values never do)."""
        return np.zeros(len(values), dtype=bool)

    def rule_text(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> np.ndarray:
        """The rule that produced each unit's points for a present value, e.g. '≥ 80 → 3 of 4'."""
        raise NotImplementedError

    def next_step(self, ind: IndicatorLike, values: pd.Series, earned: np.ndarray) -> Steps:
        """The smallest change of the value that earns more than ``earned`` (see :data:`Steps`).

        A missing value is treated as the worst value, so its step is the first that earns more.
        """
        raise NotImplementedError

    def step_note(self, ind: IndicatorLike, values: pd.Series) -> np.ndarray | None:
        """A note for the 整改清单 when part of a step earns nothing (None: no note)."""
        return None

    def summary(self, ind: IndicatorLike) -> str:
        """The rule in a few words, for comparing two rubric versions."""
        raise NotImplementedError

    def thresholds(self, ind: Any) -> list[float]:
        """The values at which points change (an indicator object or a raw mapping)."""
        return []

    def labels(self, ind: IndicatorLike) -> Collection[str]:
        """The text labels a method that reads text gives points to (none for other methods)."""
        return ()


# --- helpers the methods share ------------------------------------------------------------------


def given(value: T | None, ind: IndicatorLike, key: str) -> T:
    """A parameter the indicator's method needs: the rubric model guarantees it is set."""
    if value is None:
        raise ValueError(f"indicator {ind.id!r}: method {ind.method} needs `{key}`")
    return value


def output(out: np.ndarray | None, n: int) -> np.ndarray:
    """Where :meth:`Method.points` writes: ``out``, or a fresh float64 array of ``n``."""
    return np.empty(n) if out is None else out


def lookup(table: list[float], index: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``table[index]`` as float64 (into ``out``): points picked by a small integer per unit.

    Branch-free: writing points through boolean masks (``out[met] = p``) costs ~10 ns a cell
    when the mask is random, a table lookup ~1 ns (issue 16). Exactly the table's numbers.
    """
    return np.take(np.array(table, dtype=float), index.astype(np.intp, copy=False), out=output(out, len(index)))


def number(x: Any) -> float | None:
    """A rubric value as a float, None if it is not a plain number (the model reports those)."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return None
    try:
        return float(x)
    except OverflowError:  # an integer of hundreds of digits: the model itself reports it
        return None


def field(obj: Any, key: str) -> Any:
    """``obj[key]`` of a raw mapping or ``obj.key`` of a model (None when absent)."""
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def number_at(obj: Any, key: str) -> float | None:
    """:func:`field` as :func:`number` reads it."""
    return number(field(obj, key))


def outside_points(what: str, points: float) -> str:
    """``what`` (points, or a label and its points) lies outside [0, the indicator's points]."""
    return say(f"{what} 超出范围 [0, points={points:g}]", f"{what} is outside [0, points={points:g}]")


def outside(label: str, p: float | None, P: float | None) -> list[tuple[str, str]]:
    """The problem of points ``p`` outside [0, P], if any (a message names ``label``)."""
    if P is not None and p is not None and not 0 <= p <= P:
        return [(label, outside_points(f"{p:g}", P))]
    return []


def earned_of(earned: np.ndarray, P: float) -> np.ndarray:
    """'3/4 分' ('3 of 4' in English) per unit: the points earned of the indicator's points."""
    text = np.char.add(fmt_all(earned, 2).astype(str), say("/", " of "))
    return np.char.add(text, say(f"{fmt_points(P)} 分", fmt_points(P)))


def head(ind: IndicatorLike) -> str:
    """How a step names the quantity: the column, or 'expression =' for a computed value."""
    q = quantity_label(ind.value)
    return f"{q} " if ind.expression.is_bare_column else f"{q} = "


def value_text(values: pd.Series) -> np.ndarray:
    """Each unit's value as text ('缺失' when missing)."""
    return fmt_all(values.astype(object).where(values.notna(), None))


def no_steps(n: int) -> Steps:
    """Steps for ``n`` units, none of which earns more yet."""
    return dict(
        op=np.full(n, "", dtype=object),
        target=np.full(n, None, dtype=object),
        after=np.full(n, np.nan),
        text=np.full(n, "", dtype=object),
    )


# the "no value" of np.where(cond, x, NONE): an object scalar, so the result is an object array
# holding x's values and None (numpy's stubs do not take a bare None there)
NONE = np.array(None, dtype=object)
EPS = 1e-9


class PerItem(Method):
    """What deduction and count share: `per_item` points per item, and a count of items >= 0."""

    needs = frozenset({"per_item"})

    def value_rule(self, ind: IndicatorLike) -> str | None:
        return say(
            f"必须大于或等于 0：指标 {ind.id} 按件数计分（{ind.method}）",
            f"must be 0 or more: indicator {ind.id} counts items ({ind.method})",
        )

    def invalid(self, values: Values, ind: IndicatorLike) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.asarray(values, dtype=float) < 0
