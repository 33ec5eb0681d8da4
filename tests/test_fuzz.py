"""Bounded fuzzing of the rubric loader, the expression parser and what they hand to scoring.

- Rubric files: the corpus rubrics mutated at random (spans deleted, YAML tokens and odd values
  inserted, lines duplicated, dropped, swapped or re-indented, bytes flipped, files cut short).
  Loading must either succeed or raise civscore.RubricError; anything else is a bug. A mutant
  that loads is then scored against data made for it: that must succeed or raise
  civscore.ValidationError.
- Expressions: random trees over the allowed grammar and random token soup (calls, lambdas,
  f-strings, walrus, unicode, ...). Parsing must succeed or raise ExpressionError; an expression
  that parses must evaluate on whole columns without raising.

Everything is seeded: `make test` runs the same few thousand cases every time in ~20 s.
`make fuzz` sets CIVSCORE_FUZZ_RUBRICS / CIVSCORE_FUZZ_EXPRESSIONS (iterations) and
CIVSCORE_FUZZ_SEED for a longer, different run. A failure prints the seed, the iteration and
the input, and writes the input to CIVSCORE_FUZZ_OUT (default: pytest's temporary folder).
"""

from __future__ import annotations

import os
import random
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import civscore
from civscore.rubric.evaluate import evaluate
from civscore.rubric.expr import ExpressionError, parse
from civscore.rubric.load import parse_rubric_bytes

SEED = int(os.environ.get("CIVSCORE_FUZZ_SEED", "20251129"))
RUBRIC_ITERATIONS = int(os.environ.get("CIVSCORE_FUZZ_RUBRICS", "1000"))
EXPRESSION_ITERATIONS = int(os.environ.get("CIVSCORE_FUZZ_EXPRESSIONS", "5000"))
MAX_SCORED_MUTANTS = int(os.environ.get("CIVSCORE_FUZZ_SCORED", "40"))  # scoring is the slow part

CORPUS = Path(__file__).resolve().parent / "corpus"
VALID_SEEDS = [CORPUS / "base.yaml", CORPUS / "rich.yaml"]  # mutants of these often still load
BAD_SEEDS = sorted((CORPUS / "rubrics").glob("*.yaml"))  # the corpus's broken rubrics

YAML_TOKENS = [
    ":",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "!!python/object:os.system ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!timestamp ",
    "!foo ",
    "? ",
    "|",
    ">",
    "'",
    '"',
    "#",
    "\t",
    "\n",
    "\n  ",
    "  ",
    "<<: *a",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "\\",
    "\x00",
    "\ufeff",
    "\u3000",
    "：",
    "，",
    "`",
    "~",
    "null",
    "@",
    "%",
    "=",
]
VALUES = [
    "0",
    "-0",
    "1e400",
    "-1e400",
    ".inf",
    "-.inf",
    ".nan",
    "NaN",
    "null",
    "~",
    "true",
    "yes",
    "no",
    "on",
    "2025-01-01",
    "2025-01-01T10:00:00",
    "0x1F",
    "0o17",
    "1_000",
    "12:30:00",
    "''",
    '""',
    "[]",
    "{}",
    "[1, 2]",
    "{a: 1}",
    "*a",
    "&a 5",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "999999999999999999999",
    "0.1",
    "-5",
    "100",
    "1" + "0" * 400,
    "'x' * 9",
    "a > 1",
    "`a b` / c",
    "__import__('os')",
    "x.y",
    "f'{x}'",
    "测试",
    "是",
    "A",
    "fail",
    "{cap: 5}",
    "{deduct: -1}",
    "{cap: .nan}",
    "exclude",
    "mean",
    "error",
    "zero",
    "bands",
    "linear",
    "count",
    "categorical",
    "boolean",
    "deduction",
    "'" + "9" * 400 + "'",
    "x" * 3000,
]


def _mutate(text: str, rng: random.Random) -> bytes:
    """One to four random edits of a rubric's text (and sometimes of its bytes)."""
    for _ in range(1 if rng.random() < 0.5 else rng.randint(2, 4)):
        op = rng.randrange(10)
        lines = text.split("\n")
        pos = rng.randrange(len(text) + 1)
        if op == 0 and text:
            text = text[:pos] + text[pos + rng.randint(1, 20) :]
        elif op == 1:
            text = text[:pos] + rng.choice(YAML_TOKENS) + text[pos:]
        elif op == 2:
            text = text[:pos] + rng.choice(VALUES) + text[pos + rng.randint(0, 8) :]
        elif op == 3:
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op == 4 and len(lines) > 1:
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif op == 5:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif op == 6:
            i = rng.randrange(len(lines))
            lines[i] = rng.choice(["", " ", "  ", "    ", "\t"]) + lines[i].lstrip(" ")
            text = "\n".join(lines)
        elif op == 7:  # replace a scalar after a key
            i = rng.randrange(len(lines))
            if ": " in lines[i]:
                key = lines[i].split(": ", 1)[0]
                lines[i] = key + ": " + rng.choice(VALUES)
                text = "\n".join(lines)
        elif op == 8:
            text = text[:pos]
        else:
            data = bytearray(text.encode("utf-8"))
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
            return bytes(data)
    return text.encode("utf-8")


def _data_for(rubric: civscore.Rubric, rng: random.Random) -> pd.DataFrame:
    """A small frame with every column the rubric reads, mostly valid, sometimes not."""
    n = rng.randint(1, 6)
    unit = rubric.unit
    frame: dict[str, list] = {unit.id_column: [f"u{i}" for i in range(n)]}
    if unit.name_column:
        frame[unit.name_column] = [f"名{i}" for i in range(n)]
    for g in unit.group_columns:
        frame[g] = [rng.choice(["甲", "乙"]) for _ in range(n)]
    labels = [lab for ind in rubric.iter_indicators() if ind.map for lab in ind.map] or ["A"]
    for col, kinds in rubric.columns().items():
        if col in frame:
            continue
        if "text" in kinds:
            pool = labels + [None]
        elif "boolean" in kinds:
            pool = ["是", "否", None, 1, 0]
        else:
            pool = [0, 1, 2.5, -3, 100, 1e300, None, "5", "x"]
        frame[col] = [rng.choice(pool) for _ in range(n)]
    return pd.DataFrame(frame, dtype=object)


def _save(name: str, content: bytes | str, folder: Path) -> Path:
    out = Path(os.environ.get("CIVSCORE_FUZZ_OUT", folder))
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_mutated_rubrics_load_or_raise_rubric_error(tmp_path):
    rng = random.Random(SEED)
    valid = [p.read_text(encoding="utf-8") for p in VALID_SEEDS]
    bad = [p.read_text(encoding="utf-8") for p in BAD_SEEDS]
    failures, loaded, scored = [], 0, 0
    for i in range(RUBRIC_ITERATIONS):
        data = _mutate(rng.choice(valid if rng.random() < 0.7 else bad), rng)
        try:
            rubric = parse_rubric_bytes(data, "fuzz.yaml")
        except civscore.RubricError as exc:
            assert exc.problems and all(str(p).startswith("fuzz.yaml") for p in exc.problems)
            continue
        except Exception:
            failures.append((i, _save(f"rubric-{SEED}-{i}.yaml", data, tmp_path), traceback.format_exc()))
            continue
        loaded += 1
        if scored >= MAX_SCORED_MUTANTS:
            continue
        scored += 1
        frame = _data_for(rubric, rng)
        try:
            civscore.score(frame, rubric)
        except civscore.ValidationError:
            pass
        except Exception:
            failures.append(
                (i, _save(f"scored-{SEED}-{i}.yaml", data, tmp_path), traceback.format_exc() + "\n" + frame.to_string())
            )
    print(f"{RUBRIC_ITERATIONS} mutated rubrics (seed {SEED}): {loaded} loaded, {scored} scored")
    assert not failures, "\n\n".join(f"iteration {i}: {path}\n{tb}" for i, path, tb in failures[:3])


FOUND_BY_FUZZING = [  # (text in base.yaml, replacement): each crashed the loader before its fix
    ("method: deduction", "method: {a: 1}"),  # TypeError: unhashable type: 'dict'
    ("method: deduction", "method: []"),  # TypeError: unhashable type: 'list'
    ("{at_least: 5, points: 3}", "{at_least: 1" + "0" * 400 + ", points: 3}"),  # OverflowError
    ("total_points: 40", "total_points: 1" + "0" * 400),  # OverflowError in the points sum
    ("unit: {", "unit: !!timestamp {"),  # AttributeError: MappingNode has no style
    ("method: deduction", "method: !!int deduction"),  # ValueError from PyYAML's int constructor
    ("total_points: 40", "total_points: !!float"),  # IndexError from PyYAML's float constructor
    ("per_item: 2, points: 5", "per_item: 2, points: yes"),  # a model error silently dropped: no rubric
    ("value: 知晓率,", "value: 1" + "0" * 400 + ","),  # OverflowError in the expression parser
]


@pytest.mark.parametrize("old, new", FOUND_BY_FUZZING)
def test_inputs_found_by_fuzzing_are_rubric_errors(old, new):
    text = (CORPUS / "base.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    with pytest.raises(civscore.RubricError):
        civscore.parse_rubric_text(text.replace(old, new), "found.yaml")


# --- expressions ----------------------------------------------------------------------------------

NAMES = [
    "a",
    "b",
    "常住人口",
    "`人口(人)`",
    "`a b`",
    "`x`",
    "c1",
    "ｆｕｌｌ",
    "_civscore_col_0_",
    "__class__",
    "True",
    "None",
    "nan",
    "inf",
]
BINARY = ["+", "-", "*", "/", "**", "//", "%", "@", "<<", "&", "|", "^", "and", "or", "if", "in", "is", "not in"]
COMPARE = [">", ">=", "<", "<=", "==", "!=", "<>", "==="]
ATOMS = [
    "0",
    "1",
    "2.5",
    "1e308",
    "1e400",
    "1" + "0" * 400,
    "-1",
    "0x10",
    "1_000",
    "1j",
    "'是'",
    '"A"',
    "''",
    "b'x'",
    "...",
    "f'{a}'",
    "[1]",
    "(1,)",
    "{1}",
    "{}",
    "a.b",
    "a[0]",
    "f(a)",
    "lambda: 0",
    "(a := 1)",
    "*a",
    "`",
    "``",
    "\u3000",
    "１２",
    "（a）",
    "a if b else c",
    "__import__('os')",
    "not",
    "(",
    ")",
    "",
]


def _tree(rng: random.Random, depth: int) -> str:
    """A random expression, mostly from the allowed grammar, sometimes from outside it."""
    r = rng.random()
    if depth <= 0 or r < 0.25:
        return rng.choice(NAMES if rng.random() < 0.6 else ATOMS)
    if r < 0.5:
        op = rng.choice(BINARY[:4] if rng.random() < 0.85 else BINARY)
        return f"{_tree(rng, depth - 1)} {op} {_tree(rng, depth - 1)}"
    if r < 0.7:
        op = rng.choice(COMPARE[:6] if rng.random() < 0.9 else COMPARE)
        return f"{_tree(rng, depth - 1)} {op} {_tree(rng, depth - 1)}"
    if r < 0.8:
        return f"({_tree(rng, depth - 1)})"
    if r < 0.9:
        return rng.choice(["-", "+", "not ", "~"]) + _tree(rng, depth - 1)
    return f"{_tree(rng, depth - 1)} {rng.choice(['and', 'or'])} {_tree(rng, depth - 1)}"


def _soup(rng: random.Random) -> str:
    pieces = NAMES + ATOMS + BINARY + COMPARE + ["(", ")", "`", " ", ",", ":", "=", "\\", "#", "\n", "\x00"]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))


def _columns(expr, rng: random.Random, n: int) -> dict[str, np.ndarray] | None:
    cols = {}
    for name, kinds in expr.columns.items():
        if "text" in kinds and len(kinds) > 1:
            return None  # one column read as text and as a number: the loader refuses this rubric
        if "text" in kinds:
            cols[name] = np.array([rng.choice(["是", "A", None]) for _ in range(n)], dtype=object)
        elif "boolean" in kinds:
            cols[name] = np.array([rng.choice([0.0, 1.0, np.nan]) for _ in range(n)])
        else:
            cols[name] = np.array([rng.choice([0.0, -1.0, 3.5, 1e308, np.nan]) for _ in range(n)])
    return cols


def test_random_expressions_parse_or_raise_and_evaluate_cleanly(tmp_path):
    rng = random.Random(SEED + 1)
    failures, parsed = [], 0
    for i in range(EXPRESSION_ITERATIONS):
        source = _tree(rng, rng.randint(0, 5)) if rng.random() < 0.8 else _soup(rng)
        context = rng.choice(["value", "when"])
        try:
            expr = parse(source, context)
        except ExpressionError:
            continue
        except Exception:
            failures.append((i, source, context, traceback.format_exc()))
            continue
        parsed += 1
        n = rng.randint(1, 5)
        columns = _columns(expr, rng, n)
        if columns is None:
            continue
        try:
            out = evaluate(expr, columns, n)
            assert out.shape == (n,)
            assert out.dtype == (bool if context == "when" else np.float64)
            assert context == "when" or not np.isinf(out).any()
        except Exception:
            failures.append((i, source, context, traceback.format_exc()))
    print(f"{EXPRESSION_ITERATIONS} random expressions (seed {SEED + 1}): {parsed} parsed and evaluated")
    if failures:
        _save(f"expressions-{SEED}.txt", "\n".join(f"{c}\t{s!r}" for _, s, c, _ in failures), tmp_path)
    assert not failures, "\n\n".join(f"iteration {i}: {c} {s!r}\n{tb}" for i, s, c, tb in failures[:3])
    assert parsed > EXPRESSION_ITERATIONS // 10  # the generator does reach the allowed grammar


@pytest.mark.parametrize("context", ["value", "when"])
def test_the_fuzzer_would_notice_a_crash(context, monkeypatch):
    """Guard against a fuzz loop that cannot fail: a crash inside parse must be reported."""
    import civscore.rubric.expr as expr_module

    def broken(*args, **kwargs):
        raise RuntimeError("planted")

    monkeypatch.setattr(expr_module._Builder, "build", broken)
    with pytest.raises(RuntimeError, match="planted"):
        parse("a + 1" if context == "value" else "a > 1", context)
