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

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import ibis
import ibis.expr.types as ir
import pandas as pd

from civscore.records.read import FILE, ROW
from civscore.rubric.expr import Expression, Node
from civscore.validation.cells import FALSE_WORDS, MISSING_WORDS, TRUE_WORDS


class Spelt(Protocol):
    """What :class:`Cells` reads of a column's distinct values (:class:`civscore.records.spellings.Spellings`)."""

    values: pd.DataFrame | None

    def form(self, form: str, stored: ir.Value) -> ir.Value | None: ...


_FULL_WIDTH = "０１２３４５６７８９．－＋，"
_HALF_WIDTH = "0123456789.-+,"
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
_INTEGRAL = r"^-?\d+\.0+$"
_LONGEST_MISSING = max(len(w) for w in MISSING_WORDS)
COUNT = "__civscore_n__"  # in a table of distinct values: how many records hold each
WHICH = "__civscore_which__"  # in a stack of several columns' distinct values: whose each is


# What Python's str.strip (and so the unit table, :mod:`civscore.validation.cells`) trims: every
# Unicode space (full-width U+3000, NBSP, ...) and the ASCII controls str.isspace counts; SQL's
# TRIM takes ASCII spaces only. The syntax is common to DuckDB's RE2 and Spark's Java regex.
_SPACE = r"[\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f}\x{85}\p{Z}]"
_EDGE_SPACES = rf"^{_SPACE}+|{_SPACE}+$"


def strip(x: ir.StringValue) -> ir.StringValue:
    """``x`` trimmed as the unit table trims text (Python's str.strip)."""
    return x.re_replace(_EDGE_SPACES, "")


def prepare(table: ir.Table, columns: list[str], name: Callable[[ir.Table], ir.Table]) -> ir.Table:
    """The projection that reads every column a rubric uses, once, in each form it may need.

    For the i-th column: ``__col{i}`` (the cell as stored), ``__raw{i}`` (trimmed text, None
    where empty), ``__txt{i}`` (text, None where missing), ``__num{i}`` (float, None where
    missing or not a number) and ``__bool{i}`` (yes/no). Expressions and checks then refer to
    these by name: an engine computes only the forms something reads, and each once per record,
    however often an expression uses it. ``table`` may be a whole record table (with its row and
    file columns) or the distinct values of one column (:mod:`civscore.records.spellings`):
    the forms are defined here once for both.

    It is built in three steps, each behind a name given by ``name`` (an engine's view): SQL has
    no variables, so a single projection would spell each cell's text out anew inside every form
    derived from it, and a query planner would spend seconds on every query binding the copies.
    """
    step: dict[str, ir.Value] = {c: table[c] for c in (ROW, FILE, COUNT, WHICH) if c in table.columns}
    for i, column in enumerate(columns):
        col = table[column]
        step[f"__col{i}"] = col
        dtype = col.type()
        if dtype.is_boolean():
            raw = col.ifelse("true", "false")
        else:
            raw = col.cast("string")
            if dtype.is_string():
                raw = strip(raw)
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
    """The columns of one prepared record table (see :func:`prepare`) read as text, numbers or yes/no.

    ``spellings``: for some text columns, their distinct values with every form of each
    (:class:`civscore.records.spellings.Spellings`); a form of such a column is then read off
    the cell as stored — the stored cell itself where cleaning leaves every value alone, else a
    CASE over the few values it changes — instead of cleaning every record anew.
    """

    def __init__(self, table: ir.Table, columns: list[str], spellings: Mapping[str, Spelt] | None = None):
        self.table = table
        self.index = {name: i for i, name in enumerate(columns)}
        self.spellings = dict(spellings or {})

    def _col(self, form: str, name: str) -> ir.Value:
        spelt = self.spellings.get(name)
        if spelt is not None and form != "col":
            mapped = spelt.form(form, self.stored(name))
            if mapped is not None:
                return mapped
        return self.table[f"__{form}{self.index[name]}"]

    def nullable(self, name: str, *forms: str) -> bool:
        """Whether some record can have every one of ``forms`` of the column missing (True unless
        the column's distinct values show otherwise)."""
        spelt = self.spellings.get(name)
        if spelt is None or spelt.values is None:
            return True
        return bool(spelt.values[list(forms)].isna().all(axis=1).any())

    def stored(self, name: str) -> ir.Value:
        """The cell as the file stores it, uncleaned."""
        return self.table[f"__col{self.index[name]}"]

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
        stored = self.stored(name).type()
        if stored.is_floating():  # NaN reads "nan", a missing word: only infinity is bad
            return self.stored(name).isinf().fill_null(False)
        if stored.is_integer():
            return ibis.literal(False)
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


@dataclass(frozen=True)
class _Value:
    """A compiled node and what is known of it on every record: whether it can be missing, and
    a bound on its magnitude (``inf``: none). Knowing that a comparison of a column no record
    leaves blank is never missing, or that ``100 * (评价 == "满意")`` cannot overflow, spares
    the engine the checks for it on every record: the same values, fewer operations."""

    expr: ir.Value
    nullable: bool = True
    bound: float = math.inf
    finite: bool = False  # never NaN or infinite (a cell's number, a literal, a bounded sum)


def compile_number(expr: Expression, cells: Cells) -> ir.FloatingValue:
    """A measure's ``of`` as a float per record; missing where section 2 and 9 say so: a missing
    cell, division by zero, and — as in a ``value`` — a comparison or condition with a missing
    operand (otherwise 1 or 0).

    Non-finite results (an overflow) become missing once, at the end, rather than after every
    operation: SQL has no variables, so a check after each step would copy the whole subtree
    into the query three times per level.
    """
    return number_of(expr, cells)[0]


def number_of(expr: Expression, cells: Cells) -> tuple[ir.FloatingValue, bool]:
    """:func:`compile_number`, and whether it can be missing on some record."""
    v = _Compiler(cells, strict=True).run(expr.root, "number", arith=False)
    out = _as_number(v.expr)
    return (out if v.finite else _finite(out)), v.nullable or not v.finite


def compile_condition(expr: Expression, cells: Cells) -> ir.BooleanValue:
    """A ``where`` as true/false per record (a comparison with a missing value is false)."""
    v = _Compiler(cells, strict=False).run(expr.root, "boolean", arith=False)
    out = _truthy(v.expr)
    return out.fill_null(False) if v.nullable else out


def _as_number(x: ir.Value) -> ir.FloatingValue:
    return x.cast("float64")  # yes/no -> 1.0 / 0.0, and missing stays missing


def _truthy(x: ir.Value) -> ir.BooleanValue:
    """Yes/no of a value: non-zero is true; missing stays missing."""
    return x if x.type().is_boolean() else (x != 0)


def _number(v: _Value) -> _Value:
    """A value used as a number: yes/no counts 1 / 0."""
    if v.expr.type().is_boolean():
        return _Value(_as_number(v.expr), v.nullable, 1.0, True)
    return _Value(_as_number(v.expr), v.nullable, v.bound, v.finite)


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

    def run(self, node: Node, want: str, arith: bool) -> _Value:
        """``want`` is the kind of value the node's position needs and ``arith`` whether it is an
        operand of arithmetic, as :func:`civscore.rubric.expr._infer_kinds` decides them."""
        op = node.op
        cells = self.cells
        if op == "col":
            name = str(node.name)
            if want == "text":
                return _Value(cells.text(name), cells.nullable(name, "txt"))
            if want == "boolean":
                return _Value(cells.boolean(name), cells.nullable(name, "bool"), 1.0, True)
            if arith:  # section 9: a yes/no column counts 1 / 0 in arithmetic
                both = ibis.coalesce(cells.number(name), cells.boolean(name).cast("float64"))
                return _Value(both, cells.nullable(name, "num", "bool"), finite=True)
            return _Value(cells.number(name), cells.nullable(name, "num"), finite=True)
        if op == "num":
            const = float(node.const)  # type: ignore[arg-type]
            return _Value(ibis.literal(const, type="float64"), False, abs(const), math.isfinite(const))
        if op == "str":
            return _Value(ibis.literal(str(node.const), type="string"), False)
        if op in ("neg", "+", "-", "*", "/", "min", "max", "abs"):
            args = [_number(self.run(x, "number", arith=True)) for x in node.args]
            return _arithmetic(op, args)
        if op in ("and", "or", "not"):
            parts = [self.run(x, "boolean", arith=False) for x in node.args]
            truth = [_truthy(p.expr) for p in parts]
            nullable = any(p.nullable for p in parts)
            if op == "not":
                out = ~truth[0]
            else:
                known = [t.fill_null(False) if p.nullable else t for t, p in zip(truth, parts, strict=True)]
                out = known[0]
                for part in known[1:]:
                    out = (out & part) if op == "and" else (out | part)
            if not nullable:
                return _Value(out, False, 1.0, True)
            if not self.strict:
                return _Value(out.fill_null(False), False, 1.0, True)
            missing = None
            for t, p in zip(truth, parts, strict=True):
                if p.nullable:
                    missing = t.isnull() if missing is None else (missing | t.isnull())
            return _Value(ibis.ifelse(missing, ibis.null("boolean"), out), True, 1.0, True)
        if op in _COMPARE:
            left, right = node.args
            kind = "text" if "str" in (left.op, right.op) else "number"
            a, b = self.run(left, kind, arith=False), self.run(right, kind, arith=False)
            x, y = (_as_number(a.expr), _as_number(b.expr)) if kind == "number" else (a.expr, b.expr)
            result = _COMPARE[op](x, y)  # SQL: missing when either side is
            nullable = a.nullable or b.nullable
            if nullable and not self.strict:
                return _Value(result.fill_null(False), False, 1.0, True)
            return _Value(result, nullable, 1.0, True)
        if op == "previous":
            raise ValueError("previous() has no meaning over records")  # the rubric model refuses it
        raise ValueError(f"expression node {op!r} has no Ibis translation")  # the parser admits no other


def _arithmetic(op: str, args: list[_Value]) -> _Value:
    nullable = any(a.nullable for a in args)
    finite = all(a.finite for a in args)
    if op == "neg":
        return _Value(-args[0].expr, nullable, args[0].bound, finite)
    if op == "abs":
        return _Value(args[0].expr.abs(), nullable, args[0].bound, finite)
    if op in ("min", "max"):  # missing if any argument is missing (SQL's LEAST/GREATEST skip them)
        out = args[0].expr
        out_nullable = args[0].nullable
        for arg in args[1:]:
            pick = (arg.expr > out) if op == "max" else (arg.expr < out)
            chosen = ibis.ifelse(pick, arg.expr, out)
            if out_nullable or arg.nullable:
                missing = out.isnull() | arg.expr.isnull()
                chosen = ibis.ifelse(missing, ibis.null("float64"), chosen)
            out, out_nullable = chosen, out_nullable or arg.nullable
        return _Value(out, nullable, max(a.bound for a in args), finite)
    a, b = args
    if op == "/":
        return _Value(a.expr / b.expr.nullif(0.0), True)  # division by zero is missing
    bound = a.bound + b.bound if op in ("+", "-") else a.bound * b.bound
    # a sum or product of finite numbers overflows only beyond a known bound
    finite = finite and bound < _SAFE
    if op == "+":
        return _Value(a.expr + b.expr, nullable, bound, finite)
    if op == "-":
        return _Value(a.expr - b.expr, nullable, bound, finite)
    return _Value(a.expr * b.expr, nullable, bound, finite)


_SAFE = 1e300  # a bound below this: no overflow (float64 reaches 1.8e308)
