import numpy as np
import pytest

from civscore.rubric.expr import ExpressionError, evaluate, parse


def run(src, context="value", **cols):
    n = len(next(iter(cols.values()))) if cols else 3
    arrays = {
        k: (
            np.asarray(v, dtype=object)
            if any(isinstance(x, str) or x is None for x in v)
            else np.asarray(v, dtype=float)
        )
        for k, v in cols.items()
    }
    return evaluate(parse(src, context), arrays, n)


def test_chinese_and_backtick_names_are_columns():
    expr = parse("志愿者注册人数 / `常住人口(人)` * 100", "value")
    assert set(expr.columns) == {"志愿者注册人数", "常住人口(人)"}
    out = run("志愿者注册人数 / `常住人口(人)` * 100", 志愿者注册人数=[10, 20], **{"常住人口(人)": [100, 400]})
    np.testing.assert_allclose(out, [10, 5])


def test_bare_name_is_a_bare_column():
    assert parse("垃圾分类参与率", "value").bare_column == "垃圾分类参与率"
    assert parse("`a b`", "value").bare_column == "a b"
    assert parse("a + 0", "value").bare_column is None


def test_arithmetic_precedence_and_unary_minus():
    np.testing.assert_allclose(run("-a + b * 2 - (a - b) / 2", a=[1, 4], b=[3, 2]), [-1 + 6 + 1, -4 + 4 - 1])


def test_division_by_zero_and_missing_cells_give_missing():
    out = run("a / b", a=[1, 1, np.nan, 0], b=[0, 2, 2, 0])
    assert np.isnan(out[0]) and out[1] == 0.5 and np.isnan(out[2]) and np.isnan(out[3])


def test_when_comparisons_with_missing_are_false():
    out = run("a > 1", "when", a=[2, np.nan, 0])
    assert out.tolist() == [True, False, False]
    out = run("a != 1", "when", a=[2, np.nan, 1])
    assert out.tolist() == [True, False, False]
    out = run("not (a > 1)", "when", a=[2, np.nan, 0])
    assert out.tolist() == [False, True, True]


def test_when_logic_and_text_comparison():
    out = run("g == 'A' and (x >= 3 or y < 0)", "when", g=["A", "A", "B", None], x=[3, 1, 5, 5], y=[1, -1, -1, -1])
    assert out.tolist() == [True, True, False, False]
    out = run('g != "A"', "when", g=["A", "B", None])
    assert out.tolist() == [False, True, False]


def test_chained_comparison_means_both():
    assert run("0 < a <= 2", "when", a=[0, 1, 2, 3]).tolist() == [False, True, True, False]


def test_a_bare_yes_no_column_is_a_condition():
    assert run("flag", "when", flag=[1, 0, np.nan]).tolist() == [True, False, False]


@pytest.mark.parametrize(
    "src, words",
    [
        ("__import__('os').system('echo hi')", "function calls"),
        ("open('x')", "function calls"),
        ("a.b", "attribute access"),
        ("a[0]", "subscripts"),
        ("lambda: 1", "lambda"),
        ("a ** 2", "operator that is not allowed"),
        ("a // 2", "operator that is not allowed"),
        ("a % 2", "operator that is not allowed"),
        ("[x for x in a]", "comprehensions"),
        ("a if b else c", "if/else"),
        ("(a := 1)", ":="),
        ("a > 1", "only allowed in a veto"),
        ("not a", "only allowed in a veto"),
        ("'text'", "text literals"),
        ("True", "backticks"),
        ("None", "backticks"),
        ("a +", "not a valid expression"),
        ("`a", "unclosed backtick"),
        ("", "empty"),
        ("f'{a}'", "f-strings"),
        ("a in b", "comparison that is not allowed"),
        ("a is b", "comparison that is not allowed"),
    ],
)
def test_disallowed_value_syntax_is_rejected_with_a_reason(src, words):
    with pytest.raises(ExpressionError, match=words):
        parse(src, "value")


@pytest.mark.parametrize("src", ["a + 1", "3", "-a"])
def test_when_must_be_a_condition(src):
    with pytest.raises(ExpressionError, match="must be a condition"):
        parse(src, "when")


def test_text_only_compares_with_equality():
    with pytest.raises(ExpressionError, match="only be compared with == or !="):
        parse("g > 'A'", "when")


def test_deep_nesting_is_refused_not_crashing():
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("-" * 300 + "a", "value")
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("a" + "+a" * 300, "value")
    assert len(parse(" + ".join(f"c{i}" for i in range(150)), "value").columns) == 150


def test_overlong_expression_is_refused():
    with pytest.raises(ExpressionError, match="longer than"):
        parse("a + " * 1000 + "a", "value")


def test_column_kinds_are_inferred_from_use():
    expr = parse("g == 'A' and x > 1 and flag", "when")
    assert expr.columns == {"g": {"text"}, "x": {"number"}, "flag": {"boolean"}}
