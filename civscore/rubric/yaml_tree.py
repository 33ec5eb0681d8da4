"""A rubric file as a plain tree of Python values, with the line of every key path.

YAML is composed into nodes with PyYAML's safe loader and turned into plain Python by our own
walker, which records the line of every key, refuses unknown tags and duplicate keys, and stops
at a fixed node budget so that an aliased "billion laughs" file is refused instead of expanded.
:mod:`civscore.rubric.load` checks the tree against the model and the whole-file rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from civscore.errors import RubricProblem
from civscore.readers.safety import FileProblem, read_bounded
from civscore.words import say

MAX_RUBRIC_BYTES = 2 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 64

# Keys whose scalar values are kept exactly as typed: `version: 2025.1` stays "2025.1",
# and `map: {yes: 3}` keeps the label "yes" rather than YAML 1.1's boolean.
_TEXT_KEYS = {
    "id",
    "name",
    "version",
    "description",
    "value",
    "when",
    "source",
    "id_column",
    "name_column",
    "group_columns",
    "veto_tier",
    "evidence",
    "only_if",
    # records and measures (contract section 8): column names and expressions as typed
    "unit_column",
    "key",
    "from",
    "of",
    "where",
    "values",
}
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_ALLOWED_TAGS = _SCALAR_TAGS | {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
Path_ = tuple[str | int, ...]


class YamlProblem(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def read_bytes(path: Path) -> bytes:
    try:
        return read_bounded(path, MAX_RUBRIC_BYTES, "rubric")
    except FileProblem as exc:
        raise YamlProblem(str(exc)) from None


def _too_deep() -> str:
    return say(f"YAML 嵌套过深（超过 {MAX_DEPTH} 层）", f"YAML is nested too deeply (more than {MAX_DEPTH} levels)")


def decode(data: bytes) -> str:
    if not data.strip():
        raise YamlProblem(say("是空文件", "is empty"))
    if b"\x00" in data[:8192]:
        raise YamlProblem(say("是二进制文件，不是 YAML 文本", "is a binary file, not YAML text"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblem(
            say(
                f"不是 UTF-8 文本（位置 {exc.start} 处的字节无法解码）；请把测评体系另存为 UTF-8 编码",
                f"is not UTF-8 text (undecodable byte at position {exc.start}); save the rubric as UTF-8",
            )
        ) from None


def _flow_too_deep(text: str) -> int | None:
    """The line where [ / { brackets first nest deeper than MAX_DEPTH, if they do.

    PyYAML's scanner slows down with every open bracket it holds (seconds for a few thousand),
    so such a file is refused before it is parsed. Brackets inside quotes count too: harmless,
    as no real rubric nests anything near this deep.
    """
    codes = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    step = np.isin(codes, (ord("["), ord("{"))).astype(np.int32) - np.isin(codes, (ord("]"), ord("}")))
    depth = np.cumsum(step)
    if depth.size == 0 or depth.max() <= MAX_DEPTH:
        return None
    first = int(np.argmax(depth > MAX_DEPTH))
    return int(np.count_nonzero(codes[:first] == ord("\n"))) + 1


def compose(text: str) -> yaml.Node:
    deep_at = _flow_too_deep(text)
    if deep_at is not None:
        raise YamlProblem(_too_deep(), deep_at)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or say("YAML 无效", "invalid YAML")
        context = say(f"（{exc.context}）", f" ({exc.context})") if exc.context else ""
        if "'\\t'" in what:  # PyYAML's words for a tab are cryptic; tabs come from copy-pasting
            what = say(
                "缩进中使用了制表符（Tab）；YAML 只能用空格缩进",
                "a tab is used for indentation; YAML must be indented with spaces",
            )
            context = ""
        raise YamlProblem(say(f"YAML 语法错误：{what}{context}", f"YAML syntax error: {what}{context}"), line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(say(f"YAML 语法错误：{exc}", f"YAML syntax error: {exc}")) from None
    except RecursionError:
        raise YamlProblem(_too_deep()) from None
    if node is None:
        raise YamlProblem(say("是空文件", "is empty"))
    return node


class Walker:
    """Turns YAML nodes into dicts/lists/scalars, remembering the line of every key path."""

    def __init__(self, label: str):
        self.label = label
        self.lines: dict[Path_, int] = {}
        self.problems: list[RubricProblem] = []
        self.count = 0
        self._open: list[yaml.Node] = []  # collections being converted: an alias back to one is a cycle
        self._scalars = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, path: Path_, depth: int, text: bool = False) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(
                say(
                    f"展开后超过 {MAX_NODES:,} 个 YAML 节点（别名太多？）；已拒绝，没有展开",
                    f"expands to more than {MAX_NODES:,} YAML nodes (too many aliases?); refused without expanding",
                )
            )
        if depth > MAX_DEPTH:
            raise YamlProblem(_too_deep(), node_line(node))
        self.lines.setdefault(path, node_line(node))
        if node.tag == "tag:yaml.org,2002:timestamp" and isinstance(node, yaml.ScalarNode) and node.style is None:
            return node.value  # `version: 2025-01-01` is text; where a number is needed the model says so
        if node.tag not in _ALLOWED_TAGS:
            self._problem(
                path,
                node,
                say(f"测评体系中不允许使用 YAML 标签 {node.tag}", f"YAML tag {node.tag} is not allowed in a rubric"),
            )
            return None
        if isinstance(node, yaml.CollectionNode):
            if any(node is open_node for open_node in self._open):
                raise YamlProblem(
                    say(
                        "别名引用了包含它自身的映射或列表（递归的 YAML 别名）；已拒绝，没有展开",
                        "an alias refers to a mapping or list that contains it (a recursive YAML alias); "
                        "refused without expanding",
                    ),
                    node_line(node),
                )
            self._open.append(node)
            try:
                return self._collection(node, path, depth, text)
            finally:
                self._open.pop()
        if node.tag == "tag:yaml.org,2002:null":
            return None
        if text and isinstance(node, yaml.ScalarNode) and node.style is None and node.tag != "tag:yaml.org,2002:str":
            return node.value
        if node.tag == "tag:yaml.org,2002:bool":
            return node.value  # no rubric key takes yes/no: keep the word, so messages quote it
        try:
            return self._scalars.construct_object(node)
        except Exception:  # PyYAML raises many kinds for a tag on odd text (`!!int bands`, `!!float ""`)
            kind = node.tag.rsplit(":", 1)[-1]
            self._problem(path, node, say(f"{node.value!r} 不是有效的 {kind}", f"{node.value!r} is not a valid {kind}"))
            return None

    def _collection(self, node: yaml.CollectionNode, path: Path_, depth: int, text: bool) -> Any:
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self._problem(path, key_node, say("键必须是普通文本", "a key must be plain text"))
                    continue
                key = key_node.value
                if key == "<<":
                    self._problem(
                        path,
                        key_node,
                        say(
                            "不支持 YAML 合并键（<<）；请把各个键逐一写出",
                            "YAML merge keys (<<) are not supported; write the keys out",
                        ),
                    )
                    continue
                if key in out:
                    self._problem(
                        path + (key,),
                        key_node,
                        say(f"键 `{key}` 在同一映射中出现了两次", f"key `{key}` appears twice in the same mapping"),
                    )
                    continue
                self.lines[path + (key,)] = node_line(key_node)
                out[key] = self.convert(value_node, path + (key,), depth + 1, text=key in _TEXT_KEYS)
            return out
        return [self.convert(item, path + (i,), depth + 1, text=text) for i, item in enumerate(node.value)]

    def _problem(self, path: Path_, node: yaml.Node, message: str) -> None:
        self.problems.append(RubricProblem(self.label, node_line(node), format_path(path), message))


def node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def format_path(path: Path_) -> str:
    """('dimensions', 2, 'indicators', 0) -> 'dimensions[2].indicators[0]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def line_of(path: Path_, lines: dict[Path_, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def problem_at(label: str, lines: dict[Path_, int], path: Path_, message: str) -> RubricProblem:
    """A problem of the rubric file ``label`` at the key ``path``, with the line that key (or the
    nearest enclosing one) is written on."""
    return RubricProblem(label, line_of(path, lines), format_path(path), message)


# --- whole-file checks that must run even when an item is malformed ---------------------------
