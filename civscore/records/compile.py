"""Our expression tree (:mod:`civscore.rubric.expr`) compiled to Ibis expressions over a record table.

Nothing here writes SQL: each node of the whitelisted tree becomes an Ibis operation, and the
engine's Ibis backend does the quoting. The meaning is section 2's, the same as the NumPy
evaluator's for unit tables: a missing cell makes arithmetic missing, division by zero is
missing, a comparison with a missing value is false, and in ``of`` a condition counts 1 or 0.

Cells are read like unit-table cells (:mod:`civscore.validation.cells`): text is trimmed, the
missing words (blank, NA, 缺失, /, ...) are missing, numbers may use full-width digits and
thousands separators, yes/no uses the contract's vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from civscore.records.read import FILE, ROW
from civscore.rubric.expr import Expression, Node
from civscore.validation.cells import FALSE_WORDS, MISSING_WORDS, TRUE_WORDS

_FULL_WIDTH = "０１２３４５６７８９．－＋，"
_HALF_WIDTH = "0123456789.-+,"
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
_INTEGRAL = r"^-?\d+\.0+$"
_LONGEST_MISSING = max(len(w) for w in MISSING_WORDS)


def prepare(table: ir.Table, columns: list[str], name: Callable[[ir.Table], ir.Table]) -> ir.Table:
    """The projection that reads every column a rubric uses, once, in each form it may need.

    For the i-th column: ``__raw{i}`` (trimmed text, None where empty), ``__txt{i}`` (text, None
    where missing), ``__num{i}`` (float, None where missing or not a number) and ``__bool{i}``
    (yes/no). Expressions and checks then refer to these by name: an engine computes only the
    forms something reads, and each once per record, however often an expression uses it.

    It is built in three steps, each behind a name given by ``name`` (an engine's view): SQL has
    no variables, so a single projection would spell each cell's text out anew inside every form
    derived from it, and a query planner would spend seconds on every query binding the copies.
    """
    step: dict[str, ir.Value] = {ROW: table[ROW], FILE: table[FILE]}
    for i, column in enumerate(columns):
        col = table[column]
        dtype = col.type()
        if dtype.is_boolean():
            raw = col.ifelse("true", "false")
        else:
            raw = col.cast("string")
            if dtype.is_string():
                raw = raw.strip()
            if not dtype.is_integer():  # 1001.0 (an id Excel or a float column typed) -> 1001
                integral = ibis.cases((raw.endswith(".0"), raw.re_search(_INTEGRAL)), else_=False)
                raw = ibis.ifelse(integral, raw.substr(0, raw.find(".")), raw)
        step[f"__raw{i}"] = raw
        if dtype.is_numeric() or dtype.is_boolean():
            step[f"__orig{i}"] = _finite(col.cast("float64"))
    first = name(table.select(**step))
    step = {c: first[c] for c in first.columns}
    for i in range(len(columns)):
        raw = first[f"__raw{i}"]
        # the missing words are all short: the lower-casing runs only on cells that could be one
        missing = ibis.cases(
            (raw.length() <= _LONGEST_MISSING, one_of(raw.lower(), sorted(MISSING_WORDS))), else_=False
        )
        step[f"__txt{i}"] = ibis.ifelse(raw.isnull() | missing, ibis.null("string"), raw)
    second = name(first.select(**step))
    step = {c: second[c] for c in second.columns if not c.startswith("__orig")}
    for i in range(len(columns)):
        text = second[f"__txt{i}"]
        if f"__orig{i}" in second.columns:
            step[f"__num{i}"] = second[f"__orig{i}"]
        else:
            digits = text.translate(_FULL_WIDTH, _HALF_WIDTH)
            digits = ibis.ifelse(digits.re_search(_THOUSANDS), digits.replace(",", ""), digits)
            step[f"__num{i}"] = _finite(digits.try_cast("float64"))
        word = text.lower()
        step[f"__bool{i}"] = ibis.cases(
            (one_of(word, sorted(TRUE_WORDS)), True),
            (one_of(word, sorted(FALSE_WORDS)), False),
            else_=ibis.null("boolean"),
        )
    return second.select(**step)


class Cells:
    """The columns of one prepared record table (see :func:`prepare`) read as text, numbers or yes/no."""

    def __init__(self, table: ir.Table, columns: list[str]):
        self.table = table
        self.index = {name: i for i, name in enumerate(columns)}

    def _col(self, form: str, name: str) -> ir.Value:
        return self.table[f"__{form}{self.index[name]}"]

    def raw_text(self, name: str) -> ir.StringValue:
        """The cell as text, trimmed; None where the cell is empty. Excel's 1001.0 reads "1001"."""
        return self._col("raw", name)

    def text(self, name: str) -> ir.StringValue:
        """The cell as text; None where missing (blank, NA, 缺失, /, ...)."""
        return self._col("txt", name)

    def missing(self, name: str) -> ir.BooleanValue:
        return self.text(name).isnull()

    def number(self, name: str) -> ir.FloatingValue:
        """The cell as a float; None where missing or not a number (``number_bad`` tells which)."""
        return self._col("num", name)

    def number_bad(self, name: str) -> ir.BooleanValue:
        """True where the cell holds something that is not a number."""
        return self.text(name).notnull() & self.number(name).isnull()

    def boolean(self, name: str) -> ir.BooleanValue:
        """Yes/no from the contract's words (true/false, 1/0, 是/否, 有/无, yes/no); None otherwise."""
        return self._col("bool", name)

    def boolean_bad(self, name: str) -> ir.BooleanValue:
        return self.text(name).notnull() & self.boolean(name).isnull()


def one_of(x: ir.StringValue, words) -> ir.BooleanValue:
    """``x`` equals one of ``words``, as plain comparisons: DuckDB plans an IN list over a dozen
    constants as a join, which a scan can then no longer skip when the column is not read."""
    words = list(dict.fromkeys(words))
    if not words:
        return ibis.literal(False)
    out = x == words[0]
    for word in words[1:]:
        out = out | (x == word)
    return out


def _finite(x: ir.FloatingValue) -> ir.FloatingValue:
    """Missing instead of NaN or infinity (an overflow, a NaN stored in a Parquet file)."""
    return ibis.ifelse(x.isnan() | x.isinf(), ibis.null("float64"), x)


def compile_number(expr: Expression, cells: Cells) -> ir.FloatingValue:
    """A measure's ``of`` as a float per record; missing where section 2 and 9 say so: a missing
    cell, division by zero, and — as in a ``value`` — a comparison or condition with a missing
    operand (otherwise 1 or 0).

    Non-finite results (an overflow) become missing once, at the end, rather than after every
    operation: SQL has no variables, so a check after each step would copy the whole subtree
    into the query three times per level.
    """
    return _finite(_as_number(_Compiler(cells, strict=True).run(expr.root, "number", arith=False)))


def compile_condition(expr: Expression, cells: Cells) -> ir.BooleanValue:
    """A ``where`` as true/false per record (a comparison with a missing value is false)."""
    return _truthy(_Compiler(cells, strict=False).run(expr.root, "boolean", arith=False)).fill_null(False)


def _as_number(x: ir.Value) -> ir.FloatingValue:
    return x.cast("float64")  # yes/no -> 1.0 / 0.0, and missing stays missing


def _truthy(x: ir.Value) -> ir.BooleanValue:
    """Yes/no of a value: non-zero is true; missing stays missing."""
    return x if x.type().is_boolean() else (x != 0)


_COMPARE = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class _Compiler:
    """One pass over the tree. ``strict`` (an ``of``, read like a ``value``): conditions with a
    missing operand are missing; otherwise (a ``where``) a comparison with a missing value is false."""

    def __init__(self, cells: Cells, strict: bool):
        self.cells = cells
        self.strict = strict

    def run(self, node: Node, want: str, arith: bool) -> ir.Value:
        """``want`` is the kind of value the node's position needs and ``arith`` whether it is an
        operand of arithmetic, as :func:`civscore.rubric.expr._infer_kinds` decides them."""
        op = node.op
        cells = self.cells
        if op == "col":
            name = str(node.name)
            if want == "text":
                return cells.text(name)
            if want == "boolean":
                return cells.boolean(name)
            if arith:  # section 9: a yes/no column counts 1 / 0 in arithmetic
                return ibis.coalesce(cells.number(name), cells.boolean(name).cast("float64"))
            return cells.number(name)
        if op == "num":
            return ibis.literal(float(node.const), type="float64")  # type: ignore[arg-type]
        if op == "str":
            return ibis.literal(str(node.const), type="string")
        if op in ("neg", "+", "-", "*", "/", "min", "max", "abs"):
            args = [_as_number(self.run(x, "number", arith=True)) for x in node.args]
            return _arithmetic(op, args)
        if op in ("and", "or", "not"):
            parts = [_truthy(self.run(x, "boolean", arith=False)) for x in node.args]
            if op == "not":
                out = ~parts[0]
            else:
                known = [p.fill_null(False) for p in parts]
                out = known[0]
                for part in known[1:]:
                    out = (out & part) if op == "and" else (out | part)
            if not self.strict:
                return out.fill_null(False)
            missing = parts[0].isnull()
            for part in parts[1:]:
                missing = missing | part.isnull()
            return ibis.ifelse(missing, ibis.null("boolean"), out)
        if op in _COMPARE:
            left, right = node.args
            kind = "text" if "str" in (left.op, right.op) else "number"
            a, b = self.run(left, kind, arith=False), self.run(right, kind, arith=False)
            if kind == "number":
                a, b = _as_number(a), _as_number(b)
            result = _COMPARE[op](a, b)  # SQL: missing when either side is
            return result if self.strict else result.fill_null(False)
        if op == "previous":
            raise ValueError("previous() has no meaning over records")  # the rubric model refuses it
        raise ValueError(f"expression node {op!r} has no Ibis translation")  # the parser admits no other


def _arithmetic(op: str, args: list[ir.FloatingValue]) -> ir.FloatingValue:
    if op == "neg":
        return -args[0]
    if op == "abs":
        return args[0].abs()
    if op in ("min", "max"):  # missing if any argument is missing (SQL's LEAST/GREATEST skip them)
        out = args[0]
        for arg in args[1:]:
            pick = (arg > out) if op == "max" else (arg < out)
            out = ibis.ifelse(out.isnull() | arg.isnull(), ibis.null("float64"), ibis.ifelse(pick, arg, out))
        return out
    a, b = args
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b.nullif(0.0)  # division by zero is missing
