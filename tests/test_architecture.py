"""The package's shape: imports run one way (no cycles, counting imports inside functions), the
light import stays light, and each common extension is one file."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "civscore"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the civscore modules it imports anywhere in its body (functions included)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from civscore.x import y` imports civscore.x, and civscore.x.y when y is a module
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_planted_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    # strict: a package's __init__ importing its own modules counts too, so no module may
    # import its own package back (``from civscore.rubric import model`` inside rubric/)
    assert cycles(import_graph()) == []


def test_nothing_below_the_top_imports_the_result_facade_or_the_cli():
    graph = import_graph()
    for name, targets in graph.items():
        if name in ("civscore", "civscore.result") or name.startswith("civscore.cli"):
            continue
        assert "civscore.result" not in targets, name
        assert not any(t.startswith("civscore.cli") for t in targets), name


def test_import_civscore_loads_neither_scipy_nor_papermill():
    # nor the record engines: Ibis, DuckDB, and PySpark, which pandera would import (civscore._light_import)
    heavy = "('scipy', 'papermill', 'SALib', 'nbconvert', 'pyspark', 'ibis', 'duckdb', 'pandera.ibis')"
    code = f"import sys, civscore; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("package", ["methods", "writers", "readers", "cli", "plots"])
def test_registries_find_their_modules_by_walking_the_package(package):
    """Adding a scoring method, an output format, an input format, a command or a chart module
    is adding one file: nothing lists them; a package may have helpers of its own, named here."""
    import civscore.cli
    import civscore.methods
    import civscore.readers.table
    import civscore.writers.output

    files = {p.stem for p in (PACKAGE / package).glob("*.py")} - {"__init__", "__main__"}
    if package == "methods":
        assert set(civscore.methods.METHODS) == files - {"base", "registry"}
    elif package == "writers":
        # table formats have a SUFFIX; the rest write documents (docx), serve every writer, or
        # are a format's own helpers, named after it (xlsx_rows)
        found = {Path(m.__file__).stem for m in civscore.writers.output.FORMATS.values()}
        assert {"csv", "xlsx", "parquet"} <= found
        own = {f for f in files if f.split("_")[0] in found}
        assert files - found - own <= {"atomic", "output", "safe_text", "docx"}
    elif package == "readers":
        found = {Path(m.__file__).stem for m in civscore.readers.table.SOURCES.values()}
        assert {"csv", "xlsx", "parquet"} <= found
        # the helpers every source shares, and a format's own helpers, named after it (xlsx_cells)
        own = {f for f in files if f.split("_")[0] in found}
        assert files - found - own <= {"data", "safety", "table", "origin"}
    elif package == "cli":
        commands = {m.__name__.rsplit(".", 1)[1] for m in civscore.cli.command_modules()}
        assert {"validate", "score", "schema", "explain", "gaps", "compare", "report", "extract"} <= commands
        assert files - commands <= {"common", "terminal"}  # helpers: no `register`
    else:
        import test_registries

        charts = {name.split(".")[0] for name, _ in test_registries.chart_functions()}
        assert {"ranking", "change", "robustness"} <= charts
        assert files - charts <= {"marks"}  # the tier and veto marks the charts share


def test_commands_call_only_the_public_api():
    """cli/ imports `civscore` (its verbs), `civscore.words` (wording) and its own helpers."""
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith("civscore.cli"):
            inner = {t for t in targets if not t.startswith("civscore.cli")}
            assert inner <= {"civscore", "civscore.words"}, (name, inner)


def test_nothing_outside_methods_branches_on_a_method_name():
    """Callers ask the method (``method_of(ind).reads``, ``.rule_text``...), so a new method can
    never fall into another method's branch (the old ``else:  # count``)."""
    import civscore.methods

    names = set(civscore.methods.METHODS)
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "methods":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            # `ind.method == "bands"`, `method in ("deduction", "count")`, `m == "linear"`...
            on_method = any(
                (isinstance(o, ast.Attribute) and o.attr == "method")
                or (isinstance(o, ast.Name) and (o.id == "m" or "method" in o.id))
                or (isinstance(o, ast.Call) and "method" in ast.unparse(o.func))
                for o in operands
            )
            for operand in operands if on_method else []:
                consts = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
                hits = [c.value for c in consts if isinstance(c, ast.Constant) and c.value in names]
                found += [f"{path.relative_to(PACKAGE)}:{node.lineno} {h}" for h in hits]
    assert found == []


def test_the_lint_gate_runs_before_the_tests_and_at_commit():
    """`make test` (so CI) runs `make lint` first; pre-commit runs the same tools at the pinned ruff."""
    import re

    import yaml

    root = PACKAGE.parent
    assert re.search(r"^test: .*\blint\b", (root / "Makefile").read_text(encoding="utf-8"), re.M)
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy"} <= set(hooks)
    # the venv's tools: the ruff pinned in the test extra, a mypy that sees the installed stubs
    for tool, hook in (("ruff", "ruff-check"), ("ruff", "ruff-format"), ("mypy", "mypy")):
        assert hooks[hook]["entry"].split()[0] == f".venv/bin/{tool}"
