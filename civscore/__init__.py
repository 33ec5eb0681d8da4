"""civscore: score and rank communities against civilisation-creation rubrics (文明创建测评).

The public API (rubric-contract section 7)::

    import civscore
    rubric = civscore.load_rubric("rubrics/civilized-community-2025.yaml")
    data = civscore.read_data("data/communities_2025.csv", rubric)
    report = civscore.validate(data, rubric)      # report.ok, report.problems
    result = civscore.score(data, rubric)         # raises civscore.ValidationError
    result.table
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the public names, and where each lives; imported on first use (below)
    from civscore.analysis.attainment import attainment
    from civscore.analysis.compare import Comparison, compare
    from civscore.analysis.explain import explain
    from civscore.analysis.gaps import gaps
    from civscore.errors import CivscoreError, DataError, RubricError, RubricProblem, ValidationError
    from civscore.evidence.extract import extract_evidence
    from civscore.evidence.sheet import CandidateCounts, candidate_counts, candidate_sheet
    from civscore.readers.data import read_data
    from civscore.records.measure import RecordsUsage, check_record_names, measure, record_values
    from civscore.records.read import RecordFile, read_records
    from civscore.report.render import ReportError, render_report
    from civscore.result import Result, score
    from civscore.robustness.sensitivity import Sensitivity, sensitivity
    from civscore.robustness.uncertainty import Uncertainty, uncertainty
    from civscore.rubric import Rubric, load_rubric, parse_rubric_text, rubric_json_schema, rubric_json_schema_text
    from civscore.tables.book import using_issuer
    from civscore.tables.compare import write_comparison
    from civscore.tables.gaps import write_gaps
    from civscore.tables.problems import write_candidates, write_problems
    from civscore.validation.check import Checked, check, validate
    from civscore.validation.report import ValidationReport
    from civscore.validation.schema import build_schema
    from civscore.version import __version__
    from civscore.writers.atomic import check_output_target, write_text
    from civscore.writers.docx import write_gaps_docx, write_report_docx
    from civscore.writers.output import RESULT_FORMATS, UnsupportedFormat, check_output_path, write_result, write_table
    from civscore.writers.xlsx import points_beside

__all__ = [
    "RESULT_FORMATS",
    "CandidateCounts",
    "Checked",
    "CivscoreError",
    "Comparison",
    "DataError",
    "RecordFile",
    "RecordsUsage",
    "ReportError",
    "Result",
    "Rubric",
    "RubricError",
    "RubricProblem",
    "Sensitivity",
    "Uncertainty",
    "UnsupportedFormat",
    "ValidationError",
    "ValidationReport",
    "__version__",
    "attainment",
    "build_schema",
    "candidate_counts",
    "candidate_sheet",
    "check",
    "check_output_path",
    "check_output_target",
    "check_record_names",
    "compare",
    "explain",
    "extract_evidence",
    "gaps",
    "load_rubric",
    "measure",
    "parse_rubric_text",
    "points_beside",
    "read_data",
    "read_records",
    "record_values",
    "render_report",
    "rubric_json_schema",
    "rubric_json_schema_text",
    "score",
    "sensitivity",
    "uncertainty",
    "using_issuer",
    "validate",
    "write_candidates",
    "write_comparison",
    "write_gaps",
    "write_gaps_docx",
    "write_problems",
    "write_report_docx",
    "write_result",
    "write_table",
    "write_text",
]


def _homes() -> dict[str, str]:
    """Public name -> its module, read from the imports above: one list, kept by the type checker."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    return {
        alias.asname or alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if node.module
    }


_HOMES = _homes()


def __getattr__(name: str) -> Any:
    # `import civscore` stays light (a command that scores a CSV needs neither Word nor Spark
    # nor pandera unless a cell is wrong): each public name is imported when first used
    home = _HOMES.get(name)
    if home is None:
        try:  # a module of the package: civscore.readers, ...
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
