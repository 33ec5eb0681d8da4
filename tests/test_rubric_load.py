import json
import time

import pytest
from conftest import ROOT, make_rubric

import civscore
from civscore.rubric.load import rubric_json_schema
from civscore.words import using_language


@pytest.fixture(autouse=True)
def english():
    """This file pins the English wording of rubric problems (CIVSCORE_LANG=en / --lang en);
    the Chinese wording, the default, is pinned case by case in tests/corpus/cases.yaml."""
    with using_language("en"):
        yield


GOOD = """\
total_points: 10
dimensions:
  - id: d
    name: 维度
    indicators:
      - {id: a, name: A, value: x, method: boolean, points: 4}
      - {id: b, name: B, value: y, method: linear, zero: 0, full: 1, points: 6}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(civscore.RubricError) as exc:
        civscore.parse_rubric_text(text, "r.yaml")
    return [str(p) for p in exc.value.problems]


@pytest.mark.parametrize("path", sorted((ROOT / "rubrics").glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_rubrics_load(path):
    rubric = civscore.load_rubric(path)
    assert sum(ind.points for _, ind in rubric.base_indicators()) == pytest.approx(rubric.total_points)
    assert rubric.path == str(path)


def test_bundled_community_rubric_uses_every_method_policy_and_veto_kind(sample_rubric):
    methods = {ind.method for ind in sample_rubric.iter_indicators()}
    assert methods == {"boolean", "linear", "bands", "deduction", "count", "categorical"}
    policies = {sample_rubric.missing_policy(ind) for ind in sample_rubric.iter_indicators()}
    assert policies == {"zero", "error", "exclude", "mean"}
    assert {v.kind for v in sample_rubric.vetoes} == {"fail", "cap", "deduct"}
    assert [t.name for t in sample_rubric.tiers] == ["标兵", "先进", "达标", "不达标"]
    assert all(ind.source for ind in sample_rubric.iter_indicators())
    assert 25 <= len(sample_rubric.base_indicators()) <= 40


HEADER = 'id: t\nname: T\nversion: "1"\nunit: {id_column: uid}\n'


def test_every_problem_is_reported_at_once_with_file_line_and_path():
    text = (
        HEADER
        + """\
total_points: 10
tiers: [{name: 好, min: 5}, {name: 差, min: 6}]
dimensions:
  - id: d
    name: 维度
    indicators:
      - {id: a, name: A, value: x, method: linear, zero: 0, full: 0, points: 4}
      - id: b
        name: B
        value: y
        method: bands
        points: 4
        bands: [{at_least: 1, points: 2}, {at_least: 2, points: 5}]
        otherwsie: 1
      - {id: a, name: C, value: "open('f')", method: boolean, points: 3}
vetoes:
  - {id: v, name: V, when: "x + 1", effect: {cap: -1}}
"""
    )
    got = problems_of(text)
    expected = [
        "r.yaml:5 total_points: base indicator points add up to 11, not total_points 10 (bonus indicators are not counted)",
        "r.yaml:6 tiers: tiers must be listed highest first with strictly decreasing `min`",
        "r.yaml:11 dimensions[0].indicators[0] (a).full: linear needs zero != full",
        "r.yaml:17 dimensions[0].indicators[1] (b).bands: at_least must decrease strictly from one band to the next",
        "r.yaml:17 dimensions[0].indicators[1] (b).bands[1].points: 5 is outside [0, points=4]",
        "r.yaml:18 dimensions[0].indicators[1] (b).otherwsie: unknown key `otherwsie` (did you mean `otherwise`?)",
        "r.yaml:19 dimensions[0].indicators[2] (a).id: id `a` is already used at dimensions[0].indicators[0] (line 11); every id must be unique in the file",
        "r.yaml:19 dimensions[0].indicators[2] (a).value: expression \"open('f')\" uses a function that is not allowed: open('f') (allowed: min, max, abs, previous)",
        "r.yaml:21 vetoes[0] (v).when: expression 'x + 1' must be a condition (a comparison, and/or/not, or a yes/no column)",
        "r.yaml:21 vetoes[0] (v).effect: effect must be `fail`, `{cap: N}` (N >= 0) or `{deduct: N}` (N > 0), not {'cap': -1}",
    ]
    assert got == expected


@pytest.mark.parametrize(
    "body, message",
    [
        ("total_points: 10\ndimensions: []\n", "dimensions: List should have at least 1 item"),
        (
            GOOD.replace("method: boolean", "method: bool"),
            "must be 'boolean', 'linear', 'bands', 'deduction', 'count' or 'categorical', not 'bool'",
        ),
        (GOOD.replace("points: 4}", "points: -4}"), "points: must be greater than 0, not -4"),
        (GOOD.replace("zero: 0, full: 1, ", ""), "method linear needs `full`"),
        (
            GOOD.replace("method: boolean,", "method: boolean, per_item: 2,"),
            "`per_item` does not belong to method boolean",
        ),
        (GOOD.replace("id: a,", "id: 'a b',"), "'a b' may only use letters, digits, '-' and '_'"),
        (GOOD + "missing: sometimes\n", "missing: must be 'zero', 'error', 'exclude' or 'mean', not 'sometimes'"),
        (GOOD + "veto_tier: 差\ntiers: [{name: 好, min: 1}]\n", "veto_tier '差' is not one of the tiers"),
        (GOOD.replace("value: x,", "value: 'x ** 2',"), "uses an operator that is not allowed: x ** 2"),
        (
            GOOD
            + "vetoes:\n  - {id: v, name: V, when: 'g == \"A\"', effect: fail}\n"
            + "bonus: {cap: 5, indicators: [{id: c, name: C, value: g, method: linear, zero: 0, full: 1, points: 2}]}\n",
            "column `g` is used as text by v and as a number or yes/no by c; a column can only be one",
        ),
    ],
)
def test_each_kind_of_rubric_problem_is_named(body, message):
    got = problems_of(HEADER + body)
    assert any(message in p for p in got), got


def test_missing_required_keys_are_listed():
    got = problems_of("id: t\nname: T\ndimensions: []\n")
    for key in ("version", "unit", "total_points"):
        assert f"r.yaml:1: required key `{key}` is missing" in got


def test_scalars_keep_the_text_the_user_typed():
    rubric = make_rubric(
        """\
        total_points: 10
        dimensions:
          - id: d
            name: 维度
            indicators:
              - {id: a, name: A, value: grade, method: categorical, points: 10, map: {yes: 10, no: 0, 1: 5}}
        """,
        header="id: t\nname: T\nversion: 2025.10\nunit: {id_column: uid}\n",
    )
    assert rubric.version == "2025.10"
    assert set(rubric.base_indicators()[0][1].map) == {"yes", "no", "1"}


def test_billion_laughs_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    got = problems_of("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 2
    assert got == ["r.yaml: expands to more than 100,000 YAML nodes (too many aliases?); refused without expanding"]


def test_recursive_alias_is_refused():
    got = problems_of("a: &x [*x]\n")
    assert "refused without expanding" in got[0] or "nested too deeply" in got[0]


def test_python_tags_and_duplicate_keys_are_refused():
    got = problems_of(HEADER + GOOD + "description: !!python/object/apply:os.system ['echo hi']\n")
    assert any("YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed" in p for p in got)
    got = problems_of(HEADER + GOOD + "total_points: 12\n")
    assert any("key `total_points` appears twice in the same mapping" in p for p in got)


def test_yaml_syntax_error_names_the_line():
    got = problems_of(HEADER + "dimensions:\n  - id: d\n   name: x\n")
    assert got[0].startswith("r.yaml:7: YAML syntax error")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "r.yaml: is empty"),
        (b"\x00\x01\x02binary", "r.yaml: is a binary file, not YAML text"),
        (
            "名称: 测试".encode("gbk"),
            "r.yaml: is not UTF-8 text (undecodable byte at position 0); save the rubric as UTF-8",
        ),
        (b"- a\n- b\n", "r.yaml:1: a rubric file must be a mapping of keys (id, name, ...)"),
    ],
)
def test_unreadable_rubric_files_get_one_line(tmp_path, content, message):
    path = tmp_path / "r.yaml"
    path.write_bytes(content)
    with pytest.raises(civscore.RubricError) as exc:
        civscore.load_rubric(path)
    assert str(exc.value) == message.replace("r.yaml", str(path))


def test_missing_file(tmp_path):
    with pytest.raises(civscore.RubricError, match="file not found"):
        civscore.load_rubric(tmp_path / "nope.yaml")


def test_json_schema_describes_the_format():
    schema = rubric_json_schema()
    assert schema["additionalProperties"] is False
    assert {"id", "name", "version", "unit", "total_points", "dimensions", "bonus", "vetoes", "tiers"} <= set(
        schema["properties"]
    )
    indicator = schema["$defs"]["Indicator"]
    assert indicator["properties"]["method"]["enum"] == [
        "boolean",
        "linear",
        "bands",
        "deduction",
        "count",
        "categorical",
    ]
    json.dumps(schema)  # serialisable


def test_categorical_needs_a_single_column():
    got = problems_of(
        HEADER
        + GOOD.replace(
            "{id: a, name: A, value: x, method: boolean, points: 4}",
            "{id: a, name: A, value: x + y, method: categorical, points: 4, map: {'3': 4}}",
        )
    )
    assert (
        "r.yaml:10 dimensions[0].indicators[0] (a).value: method categorical needs a single column as its value (its labels are text)"
        in got
    )


def test_rubric_problems_are_chinese_by_default():
    body = GOOD.replace("points: 4}", "points: 5}").replace("method: linear", "method: linaer")
    with using_language("zh"), pytest.raises(civscore.RubricError) as exc:
        make_rubric(body)
    assert [(p.path, p.message) for p in exc.value.problems] == [
        ("total_points", "基础指标分值合计为 11，与 total_points 10 不符（加分指标不计入）"),
        (
            "dimensions[0].indicators[1].method",
            "必须是 'boolean'、'linear'、'bands'、'deduction'、'count' 或 'categorical'，不能是 'linaer'",
        ),
    ]
