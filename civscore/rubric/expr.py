"""Safe rubric expressions: a whitelist over Python's own grammar, compiled to column arithmetic.

An expression (an indicator's ``value``, a veto's ``when``, an ``only_if``) is parsed with
:mod:`ast` and then rebuilt node by node into a small tree of our own. Only the node kinds of
rubric-contract sections 2 and 9 survive; anything else is reported as a problem. The tree is
evaluated on whole columns with NumPy and never reaches ``eval``.

The tree's operations (``Node.op``): ``col`` (a column; ``name``), ``num`` / ``str`` (a literal;
``const``), ``+ - * /``, ``neg``, the comparisons ``> >= < <= == !=``, ``and or not``, and the
calls of section 9: ``min`` / ``max`` (two or more operands), ``abs`` (one) and ``previous``
(no operands; ``name`` is the column read from the previous period's unit table).

Two readings of missing values: in a ``when`` (and ``only_if``) a comparison with a missing
value is false and the result is a yes/no array; in a ``value`` every operation propagates
missing (a comparison or and/or/not with a missing operand is missing, else 1 or 0), so that
"a missing cell in any name used makes the value missing" holds for conditions inside values too.

Column names written in backticks may contain any character except a backtick; they are swapped
for private placeholder identifiers before parsing and swapped back afterwards.
"""

from __future__ import annotations

import ast
import functools
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from civscore.words import say

Kind = Literal["number", "boolean", "text"]

_BACKTICK = re.compile(r"`([^`]*)`")
_PLACEHOLDER = "_civscore_col_{}_"
MAX_EXPRESSION_LENGTH = 2000
MAX_DEPTH = 200


class ExpressionError(ValueError):
    """An expression that cannot be parsed or uses syntax outside the whitelist."""


@dataclass(frozen=True)
class Node:
    """A parsed expression node; ``op`` names what it does, ``args`` are its operands."""

    op: str
    args: tuple = ()
    name: str | None = None  # for op == "col" / "previous"
    const: float | str | None = None  # for op == "num" / "str"


@dataclass
class Expression:
    """A checked expression: its source, its tree and the columns it reads, each with a kind."""

    source: str
    root: Node
    context: Literal["value", "when"]
    columns: dict[str, set[Kind]] = field(default_factory=dict)
    # columns read through previous(name), from the previous period's unit table, with their kinds
    previous_columns: dict[str, set[Kind]] = field(default_factory=dict)
    # columns (of either table) that are operands of arithmetic: yes/no data count 1/0 there
    arithmetic: set[str] = field(default_factory=set)
    previous_arithmetic: set[str] = field(default_factory=set)

    @property
    def is_bare_column(self) -> bool:
        """True when the expression is nothing but one column name."""
        return self.root.op == "col"

    @property
    def bare_column(self) -> str | None:
        return self.root.name if self.root.op == "col" else None

    @property
    def uses_previous(self) -> bool:
        """True when the expression reads the previous period's table (``previous(name)``)."""
        return bool(self.previous_columns)


_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
CONDITION_OPS = frozenset({">", ">=", "<", "<=", "==", "!=", "and", "or", "not"})
NUMBER_OPS = frozenset({"+", "-", "*", "/", "neg", "num", "min", "max", "abs"})
FUNCTIONS = ("min", "max", "abs", "previous")
_FORBIDDEN_WORDS = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[b])",
    ast.Lambda: "lambda",
    ast.IfExp: "if/else",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.NamedExpr: ":=",
    ast.Starred: "*",
    ast.JoinedStr: "f-strings",
    ast.Await: "await",
}


def parse(source: str, context: Literal["value", "when"]) -> Expression:
    """Parse ``source`` as a ``value`` or ``when`` expression; raise ExpressionError if not allowed."""
    if not isinstance(source, str):
        raise ExpressionError("must be an expression written as text")
    if not source.strip():
        raise ExpressionError("is empty")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"is longer than {MAX_EXPRESSION_LENGTH} characters")
    if source.count("`") % 2:
        raise ExpressionError("has an unclosed backtick")
    quoted: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        if not name.strip():
            raise ExpressionError("has an empty backtick-quoted name")
        placeholder = _PLACEHOLDER.format(len(quoted))
        quoted[placeholder] = name
        return placeholder

    text = _BACKTICK.sub(swap, source)
    if _PLACEHOLDER.split("{")[0] in _BACKTICK.sub("", source):
        raise ExpressionError("uses a reserved name")
    try:
        with warnings.catch_warnings():  # "1and x" only warns in Python; here it is an error, not noise
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at character {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"is not a valid expression{where}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("is not a valid expression") from None
    builder = _Builder(text.strip(), quoted, context)
    root = builder.build(tree.body, 0)
    expr = Expression(source=source, root=root, context=context)
    _infer_kinds(root, "boolean" if context == "when" else "number", expr, arith=False)
    if context == "when" and root.op in NUMBER_OPS:
        raise ExpressionError("must be a condition (a comparison, and/or/not, or a yes/no column)")
    if context == "value" and root.op == "str":
        raise ExpressionError(
            say(
                "文本字面量只能用在比较（== 或 !=）中",
                "text literals are only allowed in comparisons (== or !=)",
            )
        )
    _text_only_in_equality(root)
    return expr


def _text_only_in_equality(node: Node) -> None:
    """A text literal may only be an operand of == or != (else scoring would fail later)."""
    if node.op == "str":
        raise ExpressionError(
            f"uses the text {node.const!r} outside a comparison; text can only be compared with == or !="
        )
    for arg in node.args:
        if not (arg.op == "str" and node.op in ("==", "!=")):
            _text_only_in_equality(arg)


class _Builder:
    def __init__(self, text: str, quoted: dict[str, str], context: str):
        self.text = text
        self.quoted = quoted
        self.context = context
        self._bytes = text.encode("utf-8")

    def build(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"is nested more than {MAX_DEPTH} levels deep")
        d = depth + 1
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or value is None:
                raise ExpressionError(
                    f"uses {value!r}, which is not allowed; a column with that name must be written in backticks"
                )
            if isinstance(value, (int, float)):
                try:
                    number = float(value)
                except OverflowError:  # an integer literal of 400 digits
                    number = math.inf
                if not math.isfinite(number):
                    raise ExpressionError(f"uses the number {self._src(node)}, which is too large")
                return Node("num", const=number)
            if isinstance(value, str):
                return Node("str", const=value)
            raise ExpressionError(f"uses a literal of a kind that is not allowed: {self._src(node)}")
        if isinstance(node, ast.Name):
            return Node("col", name=self._column_name(node))
        if isinstance(node, ast.BinOp):
            op = _ARITH.get(type(node.op))
            if op is None:
                raise ExpressionError(f"uses an operator that is not allowed: {self._src(node)} (allowed: + - * /)")
            return Node(op, (self.build(node.left, d), self.build(node.right, d)))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return Node("neg", (self.build(node.operand, d),))
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand, d)
            if isinstance(node.op, ast.Not):
                return Node("not", (self.build(node.operand, d),))
            raise ExpressionError(f"uses an operator that is not allowed: {self._src(node)}")
        if isinstance(node, ast.Compare):
            for op_node in node.ops:
                if type(op_node) not in _COMPARE:
                    raise ExpressionError(
                        f"uses a comparison that is not allowed: {self._src(node)} (allowed: > >= < <= == !=)"
                    )
            parts: list[Node] = []
            left = self.build(node.left, d)
            for op_node, right_node in zip(node.ops, node.comparators):
                op = _COMPARE[type(op_node)]
                right = self.build(right_node, d)
                if "str" in (left.op, right.op) and op not in ("==", "!="):
                    raise ExpressionError(f"compares text with {op}; text can only be compared with == or !=")
                parts.append(Node(op, (left, right)))
                left = right
            return parts[0] if len(parts) == 1 else Node("and", tuple(parts))
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return Node(op, tuple(self.build(v, d) for v in node.values))
        if isinstance(node, ast.Call):
            return self._call(node, d)
        for kind, words in _FORBIDDEN_WORDS.items():
            if isinstance(node, kind):
                raise ExpressionError(f"uses {words}, which rubric expressions do not allow: {self._src(node)}")
        raise ExpressionError(f"uses syntax that rubric expressions do not allow: {self._src(node)}")

    def _call(self, node: ast.Call, d: int) -> Node:
        """min / max / abs / previous (section 9); every other call stays a rubric error."""
        func = node.func
        name = func.id if isinstance(func, ast.Name) and func.id not in self.quoted else None
        if name not in FUNCTIONS:
            raise ExpressionError(
                say(
                    f"使用了不允许的函数：{self._src(node)}（只允许 min、max、abs、previous）",
                    f"uses a function that is not allowed: {self._src(node)} (allowed: min, max, abs, previous)",
                )
            )
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(
                say(
                    f"{name}() 只接受逐个写出的参数：{self._src(node)}",
                    f"{name}() takes its arguments written out one by one: {self._src(node)}",
                )
            )
        count = len(node.args)
        if name in ("min", "max") and count < 2:
            raise ExpressionError(
                say(
                    f"{name}() 至少需要两个参数：{self._src(node)}",
                    f"{name}() needs two or more arguments: {self._src(node)}",
                )
            )
        if name in ("abs", "previous") and count != 1:
            raise ExpressionError(
                say(
                    f"{name}() 只接受一个参数：{self._src(node)}",
                    f"{name}() takes exactly one argument: {self._src(node)}",
                )
            )
        if name == "previous":
            arg = node.args[0]
            if not isinstance(arg, ast.Name):
                raise ExpressionError(
                    say(
                        f"previous() 的参数必须是一个列名：{self._src(node)}",
                        f"previous() takes a column name: {self._src(node)}",
                    )
                )
            return Node("previous", name=self._column_name(arg))
        return Node(name, tuple(self.build(a, d) for a in node.args))

    def _column_name(self, node: ast.Name) -> str:
        if node.id in self.quoted:
            return self.quoted[node.id]
        # ast normalises identifiers (NFKC); take the name exactly as the user typed it.
        original = self._src(node)
        return original if original.isidentifier() else node.id

    def _src(self, node: ast.AST) -> str:
        # byte offsets into UTF-8; nodes without them are shown unparsed
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        try:
            snippet = self._bytes[start:end].decode("utf-8") if start is not None else ast.unparse(node)
        except (TypeError, UnicodeDecodeError):
            snippet = ast.unparse(node)
        for placeholder, name in self.quoted.items():
            snippet = snippet.replace(placeholder, f"`{name}`")
        return snippet


def _infer_kinds(node: Node, want: Kind, expr: Expression, arith: bool) -> None:
    """Record, for each column, the kinds of value the expression needs from it, and which
    columns are operands of arithmetic (where a yes/no column counts 1 / 0)."""
    op = node.op
    if op in ("col", "previous"):
        name = str(node.name)
        current = op == "col"
        (expr.columns if current else expr.previous_columns).setdefault(name, set()).add(want)
        if arith:
            (expr.arithmetic if current else expr.previous_arithmetic).add(name)
    elif op in ("and", "or", "not"):
        for arg in node.args:
            _infer_kinds(arg, "boolean", expr, arith=False)
    elif op in ("==", "!="):
        left, right = node.args
        text_side = "str" in (left.op, right.op)
        for arg in node.args:
            _infer_kinds(arg, "text" if text_side else "number", expr, arith=False)
    elif op in (">", ">=", "<", "<="):
        for arg in node.args:
            _infer_kinds(arg, "number", expr, arith=False)
    else:  # + - * / neg min max abs
        for arg in node.args:
            _infer_kinds(arg, "number", expr, arith=True)


# --- evaluation -------------------------------------------------------------------------------

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
        raise ExpressionError(f"uses the text {x!r} as a condition")
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
        raise ExpressionError(f"uses the text {x!r} in arithmetic")
    if x.dtype == bool:
        return x.astype(float)
    if x.dtype == object:
        raise ExpressionError("uses a text column in arithmetic")
    return x


def _truthy(x) -> np.ndarray:
    """Yes/no of a value: true only when present and non-zero."""
    if isinstance(x, str):
        raise ExpressionError(f"uses the text {x!r} as a condition")
    if x.dtype == bool:
        return x
    return np.nan_to_num(x, nan=0.0) != 0


def _finite_or_nan(x: np.ndarray) -> np.ndarray:
    x[~np.isfinite(x)] = np.nan
    return x


# Loading checks each expression in a field validator, the model keeps it for scoring and the
# categorical method asks whether it is a bare column: one parse serves all. Expressions are not
# changed after parsing, so sharing them is safe.
parse_once = functools.lru_cache(maxsize=4096)(parse)
