import re

import numpy as np
import pytest

from civscore.rubric.evaluate import PreviousMissing, evaluate
from civscore.rubric.expr import ExpressionError, parse
from civscore.words import using_language


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
    "src, zh, en",
    [
        ("__import__('os').system('echo hi')", "不允许的函数", "function that is not allowed"),
        ("open('x')", "不允许的函数", "function that is not allowed"),
        ("sqrt(a)", "只允许 min、max、abs、previous", "allowed: min, max, abs, previous"),
        ("a.max(b)", "不允许的函数", "function that is not allowed"),
        ("`min`(a, b)", "不允许的函数", "function that is not allowed"),
        ("min(a)", "至少需要两个参数", "needs two or more arguments"),
        ("abs(a, b)", "只接受一个参数", "takes exactly one argument"),
        ("previous(a + 1)", "必须是一个列名", "takes a column name"),
        ("previous()", "只接受一个参数", "takes exactly one argument"),
        ("max(*a)", "逐个写出", "one by one"),
        ("min(a, b, key=c)", "逐个写出", "one by one"),
        ("a.b", "属性访问", "attribute access"),
        ("a[0]", "下标", "subscripts"),
        ("lambda: 1", "使用了 lambda", "lambda"),
        ("a ** 2", "不允许的运算符", "operator that is not allowed"),
        ("a // 2", "不允许的运算符", "operator that is not allowed"),
        ("a % 2", "不允许的运算符", "operator that is not allowed"),
        ("[x for x in a]", "推导式", "comprehensions"),
        ("a if b else c", "使用了 if/else", "if/else"),
        ("(a := 1)", "使用了 :=", ":="),
        ("'text'", "文本字面量", "text literals"),
        ("a + 'x'", "在比较之外使用了文本", "outside a comparison"),
        ("True", "反引号", "backticks"),
        ("None", "反引号", "backticks"),
        ("a +", "不是有效的表达式", "not a valid expression"),
        ("`a", "未闭合的反引号", "unclosed backtick"),
        ("", "是空的", "empty"),
        ("f'{a}'", "f-string", "f-strings"),
        ("a in b", "不允许的比较", "comparison that is not allowed"),
        ("a is b", "不允许的比较", "comparison that is not allowed"),
    ],
)
def test_disallowed_value_syntax_is_rejected_with_a_reason(src, zh, en):
    with pytest.raises(ExpressionError, match=re.escape(zh)):
        parse(src, "value")
    with using_language("en"), pytest.raises(ExpressionError, match=re.escape(en)):
        parse(src, "value")


@pytest.mark.parametrize("src", ["a + 1", "3", "-a"])
def test_when_must_be_a_condition(src):
    with pytest.raises(ExpressionError, match="必须是条件"):
        parse(src, "when")


def test_text_only_compares_with_equality():
    with pytest.raises(ExpressionError, match="文本只能用 == 或 != 比较"):
        parse("g > 'A'", "when")


def test_deep_nesting_is_refused_not_crashing():
    with pytest.raises(ExpressionError, match="嵌套超过 200 层"):
        parse("-" * 300 + "a", "value")
    with pytest.raises(ExpressionError, match="嵌套超过 200 层"):
        parse("a" + "+a" * 300, "value")
    assert len(parse(" + ".join(f"c{i}" for i in range(150)), "value").columns) == 150


def test_overlong_expression_is_refused():
    with pytest.raises(ExpressionError, match="超过 2000 个字符"):
        parse("a + " * 1000 + "a", "value")


def test_column_kinds_are_inferred_from_use():
    expr = parse("g == 'A' and x > 1 and flag", "when")
    assert expr.columns == {"g": {"text"}, "x": {"number"}, "flag": {"boolean"}}


def test_a_call_outside_the_whitelist_is_named_in_both_languages():
    with using_language("en"):
        with pytest.raises(ExpressionError) as exc:
            parse("round(a)", "value")
    assert str(exc.value) == "uses a function that is not allowed: round(a) (allowed: min, max, abs, previous)"
    with using_language("zh"):
        with pytest.raises(ExpressionError) as exc:
            parse("round(a)", "value")
    assert str(exc.value) == "使用了不允许的函数：round(a)（只允许 min、max、abs、previous）"


def test_min_max_abs_by_hand_and_missing_if_any_argument_is_missing():
    a = [1.0, 5.0, np.nan, -3.0]
    b = [2.0, 4.0, 1.0, -7.0]
    out = run("min(a, b, 3)", a=a, b=b)
    np.testing.assert_array_equal(out, [1.0, 3.0, np.nan, -7.0])
    out = run("max(0, 10 - 2 * (a - b))", a=a, b=b)  # 每少一处扣2分 shortfalls
    np.testing.assert_array_equal(out, [12.0, 8.0, np.nan, 2.0])
    np.testing.assert_array_equal(run("abs(a - b)", a=a, b=b), [1.0, 1.0, np.nan, 4.0])
    expr = parse("min(a, b) + abs(c)", "value")
    assert set(expr.columns) == {"a", "b", "c"} and expr.arithmetic == {"a", "b", "c"}


def test_functions_inside_a_when():
    out = run("max(a, b) >= 3", "when", a=[1, 5, np.nan], b=[3, 1, 9])
    assert out.tolist() == [True, True, False]
    with pytest.raises(ExpressionError, match="必须是条件"):
        parse("max(a, b)", "when")


def test_previous_reads_the_previous_table_and_is_missing_where_absent():
    expr = parse("a - previous(a)", "value")
    assert expr.columns == {"a": {"number"}} and expr.previous_columns == {"a": {"number"}}
    assert expr.uses_previous and expr.previous_arithmetic == {"a"}
    now = {"a": np.array([80.0, 70.0, 90.0])}
    before = {"a": np.array([75.0, np.nan, 95.0])}
    np.testing.assert_array_equal(evaluate(expr, now, 3, previous=before), [5.0, np.nan, -5.0])
    assert parse("`常住人口(人)` > previous(`常住人口(人)`)", "when").previous_columns == {"常住人口(人)": {"number"}}
    assert parse("previous(flag)", "when").previous_columns == {"flag": {"boolean"}}


def test_previous_without_a_previous_table_is_a_clear_error():
    expr = parse("a - previous(a)", "value")
    with using_language("en"):
        with pytest.raises(PreviousMissing, match=r"previous\(a\), which needs the previous period's unit table"):
            evaluate(expr, {"a": np.array([1.0])}, 1)


def test_conditions_in_a_value_count_one_or_zero_and_missing_stays_missing():
    out = run("(a > 1) + (b == 2) + (not c)", a=[2, 0, np.nan, 5], b=[2, 2, 2, 1], c=[0, 1, 1, 1])
    np.testing.assert_array_equal(out, [3.0, 1.0, np.nan, 1.0])
    out = run("a >= 60 and b", a=[70, 70, 50, np.nan], b=[1, 0, 1, 1])
    np.testing.assert_array_equal(out, [1.0, 0.0, 0.0, np.nan])
    out = run("a < 1 or b < 1", a=[0, 2, np.nan], b=[5, 5, 0])
    np.testing.assert_array_equal(out, [1.0, 0.0, np.nan])
    out = run('100 * (g == "满意") + 60 * (g == "基本满意")', g=["满意", "基本满意", "不满意", None])
    np.testing.assert_array_equal(out, [100.0, 60.0, 0.0, np.nan])
    assert run("0 < a <= 2", a=[0, 1, 2, np.nan]).tolist()[:3] == [0.0, 1.0, 1.0]


def test_yes_no_columns_in_arithmetic_are_marked():
    expr = parse("有台账 + 有制度 + 有公示", "value")
    assert expr.arithmetic == {"有台账", "有制度", "有公示"}
    assert parse("x", "value").arithmetic == set()
    assert parse("x > 3", "when").arithmetic == set()
    assert parse("x + 1 > 3", "when").arithmetic == {"x"}
