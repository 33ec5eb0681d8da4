"""Safe rubric expressions: a whitelist over Python's own grammar, compiled to column arithmetic.

An expression (an indicator's ``value``, a veto's ``when``, an ``only_if``) is parsed with
:mod:`ast` and then rebuilt node by node into a small tree of our own. Only the node kinds of
rubric-contract sections 2 and 9 survive; anything else is reported as a problem. The tree is
evaluated on whole columns with NumPy (:mod:`civscore.rubric.evaluate`) and never reaches ``eval``.

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
from dataclasses import dataclass, field
from typing import Literal

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
_FORBIDDEN_WORDS = {  # (Chinese, English); a Latin word gets a space after 使用了
    ast.Attribute: ("属性访问（a.b）", "attribute access (a.b)"),
    ast.Subscript: ("下标（a[b]）", "subscripts (a[b])"),
    ast.Lambda: (" lambda", "lambda"),
    ast.IfExp: (" if/else", "if/else"),
    ast.ListComp: ("推导式", "comprehensions"),
    ast.GeneratorExp: ("推导式", "comprehensions"),
    ast.List: ("列表", "lists"),
    ast.Tuple: ("元组", "tuples"),
    ast.Dict: ("字典", "dicts"),
    ast.Set: ("集合", "sets"),
    ast.NamedExpr: (" :=", ":="),
    ast.Starred: (" *", "*"),
    ast.JoinedStr: (" f-string", "f-strings"),
    ast.Await: (" await", "await"),
}


def parse(source: str, context: Literal["value", "when"]) -> Expression:
    """Parse ``source`` as a ``value`` or ``when`` expression; raise ExpressionError if not allowed."""
    if not isinstance(source, str):
        raise ExpressionError(say("必须是以文本写出的表达式", "must be an expression written as text"))
    if not source.strip():
        raise ExpressionError(say("是空的", "is empty"))
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            say(f"超过 {MAX_EXPRESSION_LENGTH} 个字符", f"is longer than {MAX_EXPRESSION_LENGTH} characters")
        )
    if source.count("`") % 2:
        raise ExpressionError(say("有未闭合的反引号（`）", "has an unclosed backtick"))
    quoted: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        if not name.strip():
            raise ExpressionError(say("反引号中的列名是空的", "has an empty backtick-quoted name"))
        placeholder = _PLACEHOLDER.format(len(quoted))
        quoted[placeholder] = name
        return placeholder

    text = _BACKTICK.sub(swap, source)
    if _PLACEHOLDER.split("{")[0] in _BACKTICK.sub("", source):
        raise ExpressionError(say("使用了保留的名称", "uses a reserved name"))
    try:
        with warnings.catch_warnings():  # "1and x" only warns in Python; here it is an error, not noise
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = say(f"（第 {exc.offset} 个字符处）", f" at character {exc.offset}") if exc.offset else ""
        raise ExpressionError(
            say(f"不是有效的表达式{where}：{exc.msg}", f"is not a valid expression{where}: {exc.msg}")
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(say("不是有效的表达式", "is not a valid expression")) from None
    builder = _Builder(text.strip(), quoted, context)
    root = builder.build(tree.body, 0)
    expr = Expression(source=source, root=root, context=context)
    _infer_kinds(root, "boolean" if context == "when" else "number", expr, arith=False)
    if context == "when" and root.op in NUMBER_OPS:
        raise ExpressionError(
            say(
                "必须是条件（比较、and/or/not，或是/否列）",
                "must be a condition (a comparison, and/or/not, or a yes/no column)",
            )
        )
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
            say(
                f"在比较之外使用了文本 {node.const!r}；文本只能用 == 或 != 比较",
                f"uses the text {node.const!r} outside a comparison; text can only be compared with == or !=",
            )
        )
    for arg in node.args:
        if not (arg.op == "str" and node.op in ("==", "!=")):
            _text_only_in_equality(arg)


def _text_literal_outside_when() -> str:
    return say("文本常量只能出现在否决项 `when` 的比较中", "text literals are only allowed in comparisons of a `when`")


class _Builder:
    def __init__(self, text: str, quoted: dict[str, str], context: str):
        self.text = text
        self.quoted = quoted
        self.context = context
        self._bytes = text.encode("utf-8")

    def build(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(say(f"嵌套超过 {MAX_DEPTH} 层", f"is nested more than {MAX_DEPTH} levels deep"))
        d = depth + 1
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or value is None:
                raise ExpressionError(
                    say(
                        f"使用了 {value!r}，这是不允许的；同名的列必须写在反引号中",
                        f"uses {value!r}, which is not allowed; a column with that name must be written in backticks",
                    )
                )
            if isinstance(value, (int, float)):
                try:
                    number = float(value)
                except OverflowError:  # an integer literal of 400 digits
                    number = math.inf
                if not math.isfinite(number):
                    raise ExpressionError(
                        say(
                            f"使用的数字 {self._src(node)} 太大",
                            f"uses the number {self._src(node)}, which is too large",
                        )
                    )
                return Node("num", const=number)
            if isinstance(value, str):
                return Node("str", const=value)
            raise ExpressionError(
                say(
                    f"使用了不允许的常量类型：{self._src(node)}",
                    f"uses a literal of a kind that is not allowed: {self._src(node)}",
                )
            )
        if isinstance(node, ast.Name):
            return Node("col", name=self._column_name(node))
        if isinstance(node, ast.BinOp):
            op = _ARITH.get(type(node.op))
            if op is None:
                raise ExpressionError(
                    say(
                        f"使用了不允许的运算符：{self._src(node)}（允许：+ - * /）",
                        f"uses an operator that is not allowed: {self._src(node)} (allowed: + - * /)",
                    )
                )
            return Node(op, (self.build(node.left, d), self.build(node.right, d)))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return Node("neg", (self.build(node.operand, d),))
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand, d)
            if isinstance(node.op, ast.Not):
                return Node("not", (self.build(node.operand, d),))
            raise ExpressionError(
                say(
                    f"使用了不允许的运算符：{self._src(node)}",
                    f"uses an operator that is not allowed: {self._src(node)}",
                )
            )
        if isinstance(node, ast.Compare):
            for op_node in node.ops:
                if type(op_node) not in _COMPARE:
                    raise ExpressionError(
                        say(
                            f"使用了不允许的比较：{self._src(node)}（允许：> >= < <= == !=）",
                            f"uses a comparison that is not allowed: {self._src(node)} (allowed: > >= < <= == !=)",
                        )
                    )
            parts: list[Node] = []
            left = self.build(node.left, d)
            for op_node, right_node in zip(node.ops, node.comparators):
                op = _COMPARE[type(op_node)]
                right = self.build(right_node, d)
                if "str" in (left.op, right.op) and op not in ("==", "!="):
                    raise ExpressionError(
                        say(
                            f"用 {op} 比较文本；文本只能用 == 或 != 比较",
                            f"compares text with {op}; text can only be compared with == or !=",
                        )
                    )
                parts.append(Node(op, (left, right)))
                left = right
            return parts[0] if len(parts) == 1 else Node("and", tuple(parts))
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return Node(op, tuple(self.build(v, d) for v in node.values))
        if isinstance(node, ast.Call):
            return self._call(node, d)
        for kind, (zh, en) in _FORBIDDEN_WORDS.items():
            if isinstance(node, kind):
                raise ExpressionError(
                    say(
                        f"使用了{zh}，测评体系表达式不允许：{self._src(node)}",
                        f"uses {en}, which rubric expressions do not allow: {self._src(node)}",
                    )
                )
        raise ExpressionError(
            say(
                f"使用了测评体系表达式不允许的语法：{self._src(node)}",
                f"uses syntax that rubric expressions do not allow: {self._src(node)}",
            )
        )

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


# Loading checks each expression in a field validator, the model keeps it for scoring and the
# categorical method asks whether it is a bare column: one parse serves all. Expressions are not
# changed after parsing, so sharing them is safe.
parse_once = functools.lru_cache(maxsize=4096)(parse)


def shown(source: str, limit: int = 80) -> str:
    """An expression quoted for a message, shortened so a 2,000-character typo stays readable."""
    return repr(source if len(source) <= limit else source[: limit - 1] + "…")


def parse_or_explain(source: str, context: Literal["value", "when"]) -> Expression:
    """Parse an expression, turning a refusal into a ValueError (a pydantic validation error in a
    model's validator) that quotes it."""
    try:
        return parse_once(source, context)
    except ExpressionError as exc:
        raise ValueError(say(f"表达式 {shown(source)} {exc}", f"expression {shown(source)} {exc}")) from None
