"""Evaluating a parsed rubric expression on whole columns with NumPy (see :mod:`civscore.rubric.expr`).

Two readings of missing values: in a ``when`` (and ``only_if``) a comparison with a missing
value is false and the result is a yes/no array; in a ``value`` every operation propagates
missing (a comparison or and/or/not with a missing operand is missing, else 1 or 0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from civscore.rubric.expr import Expression, ExpressionError, Node
from civscore.words import say

ColumnGetter = Callable[[str], np.ndarray]


class PreviousMissing(ExpressionError):
    """``previous(name)`` evaluated without a previous period's table."""


def evaluate(
    expr: Expression,
    columns: Mapping[str, np.ndarray] | ColumnGetter,
    n: int,
    previous: Mapping[str, np.ndarray] | ColumnGetter | None = None,
) -> np.ndarray:
    """Evaluate on whole columns.

    Numbers come back as float64 with NaN for missing (missing cells, division by zero, overflow);
    in a ``value`` a condition counts 1.0 / 0.0 and is NaN when an operand is missing. A ``when``
    comes back as a bool array where any comparison with a missing value is false. Text columns
    are object arrays with None for missing. ``previous`` gives the columns of the previous
    period's unit table, aligned to the same units (NaN / None where a unit is absent there).
    """
    get = columns if callable(columns) else columns.__getitem__
    if previous is None:
        get_previous: ColumnGetter | None = None
    else:
        get_previous = previous if callable(previous) else previous.__getitem__
    if expr.uses_previous and get_previous is None:
        names = ", ".join(f"previous({c})" for c in expr.previous_columns)
        raise PreviousMissing(
            say(
                f"使用了 {names}，需要上一期的单位数据表（命令行 --previous 文件，Python 中 previous=）",
                f"uses {names}, which needs the previous period's unit table "
                "(--previous FILE on the command line, previous= in Python)",
            )
        )
    with np.errstate(all="ignore"):
        out = _Evaluator(get, get_previous, n, strict=expr.context == "value").run(expr.root)
    if expr.context == "when":
        return _truthy(out)
    if isinstance(out, np.ndarray) and out.dtype == bool:  # a condition: 1 / 0
        return out.astype(float)
    return out


class _Evaluator:
    """One pass over the tree. ``strict`` (a ``value``): conditions propagate missing as NaN."""

    def __init__(self, get: ColumnGetter, get_previous: ColumnGetter | None, n: int, strict: bool):
        self.get = get
        self.get_previous = get_previous
        self.n = n
        self.strict = strict

    def run(self, node: Node):
        op = node.op
        n = self.n
        if op == "col":
            return self.get(str(node.name))
        if op == "previous":
            assert self.get_previous is not None  # evaluate() refuses previous() without the table
            return self.get_previous(str(node.name))
        if op == "num":
            return np.full(n, node.const, dtype=float)
        if op == "str":
            return node.const
        if op == "neg":
            return -_as_float(self.run(node.args[0]))
        if op in ("+", "-", "*"):
            a, b = (_as_float(self.run(x)) for x in node.args)
            out = a + b if op == "+" else a - b if op == "-" else a * b
            return _finite_or_nan(out)
        if op == "/":
            a, b = (_as_float(self.run(x)) for x in node.args)
            out = np.divide(a, b)
            out[b == 0] = np.nan
            return _finite_or_nan(out)
        if op in ("min", "max"):
            # np.minimum / np.maximum propagate NaN: missing if any argument is missing
            parts = [_as_float(self.run(x)) for x in node.args]
            return (np.minimum if op == "min" else np.maximum).reduce(parts)
        if op == "abs":
            return np.abs(_as_float(self.run(node.args[0])))
        if op in ("and", "or", "not"):
            return self._logic(op, [self.run(x) for x in node.args])
        result, present = _compare(op, self.run(node.args[0]), self.run(node.args[1]), n)
        if self.strict:
            return np.where(present, result.astype(float), np.nan)
        return result & present

    def _logic(self, op: str, parts: list) -> np.ndarray:
        truth = [_truthy(p) for p in parts]
        if op == "and":
            out = np.logical_and.reduce(truth)
        elif op == "or":
            out = np.logical_or.reduce(truth)
        else:
            out = ~truth[0]
        if not self.strict:
            return out
        missing = np.logical_or.reduce([_missing(p) for p in parts])
        return np.where(missing, np.nan, out.astype(float))


def _missing(x) -> np.ndarray:
    if isinstance(x, str):
        raise ExpressionError(say(f"把文本 {x!r} 当作条件使用", f"uses the text {x!r} as a condition"))
    if x.dtype == bool:
        return np.zeros(x.shape, bool)
    return np.isnan(x)


def _compare(op: str, a, b, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(result, both operands present); the result is meaningful only where present."""
    if isinstance(a, str) or isinstance(b, str):
        col, lit = (b, a) if isinstance(a, str) else (a, b)
        if isinstance(col, str):  # two literals
            same = np.full(n, col == lit)
            return (same if op == "==" else ~same), np.ones(n, bool)
        present = pd.notna(col) if col.dtype == object else ~np.isnan(col)
        present = np.asarray(present, dtype=bool)
        equal = np.asarray(col == lit, dtype=bool)
        return (equal if op == "==" else ~equal), present
    a, b = _as_float(a), _as_float(b)
    result = {
        ">": np.greater,
        ">=": np.greater_equal,
        "<": np.less,
        "<=": np.less_equal,
        "==": np.equal,
        "!=": np.not_equal,
    }[op](a, b)
    return result, ~np.isnan(a) & ~np.isnan(b)


def _as_float(x) -> np.ndarray:
    if isinstance(x, str):
        raise ExpressionError(say(f"在算术运算中使用了文本 {x!r}", f"uses the text {x!r} in arithmetic"))
    if x.dtype == bool:
        return x.astype(float)
    if x.dtype == object:
        raise ExpressionError(say("在算术运算中使用了文本列", "uses a text column in arithmetic"))
    return x


def _truthy(x) -> np.ndarray:
    """Yes/no of a value: true only when present and non-zero."""
    if isinstance(x, str):
        raise ExpressionError(say(f"把文本 {x!r} 当作条件使用", f"uses the text {x!r} as a condition"))
    if x.dtype == bool:
        return x
    return np.nan_to_num(x, nan=0.0) != 0


def _finite_or_nan(x: np.ndarray) -> np.ndarray:
    x[~np.isfinite(x)] = np.nan
    return x
